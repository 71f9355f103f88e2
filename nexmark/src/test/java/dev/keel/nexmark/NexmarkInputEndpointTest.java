package dev.keel.nexmark;

import dev.keel.engine.status.KeelCounters;
import dev.keel.engine.config.ConfigException;
import dev.keel.engine.config.InputEndpointConfig;
import dev.keel.engine.config.PipelineConfig;
import dev.keel.engine.connector.ConnectorContext;
import dev.keel.engine.connector.ConnectorRegistry;
import dev.keel.engine.connector.EndpointCounters;
import dev.keel.engine.connector.InputEndpoint;
import dev.keel.engine.data.RowWriter;
import dev.keel.engine.data.ZSetBatch;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

import java.lang.management.ManagementFactory;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.*;

class NexmarkInputEndpointTest
{
    private static final long EVENTS = 20_000;

    private static NexmarkSettings bounded(final long events)
    {
        return NexmarkSettings.builder().seed(11).maxEvents(events).build();
    }

    /** Polls until end of input (or {@code stopAt}), returning the rows and checking every poll's bounds. */
    private static List<String> drain(
        final NexmarkInputEndpoint endpoint, final int maxRecords, final long stopAt)
    {
        final ZSetBatch batch = new ZSetBatch(endpoint.table().schema());
        final List<String> rows = new ArrayList<>();
        while (!endpoint.endOfInput() && endpoint.position() < stopAt)
        {
            batch.clear();
            final long before = endpoint.position();
            final int count = endpoint.poll(batch, maxRecords, stopAt);
            assertEquals(count, batch.size());
            assertTrue(count <= maxRecords);
            assertTrue(endpoint.position() <= stopAt);
            assertTrue(endpoint.position() > before, "a poll without pacing always advances");
            rows.addAll(NexmarkEvents.rows(batch));
        }
        return rows;
    }

    /** The rows of one table among events [from, to), straight from the generator. */
    private static List<String> expected(final NexmarkSettings settings, final NexmarkTable table, final long from,
        final long to)
    {
        final NexmarkGenerator generator = new NexmarkGenerator(settings);
        final RowWriter writer = new RowWriter(table.schema());
        final ZSetBatch batch = new ZSetBatch(table.schema());
        for (long index = from; index < to; index++)
        {
            if (generator.kindAt(index) == table.ordinal())
            {
                generator.writeEvent(index, writer);
                batch.add(writer, 1);
            }
        }
        return NexmarkEvents.rows(batch);
    }

    @ParameterizedTest
    @EnumSource(NexmarkTable.class)
    void producesItsTablesEventsInIndexOrderAndEnds(final NexmarkTable table)
    {
        final NexmarkSettings settings = bounded(EVENTS);
        try (NexmarkInputEndpoint endpoint = NexmarkInputEndpoint.create("nx", table, settings))
        {
            assertTrue(endpoint.replayable());
            assertNull(endpoint.agent());
            endpoint.open(0);
            assertFalse(endpoint.endOfInput());
            assertEquals(expected(settings, table, 0, EVENTS), drain(endpoint, 1000, Long.MAX_VALUE));
            assertTrue(endpoint.endOfInput());
            assertEquals(EVENTS, endpoint.position());
            assertEquals(0, endpoint.poll(new ZSetBatch(table.schema()), 1000, Long.MAX_VALUE));
            assertEquals(0, endpoint.skippedRecords());
        }
    }

    @ParameterizedTest
    @EnumSource(NexmarkTable.class)
    void resumingAtAPositionYieldsExactlyTheRemainingEvents(final NexmarkTable table)
    {
        final NexmarkSettings settings = bounded(EVENTS).toBuilder().outOfOrderGroupSize(5).build();
        final List<String> whole;
        try (NexmarkInputEndpoint endpoint = NexmarkInputEndpoint.create("nx", table, settings))
        {
            endpoint.open(0);
            whole = drain(endpoint, 777, Long.MAX_VALUE);
        }
        for (final long cut : new long[]{ 1, 49, 50, 51, 4321, 12_345, EVENTS - 1 })
        {
            final List<String> resumed = new ArrayList<>();
            final long position;
            try (NexmarkInputEndpoint first = NexmarkInputEndpoint.create("nx", table, settings))
            {
                first.open(0);
                resumed.addAll(drain(first, 333, cut));
                position = first.position();
                assertEquals(cut, position);
            }
            try (NexmarkInputEndpoint second = NexmarkInputEndpoint.create("nx", table, settings))
            {
                second.open(position);
                assertEquals(position, second.position());
                resumed.addAll(drain(second, 1000, Long.MAX_VALUE));
            }
            assertEquals(whole, resumed, "cut at " + cut);
        }
    }

