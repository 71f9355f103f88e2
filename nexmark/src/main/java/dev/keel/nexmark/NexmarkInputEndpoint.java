package dev.keel.nexmark;

import dev.keel.engine.config.ConfigException;
import dev.keel.engine.config.ConfigObject;
import dev.keel.engine.config.InputEndpointConfig;
import dev.keel.engine.connector.EndpointCounters;
import dev.keel.engine.connector.InputEndpoint;
import dev.keel.engine.data.RowWriter;
import dev.keel.engine.data.Schema;
import dev.keel.engine.data.ZSetBatch;
import org.agrona.concurrent.NanoClock;
import org.agrona.concurrent.SystemNanoClock;

/**
 * A replayable input endpoint of one Nexmark table: transport {@code nexmark} with option
 * {@code table: person | auction | bid}. A pipeline that wants all three tables declares three endpoints
 * with the same generator settings (as in Feldera); each generates only its own events from the shared
 * event-index sequence of {@link NexmarkGenerator}, so together they produce every event exactly once.
 * <p>
 * <b>Why three endpoints and not one shared cursor.</b> The SPI binds an endpoint to one table, and each
 * endpoint's position is journaled and checkpointed on its own; independent endpoints need no shared mutable
 * state between them and resume independently. Skipping the indexes of other tables is arithmetic
 * ({@link NexmarkGenerator#nextIndexOf}), so an endpoint's cost is proportional to its own events.
 * <p>
 * <b>Position.</b> {@link #position()} is the next event index to consider (0 .. max_events); it may pass
 * indexes of other tables without emitting. {@link #open(long)} resumes at any position, and the same
 * sequence of polls with the same stop positions reproduces the same records.
 * <p>
 * <b>Poll.</b> {@link #poll} generates on the caller's thread ({@link #agent()} is null), at most
 * {@code maxRecords} records, never beyond {@code stopAtPosition} or {@code max_events}. With
 * {@code lockstep} (default) one poll also covers at most {@code maxRecords} event <em>indexes</em>: the
 * three table endpoints polled with the same {@code maxRecords} then advance over the same index (and so
 * event-time) ranges step by step, instead of the person endpoint running 50 times ahead of the bid
 * endpoint. Without lockstep an endpoint fills {@code maxRecords} with its own events.
 * <p>
 * <b>Rate limit.</b> With {@code events_per_second > 0}, a live poll ({@code stopAtPosition ==
 * Long.MAX_VALUE}) reads the clock once and goes no further than
 * {@code pacingStartIndex + elapsed * events_per_second} indexes, where pacing starts at the first live poll
 * after {@link #open(long)} (or after a replaying poll). It never blocks: an early poll returns 0. A caller
 * that falls behind catches up at full speed. Replaying polls (a finite {@code stopAtPosition}) are not paced.
 */
public final class NexmarkInputEndpoint implements InputEndpoint
{
    private static final long NANOS_PER_SECOND = 1_000_000_000L;

    private final String name;
    private final NexmarkTable table;
    private final int kind;
    private final NexmarkSettings settings;
    private final NexmarkGenerator generator;
    private final RowWriter writer;
    private final NanoClock clock;
    private final long maxEvents;
    private final long eventsPerSecond;
    private final boolean lockstep;

    private boolean opened;
    private boolean closed;
    private boolean pacing;
    private long pacingStartNanos;
    private long pacingStartIndex;
    private long position;
    private EndpointCounters counters;

    private NexmarkInputEndpoint(
        final String name, final NexmarkTable table, final NexmarkSettings settings, final NanoClock clock)
    {
        this.name = name;
        this.table = table;
        this.kind = table.ordinal();
        this.settings = settings;
        this.generator = new NexmarkGenerator(settings);
        this.writer = new RowWriter(table.schema());
        this.clock = clock;
        this.maxEvents = settings.maxEvents();
        this.eventsPerSecond = settings.eventsPerSecond();
        this.lockstep = settings.lockstep();
        this.counters = EndpointCounters.detached(name);
    }

    /** An endpoint of one table, paced by the system clock. */
    public static NexmarkInputEndpoint create(final String name, final NexmarkTable table, final NexmarkSettings settings)
    {
        return create(name, table, settings, new SystemNanoClock());
    }

