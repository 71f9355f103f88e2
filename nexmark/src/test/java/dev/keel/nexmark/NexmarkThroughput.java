package dev.keel.nexmark;

import dev.keel.engine.data.RowWriter;
import dev.keel.engine.data.ZSetBatch;

import java.lang.management.ManagementFactory;

/**
 * Quick throughput printout (not a JMH benchmark) of Nexmark generation into {@link ZSetBatch}es on the
 * calling thread (one core), with the default settings: (1) the generator writing every event into the batch
 * of its table, (2) the three table endpoints polled in lockstep, as a pipeline would, (3) the bid endpoint
 * alone. Prints events (or records) per second and bytes allocated per event by this thread.
 * <pre>
 *   mvn -q -pl engine-core dependency:build-classpath -Dmdep.outputFile=cp.txt
 *   mvn -q -pl engine-core test-compile
 *   java --add-exports java.base/jdk.internal.misc=ALL-UNNAMED \
 *     -cp engine-core/target/classes:engine-core/target/test-classes:$(cat engine-core/cp.txt) \
 *     dev.keel.nexmark.NexmarkThroughput [events]
 * </pre>
 */
public final class NexmarkThroughput
{
    private static final int BATCH = 8192;

    public static void main(final String[] args)
    {
        final long events = args.length > 0 ? Long.parseLong(args[0]) : 10_000_000L;
        for (int round = 0; round < 5; round++)
        {
            generator(events);
        }
        for (int round = 0; round < 5; round++)
        {
            threeEndpoints(events);
        }
        for (int round = 0; round < 3; round++)
        {
            bidEndpoint(events);
        }
    }

    private static void generator(final long events)
    {
        final NexmarkGenerator generator = new NexmarkGenerator(NexmarkSettings.defaults());
        final RowWriter[] writers = new RowWriter[3];
        final ZSetBatch[] batches = new ZSetBatch[3];
        for (final NexmarkTable table : NexmarkTable.values())
        {
            writers[table.ordinal()] = new RowWriter(table.schema());
            batches[table.ordinal()] = new ZSetBatch(table.schema(), 4 << 20);
        }
        long bytes = 0;
        final long allocatedBefore = allocated();
        final long start = System.nanoTime();
        for (long index = 0; index < events; index++)
        {
            final int kind = generator.eventAt(index, writers[0], writers[1], writers[2]);
            batches[kind].add(writers[kind], 1);
            if ((index & (BATCH - 1)) == BATCH - 1)
            {
                for (final ZSetBatch batch : batches)
                {
                    bytes += batch.byteLength();
                    batch.clear();
                }
            }
        }
        final long nanos = System.nanoTime() - start;
        System.out.printf("generator      : %,12.0f events/s  %6.1f MB/s of batch  %.3f B/event allocated%n",
            events * 1e9 / nanos, bytes * 1e3 / nanos, (double)(allocated() - allocatedBefore) / events);
    }

    private static void threeEndpoints(final long events)
    {
        final NexmarkSettings settings = NexmarkSettings.builder().maxEvents(events).build();
        final NexmarkInputEndpoint[] endpoints = new NexmarkInputEndpoint[3];
        final ZSetBatch[] batches = new ZSetBatch[3];
        for (final NexmarkTable table : NexmarkTable.values())
        {
            endpoints[table.ordinal()] = NexmarkInputEndpoint.create(table.configName(), table, settings);
            endpoints[table.ordinal()].open(0);
            batches[table.ordinal()] = new ZSetBatch(table.schema(), 4 << 20);
        }
        long records = 0;
        final long allocatedBefore = allocated();
        final long start = System.nanoTime();
        while (!endpoints[0].endOfInput())
        {
            for (int i = 0; i < 3; i++)
            {
                batches[i].clear();
                records += endpoints[i].poll(batches[i], BATCH, Long.MAX_VALUE);
            }
        }
        final long nanos = System.nanoTime() - start;
        check(records, events);
        System.out.printf("3 endpoints    : %,12.0f events/s  %.3f B/event allocated%n",
            records * 1e9 / nanos, (double)(allocated() - allocatedBefore) / records);
    }

    private static void bidEndpoint(final long events)
    {
        final NexmarkInputEndpoint endpoint = NexmarkInputEndpoint.create("bid", NexmarkTable.BID,
            NexmarkSettings.builder().maxEvents(events).build());
        endpoint.open(0);
        final ZSetBatch batch = new ZSetBatch(NexmarkSchemas.BID, 4 << 20);
        long records = 0;
        final long start = System.nanoTime();
        while (!endpoint.endOfInput())
        {
            batch.clear();
            records += endpoint.poll(batch, BATCH, Long.MAX_VALUE);
        }
        final long nanos = System.nanoTime() - start;
        check(records, events / 50 * 46);
        System.out.printf("bid endpoint   : %,12.0f bids/s%n", records * 1e9 / nanos);
    }

    private static void check(final long actual, final long expected)
    {
        if (actual != expected)
        {
            throw new IllegalStateException("produced " + actual + ", expected " + expected);
        }
    }

    private static long allocated()
    {
        return ((com.sun.management.ThreadMXBean)ManagementFactory.getThreadMXBean()).getCurrentThreadAllocatedBytes();
    }
}