    @ParameterizedTest
    @EnumSource(NexmarkTable.class)
    void stopAtIsHonouredExactly(final NexmarkTable table)
    {
        for (final boolean lockstep : new boolean[]{ true, false })
        {
            final NexmarkSettings settings = bounded(EVENTS).toBuilder().lockstep(lockstep).build();
            try (NexmarkInputEndpoint endpoint = NexmarkInputEndpoint.create("nx", table, settings))
            {
                endpoint.open(0);
                final ZSetBatch batch = new ZSetBatch(table.schema());
                // index 10_200 is a person, 10_248 a bid, 10_250 a person: stops next to own and other events
                for (final long stopAt : new long[]{ 10_201, 10_202, 10_249, 10_250, 10_251 })
                {
                    while (endpoint.position() < stopAt)
                    {
                        endpoint.poll(batch, 100_000, stopAt);
                    }
                    assertEquals(stopAt, endpoint.position(), "lockstep " + lockstep);
                    assertEquals(0, endpoint.poll(batch, 100_000, stopAt));
                    assertEquals(stopAt, endpoint.position());
                }
                assertEquals(expected(settings, table, 0, 10_251), NexmarkEvents.rows(batch));
            }
        }
    }

    @Test
    void maxRecordsBoundsRecordsAndInLockstepAlsoIndexes()
    {
        try (NexmarkInputEndpoint free = NexmarkInputEndpoint.create("nx", NexmarkTable.PERSON,
            bounded(EVENTS).toBuilder().lockstep(false).build()))
        {
            free.open(0);
            final ZSetBatch batch = new ZSetBatch(NexmarkSchemas.PERSON);
            assertEquals(7, free.poll(batch, 7, Long.MAX_VALUE));
            assertEquals(6 * 50 + 1, free.position(), "after the 7th person, index 300");
        }
        try (NexmarkInputEndpoint lockstep = NexmarkInputEndpoint.create("nx", NexmarkTable.BID, bounded(EVENTS)))
        {
            lockstep.open(0);
            final ZSetBatch batch = new ZSetBatch(NexmarkSchemas.BID);
            assertEquals(92, lockstep.poll(batch, 104, Long.MAX_VALUE), "bids among indexes 0..103");
            assertEquals(104, lockstep.position());
        }
    }

    @Test
    void countsTheRecordsAndRowBytesItGenerates()
    {
        try (KeelCounters store = new KeelCounters(KeelCounters.DEFAULT_VALUES_BUFFER_LENGTH);
            EndpointCounters counters = EndpointCounters.allocate(store.countersManager(), "p", "bids", "input");
            NexmarkInputEndpoint endpoint = NexmarkInputEndpoint.create("bids", NexmarkTable.BID, bounded(EVENTS)))
        {
            endpoint.counters(counters);
            endpoint.open(0);
            final ZSetBatch batch = new ZSetBatch(NexmarkSchemas.BID);
            long records = 0;
            long bytes = 0;
            int polled;
            while ((polled = endpoint.poll(batch, 100, Long.MAX_VALUE)) > 0)
            {
                records += polled;
                final ZSetBatch.Cursor cursor = batch.cursor();
                while (cursor.next())
                {
                    bytes += cursor.row().length();
                }
                batch.clear();
                assertEquals(records, counters.records().get());
                assertEquals(bytes, counters.bytes().get());
            }
            assertTrue(records > 0 && bytes > records * NexmarkSchemas.BID.fixedLength(), counters.toString());
            assertEquals(0, counters.errors().get());
            assertEquals(0, counters.bufferedRecords().get());
        }
    }