    /** An endpoint of one table paced by {@code clock} (tests pass a hand clock). */
    public static NexmarkInputEndpoint create(
        final String name, final NexmarkTable table, final NexmarkSettings settings, final NanoClock clock)
    {
        if (null == name || name.isEmpty())
        {
            throw new IllegalArgumentException("name: required");
        }
        if (null == table || null == settings || null == clock)
        {
            throw new NullPointerException("table, settings and clock are required");
        }
        return new NexmarkInputEndpoint(name, table, settings, clock);
    }

    /**
     * Builds the endpoint of an {@code inputs.<name>} configuration with transport {@code nexmark}, paced by the
     * system clock (the {@link NexmarkInputConnector} serves the transport). Keys: {@code table} (required) and the
     * settings named in {@link NexmarkSettings}; the table's schema must be the one of {@link NexmarkSchemas}.
     * Errors name the JSON path of the setting.
     */
    public static NexmarkInputEndpoint fromConfig(final InputEndpointConfig config, final Schema schema)
    {
        return fromConfig(config, schema, new SystemNanoClock());
    }

    /** As {@link #fromConfig(InputEndpointConfig, Schema)}, paced by {@code clock}. */
    public static NexmarkInputEndpoint fromConfig(
        final InputEndpointConfig config, final Schema schema, final NanoClock clock)
    {
        final String path = "$.inputs." + config.name() + ".transport.config";
        final ConfigObject options = config.transport().config().requireOnly(
            "table", "seed", "max_events", "events_per_second", "first_event_rate", "first_event_id", "base_time_us",
            "num_active_people", "num_in_flight_auctions", "out_of_order_group_size", "hot_auction_ratio",
            "hot_sellers_ratio", "hot_bidders_ratio", "avg_person_byte_size", "avg_auction_byte_size",
            "avg_bid_byte_size", "lockstep");
        if (config.format().isPresent())
        {
            throw new ConfigException(ConfigException.INVALID, null, "$.inputs." + config.name() + ".format",
                "the nexmark transport generates rows, it has no format; remove the format");
        }
        final NexmarkTable table;
        try
        {
            table = NexmarkTable.fromConfigName(options.nonEmptyString("table"));
        }
        catch (final IllegalArgumentException ex)
        {
            throw new ConfigException(ConfigException.INVALID, null, path + ".table", ex.getMessage(), ex);
        }
        if (!table.schema().equals(schema))
        {
            throw new ConfigException(ConfigException.INVALID, null, "$.inputs." + config.name() + ".stream",
                "the nexmark " + table.configName() + " endpoint produces " + table.schema() + ", the table is " + schema);
        }
        final NexmarkSettings defaults = NexmarkSettings.defaults();
        final NexmarkSettings.Builder builder = NexmarkSettings.builder()
            .seed(options.longValue("seed", defaults.seed(), Long.MIN_VALUE, Long.MAX_VALUE))
            .maxEvents(options.longValue("max_events", defaults.maxEvents(), 1, Long.MAX_VALUE))
            .eventsPerSecond(options.longValue("events_per_second", 0, 0, NexmarkSettings.MAX_RATE))
            .firstEventRate(options.longValue("first_event_rate", defaults.firstEventRate(), 1, NexmarkSettings.MAX_RATE))
            .firstEventId(options.longValue("first_event_id", 0, 0, NexmarkSettings.MAX_OFFSET))
            .baseTimeUs(options.longValue("base_time_us", defaults.baseTimeUs(), 0, NexmarkSettings.MAX_OFFSET))
            .numActivePeople(options.intValue("num_active_people", defaults.numActivePeople(), 1, Integer.MAX_VALUE))
            .numInFlightAuctions(
                options.intValue("num_in_flight_auctions", defaults.numInFlightAuctions(), 1, Integer.MAX_VALUE))
            .outOfOrderGroupSize(
                options.intValue("out_of_order_group_size", defaults.outOfOrderGroupSize(), 1, Integer.MAX_VALUE))
            .hotAuctionRatio(options.intValue("hot_auction_ratio", defaults.hotAuctionRatio(), 1, Integer.MAX_VALUE))
            .hotSellersRatio(options.intValue("hot_sellers_ratio", defaults.hotSellersRatio(), 1, Integer.MAX_VALUE))
            .hotBiddersRatio(options.intValue("hot_bidders_ratio", defaults.hotBiddersRatio(), 1, Integer.MAX_VALUE))
            .avgPersonByteSize(options.intValue("avg_person_byte_size", defaults.avgPersonByteSize(), 1,
                NexmarkSettings.MAX_AVG_BYTE_SIZE))
            .avgAuctionByteSize(options.intValue("avg_auction_byte_size", defaults.avgAuctionByteSize(), 1,
                NexmarkSettings.MAX_AVG_BYTE_SIZE))
            .avgBidByteSize(options.intValue("avg_bid_byte_size", defaults.avgBidByteSize(), 1,
                NexmarkSettings.MAX_AVG_BYTE_SIZE))
            .lockstep(options.bool("lockstep", true));
        final NexmarkSettings settings;
        try
        {
            settings = builder.build();
        }
        catch (final IllegalArgumentException ex)
        {
            throw new ConfigException(ConfigException.INVALID, null, path, ex.getMessage(), ex);
        }
        return create(config.name(), table, settings, clock);
    }

    public String name()
    {
        return name;
    }

    public NexmarkTable table()
    {
        return table;
    }

    public NexmarkSettings settings()
    {
        return settings;
    }

    public boolean replayable()
    {
        return true;
    }

    public void open(final long resumePosition)
    {
        if (closed)
        {
            throw new IllegalStateException(name + ": closed");
        }
        if (opened)
        {
            throw new IllegalStateException(name + ": already open");
        }
        if (resumePosition < 0 || resumePosition > maxEvents)
        {
            throw new IllegalArgumentException(name + ": resume position " + resumePosition +
                " is outside [0, max_events=" + maxEvents + "]");
        }
        position = resumePosition;
        pacing = false;
        opened = true;
    }

    public int poll(final ZSetBatch out, final int maxRecords, final long stopAtPosition)
    {
        if (!opened || closed)
        {
            throw new IllegalStateException(name + ": poll before open or after close");
        }
        long limit = Math.min(maxEvents, stopAtPosition);
        if (lockstep && maxRecords > 0)
        {
            limit = Math.min(limit, saturatedAdd(position, maxRecords));
        }
        if (eventsPerSecond > 0)
        {
            if (stopAtPosition == Long.MAX_VALUE)
            {
                limit = Math.min(limit, pacedLimit(clock.nanoTime()));
            }
            else
            {
                pacing = false;
            }
        }
        if (limit <= position || maxRecords <= 0)
        {
            return 0;
        }

        int count = 0;
        long bytes = 0;
        long index = position;
        while (count < maxRecords)
        {
            index = generator.nextIndexOf(kind, index, limit);
            if (index >= limit)
            {
                break;
            }
            generator.writeEvent(index, writer);
            out.add(writer, 1);
            bytes += writer.length();
            count++;
            index++;
        }
        position = index;
        if (count > 0)
        {
            counters.records().getAndAddRelease(count);
            counters.bytes().getAndAddRelease(bytes);
        }
        return count;
    }

    /**
     * Records and bytes (of the generated rows) are counted by {@link #poll} on the caller's thread; the generator
     * has no queue and never skips, so buffered and errors stay 0.
     */
    public void counters(final EndpointCounters counters)
    {
        this.counters = counters;
    }

    public long position()
    {
        return position;
    }

    public boolean endOfInput()
    {
        return position >= maxEvents;
    }

    public long skippedRecords()
    {
        return 0;
    }

    public void close()
    {
        closed = true;
    }

    public String toString()
    {
        return "NexmarkInputEndpoint{name=" + name + ", table=" + table.configName() + ", position=" + position +
            ", " + settings + "}";
    }

    private long pacedLimit(final long nowNanos)
    {
        if (!pacing)
        {
            pacing = true;
            pacingStartNanos = nowNanos;
            pacingStartIndex = position;
        }
        final long elapsed = Math.max(0, nowNanos - pacingStartNanos);
        // split to avoid overflow: eventsPerSecond <= 10^9, so (elapsed % 10^9) * eventsPerSecond < 10^18
        final long allowed = (elapsed / NANOS_PER_SECOND) * eventsPerSecond +
            ((elapsed % NANOS_PER_SECOND) * eventsPerSecond) / NANOS_PER_SECOND;
        return saturatedAdd(pacingStartIndex, allowed);
    }

    private static long saturatedAdd(final long a, final long b)
    {
        final long sum = a + b;
        return sum < a ? Long.MAX_VALUE : sum;
    }
}