    @Test
    void theThreeTableEndpointsTogetherCoverEveryEventExactlyOnce()
    {
        for (final int group : new int[]{ 1, 7 })
        {
            final NexmarkSettings settings = bounded(EVENTS).toBuilder().outOfOrderGroupSize(group).build();
            final Map<String, Integer> produced = new HashMap<>();
            long total = 0;
            final List<NexmarkInputEndpoint> endpoints = new ArrayList<>();
            for (final NexmarkTable table : NexmarkTable.values())
            {
                endpoints.add(NexmarkInputEndpoint.create(table.configName(), table, settings));
            }
            final ZSetBatch[] batches = new ZSetBatch[3];
            for (final NexmarkInputEndpoint endpoint : endpoints)
            {
                endpoint.open(0);
                batches[endpoint.table().ordinal()] = new ZSetBatch(endpoint.table().schema());
            }
            while (!endpoints.get(0).endOfInput())
            {
                for (final NexmarkInputEndpoint endpoint : endpoints)
                {
                    final ZSetBatch batch = batches[endpoint.table().ordinal()];
                    batch.clear();
                    total += endpoint.poll(batch, 500, Long.MAX_VALUE);
                    for (final String row : NexmarkEvents.rows(batch))
                    {
                        produced.merge(endpoint.table().configName() + row, 1, Integer::sum);
                    }
                }
                // lockstep: all three cover the same index range every step
                assertEquals(endpoints.get(0).position(), endpoints.get(1).position());
                assertEquals(endpoints.get(0).position(), endpoints.get(2).position());
            }
            assertEquals(EVENTS, total, "group " + group);

            final NexmarkGenerator generator = new NexmarkGenerator(settings);
            final Map<String, Integer> all = new HashMap<>();
            for (long index = 0; index < EVENTS; index++)
            {
                final NexmarkTable table = NexmarkTable.ofOrdinal(generator.kindAt(index));
                final RowWriter writer = new RowWriter(table.schema());
                generator.writeEvent(index, writer);
                final ZSetBatch one = new ZSetBatch(table.schema(), 1024);
                one.add(writer, 1);
                all.merge(table.configName() + NexmarkEvents.rows(one).get(0), 1, Integer::sum);
            }
            assertEquals(all, produced, "group " + group);
            assertTrue(all.values().stream().allMatch(count -> count == 1), "every event is distinct");
        }
    }

    @Test
    @Timeout(value = 10, unit = TimeUnit.SECONDS)
    void rateLimitPacesLivePollsWithoutBlocking()
    {
        final long[] now = { 1_000_000_000L };
        final NexmarkSettings settings = bounded(EVENTS).toBuilder().eventsPerSecond(1000).lockstep(false).build();
        try (NexmarkInputEndpoint endpoint = NexmarkInputEndpoint.create("nx", NexmarkTable.BID, settings,
            () -> now[0]))
        {
            endpoint.open(0);
            final ZSetBatch batch = new ZSetBatch(NexmarkSchemas.BID);
            // the clock stands still: a blocking implementation would never return
            for (int i = 0; i < 1000; i++)
            {
                assertEquals(0, endpoint.poll(batch, 1000, Long.MAX_VALUE));
            }
            assertEquals(0, endpoint.position());

            now[0] += 10_000_000L;
            assertEquals(6, endpoint.poll(batch, 1000, Long.MAX_VALUE), "indexes 0..9 hold bids 4..9");
            assertEquals(10, endpoint.position());
            assertEquals(0, endpoint.poll(batch, 1000, Long.MAX_VALUE));

            now[0] += 1_000_000_000L;
            assertEquals(920, endpoint.poll(batch, 1000, Long.MAX_VALUE), "1000 more indexes: 46 of each 50");
            assertEquals(1010, endpoint.position());

            // a replaying poll (finite stopAt) is not paced
            assertEquals(expected(settings, NexmarkTable.BID, 1010, 3000).size(),
                endpoint.poll(batch, 100_000, 3000));
            assertEquals(3000, endpoint.position());

            // live pacing restarts at the position replay reached
            assertEquals(0, endpoint.poll(batch, 1000, Long.MAX_VALUE));
            now[0] += 50_000_000L;
            endpoint.poll(batch, 1000, Long.MAX_VALUE);
            assertEquals(3050, endpoint.position());
            assertEquals(expected(settings, NexmarkTable.BID, 0, 3050), NexmarkEvents.rows(batch));
        }
    }

    @Test
    void openAndPollCheckTheirArguments()
    {
        final NexmarkInputEndpoint endpoint = NexmarkInputEndpoint.create("bids", NexmarkTable.BID, bounded(100));
        final ZSetBatch batch = new ZSetBatch(NexmarkSchemas.BID);
        assertEquals("bids: poll before open or after close",
            assertThrows(IllegalStateException.class, () -> endpoint.poll(batch, 1, Long.MAX_VALUE)).getMessage());
        assertEquals("bids: resume position 101 is outside [0, max_events=100]",
            assertThrows(IllegalArgumentException.class, () -> endpoint.open(101)).getMessage());
        endpoint.open(100);
        assertTrue(endpoint.endOfInput());
        assertEquals("bids: already open", assertThrows(IllegalStateException.class, () -> endpoint.open(0)).getMessage());
        endpoint.close();
        assertThrows(IllegalStateException.class, () -> endpoint.poll(batch, 1, Long.MAX_VALUE));
    }

    @Test
    void buildsFromPipelineConfiguration()
    {
        final Map<String, Object> options = new HashMap<>();
        options.put("table", "auction");
        options.put("seed", 5);
        options.put("max_events", 1000);
        options.put("out_of_order_group_size", 3);
        options.put("lockstep", false);
        try (NexmarkInputEndpoint endpoint = NexmarkInputEndpoint.fromConfig(input(options), NexmarkSchemas.AUCTION))
        {
            assertEquals("auctions", endpoint.name());
            assertEquals(NexmarkTable.AUCTION, endpoint.table());
            final NexmarkSettings settings = endpoint.settings();
            assertEquals(5, settings.seed());
            assertEquals(1000, settings.maxEvents());
            assertEquals(3, settings.outOfOrderGroupSize());
            assertFalse(settings.lockstep());
            assertEquals(NexmarkSettings.defaults().firstEventRate(), settings.firstEventRate());
        }

        options.put("table", "bids");
        ConfigException error = assertThrows(ConfigException.class,
            () -> NexmarkInputEndpoint.fromConfig(input(options), NexmarkSchemas.AUCTION));
        assertEquals("$.inputs.auctions.transport.config.table", error.path());
        assertTrue(error.getMessage().contains("'bids' is not a Nexmark table; allowed: person, auction, bid"),
            error.getMessage());

        options.put("table", "auction");
        error = assertThrows(ConfigException.class,
            () -> NexmarkInputEndpoint.fromConfig(input(options), NexmarkSchemas.BID));
        assertTrue(error.getMessage().contains("the nexmark auction endpoint produces Schema[id INT64"),
            error.getMessage());

        options.put("out_of_order_group_size", 953 * 2);
        error = assertThrows(ConfigException.class,
            () -> NexmarkInputEndpoint.fromConfig(input(options), NexmarkSchemas.AUCTION));
        assertTrue(error.getMessage().contains("out_of_order_group_size: 1906 is a multiple of 953"),
            error.getMessage());

        options.remove("out_of_order_group_size");
        options.put("rate", 5);
        error = assertThrows(ConfigException.class,
            () -> NexmarkInputEndpoint.fromConfig(input(options), NexmarkSchemas.AUCTION));
        assertTrue(error.getMessage().contains("rate"), error.getMessage());
    }

    @Test
    void registersAsTheNexmarkTransportAndRejectsAFormat()
    {
        final InputEndpoint endpoint = ConnectorRegistry.discover()
            .input(input(Map.of("table", "auction")), NexmarkSchemas.AUCTION, new ConnectorContext());
        assertInstanceOf(NexmarkInputEndpoint.class, endpoint);
        endpoint.close();

        final InputEndpointConfig withFormat = PipelineConfig.builder()
            .input("auctions", InputEndpointConfig.builder().stream("auction")
                .transport("nexmark", Map.of("table", "auction")).format("json"))
            .build()
            .inputs()
            .get("auctions");
        final ConfigException error = assertThrows(ConfigException.class,
            () -> NexmarkInputEndpoint.fromConfig(withFormat, NexmarkSchemas.AUCTION));
        assertEquals("$.inputs.auctions.format", error.path());
    }

    @Test
    void pollingAllocatesNothingInSteadyState()
    {
        try (NexmarkInputEndpoint endpoint = NexmarkInputEndpoint.create("nx", NexmarkTable.BID,
            NexmarkSettings.defaults()))
        {
            endpoint.open(0);
            final ZSetBatch batch = new ZSetBatch(NexmarkSchemas.BID, 4 << 20);
            for (int i = 0; i < 50; i++)
            {
                batch.clear();
                endpoint.poll(batch, 4096, Long.MAX_VALUE);
            }
            final long before = allocated();
            long records = 0;
            for (int i = 0; i < 100; i++)
            {
                batch.clear();
                records += endpoint.poll(batch, 4096, Long.MAX_VALUE);
            }
            final long allocatedBytes = allocated() - before;
            assertTrue(records > 300_000);
            assertTrue(allocatedBytes < 16 * 1024, allocatedBytes + " bytes allocated for " + records + " records");
        }
    }

    private static long allocated()
    {
        return ((com.sun.management.ThreadMXBean)ManagementFactory.getThreadMXBean()).getCurrentThreadAllocatedBytes();
    }

    private static InputEndpointConfig input(final Map<String, Object> options)
    {
        return PipelineConfig.builder()
            .input("auctions", InputEndpointConfig.builder().stream("auction").transport("nexmark", options))
            .build()
            .inputs()
            .get("auctions");
    }
}
