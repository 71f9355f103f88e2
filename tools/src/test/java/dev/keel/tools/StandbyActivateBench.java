package dev.keel.tools;

import dev.keel.engine.api.InputHandle;
import dev.keel.engine.api.KeelPipeline;
import dev.keel.engine.config.PipelineConfigParser;
import dev.keel.engine.data.RowWriter;
import dev.keel.engine.spi.CheckpointStatus;
import dev.keel.sync.SyncFixture;

import java.lang.management.ManagementFactory;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.UUID;
import java.util.concurrent.TimeUnit;

/**
 * Time from {@link KeelNode#activate()} to the first output record of a standby holding a large state, against
 * the loopback S3Mock. Not a Surefire test (no {@code @Test}): run it as a main class with the tools test class
 * path (see benchmarks/README.md, "Time from activate() to first output"):
 * <pre>
 *   java -Xmx2g --add-exports java.base/jdk.internal.misc=ALL-UNNAMED -cp ... dev.keel.tools.StandbyActivateBench \
 *       [keys, default 1000000] [rows after the checkpoint, default 1000]
 * </pre>
 * A primary (trades-vwap, exactly_once, in-process input) aggregates one trade for each of {@code keys} distinct
 * symbols, so its state grows with the keys; it takes a checkpoint, pushes it, then runs {@code after} more trades
 * whose journal it ships. A standby in the same JVM pulls the checkpoint; the primary is closed (it would be the
 * lost machine); then {@code activate()} is timed to RUNNING and to the first output record (the replay of the
 * shipped steps), the final pull included. Prints the checkpoint's size in the bucket and the load average.
 */
public final class StandbyActivateBench
{
    private StandbyActivateBench()
    {
    }

    /**
     * @param args keys, rows after the checkpoint.
     * @throws Exception on any failure.
     */
    public static void main(final String[] args) throws Exception
    {
        try
        {
            run(args);
        }
        catch (final Throwable ex)
        {
            ex.printStackTrace();
            System.exit(1);
        }
        System.exit(0);
    }

    private static void run(final String[] args) throws Exception
    {
        final int keys = args.length > 0 ? Integer.parseInt(args[0]) : 1_000_000;
        final int after = args.length > 1 ? Integer.parseInt(args[1]) : 1_000;
        final SyncFixture s3 = SyncFixture.shared();
        final String bucket = s3.newBucket();
        final Path work = Files.createTempDirectory("keel-activate-bench");
        final Path output = work.resolve("vwap.json");
        final String sync = "\"bucket\": \"" + bucket + "\", \"push_interval\": 1";
        System.out.printf("keys=%d, rows after the checkpoint=%d, java=%s, cpus=%d, load=%.2f%n", keys, after,
            System.getProperty("java.version"), Runtime.getRuntime().availableProcessors(), load());

        final KeelNode primary = JournalShippingTest.launch(JournalShippingTest.config(output,
            work.resolve("primary"), sync, s3.s3Port));
        final KeelPipeline pipeline = primary.pipeline();
        long t = System.nanoTime();
        insert(pipeline, 1, keys, keys);
        awaitRecords(primary, keys, 3_600);
        System.out.printf("primary: %d trades aggregated in %d ms%n", keys, ms(t));
        t = System.nanoTime();
        if (CheckpointStatus.SUCCESS != pipeline.checkpoint(Duration.ofMinutes(30)))
        {
            throw new IllegalStateException("checkpoint failed");
        }
        System.out.printf("primary: checkpoint in %d ms%n", ms(t));
        t = System.nanoTime();
        final UUID pushed = pipeline.syncCheckpoint(Duration.ofMinutes(30));
        final long bucketBytes = s3.listAll(bucket).values().stream().mapToLong(Long::longValue).sum();
        System.out.printf("primary: pushed %s in %d ms, bucket holds %.1f MiB, load=%.2f%n", pushed, ms(t),
            bucketBytes / 1048576.0, load());
        insert(pipeline, keys + 1, keys + after, keys);
        awaitRecords(primary, keys + after, 600);
        final long durable = NodeSyncTest.metric(PrometheusExporter.export(pipeline.counters()),
            "keel_journal_durable_position");
        JournalShippingTest.awaitShipped(s3, bucket, "journal/" + pushed + "/", durable);

        final KeelNode standby = KeelNode.launch(PipelineConfigParser.parse(JournalShippingTest.config(output,
            work.resolve("standby"), sync + ", \"standby\": true, \"start_from_checkpoint\": \"latest\", " +
            "\"pull_interval\": 1", s3.s3Port)), ProgramRegistry.resolve("trades-vwap"),
            ctx -> ctx.faultTolerance().checkpointOnClose(false));
        t = System.nanoTime();
        while (!pushed.equals(standby.standbyStatus().adopted()))
        {
            if (System.nanoTime() - t > TimeUnit.MINUTES.toNanos(30))
            {
                throw new IllegalStateException("the standby did not pull " + pushed + ": " + standby.standbyStatus());
            }
            Thread.sleep(10);
        }
        System.out.printf("standby: pulled %s in %d ms (%.1f MiB downloaded)%n", pushed, ms(t),
            standby.standbyStatus().bytesDownloaded() / 1048576.0);
        primary.close();
        Thread.sleep(2_000); // one more quiet pull interval: the activation's pull finds everything present

        final double loadAtActivate = load();
        final long activateNs = System.nanoTime();
        standby.activate();
        long runningNs = 0;
        while (StandbyNodeTest.outputRecords(standby) <= 0)
        {
            if (0 == runningNs && null != standby.pipeline() &&
                standby.pipeline().state() == dev.keel.engine.circuit.PipelineState.RUNNING)
            {
                runningNs = System.nanoTime();
            }
            if (null != standby.failure() || System.nanoTime() - activateNs > TimeUnit.MINUTES.toNanos(30))
            {
                throw new IllegalStateException("no output after activation: " + standby.state() + " " +
                    standby.failure());
            }
            Thread.onSpinWait();
        }
        final long firstOutputNs = System.nanoTime();
        System.out.printf("RESULT keys=%d state_in_bucket_mib=%.1f activate_to_running_ms=%s " +
            "activate_to_first_output_ms=%d load_at_activate=%.2f load_after=%.2f%n", keys,
            bucketBytes / 1048576.0, 0 == runningNs ? "n/a (first output first)" :
            Long.toString((runningNs - activateNs) / 1_000_000), (firstOutputNs - activateNs) / 1_000_000,
            loadAtActivate, load());
        standby.close();
        NodeSyncStartTest.deleteTree(work);
    }

    private static void insert(final KeelPipeline pipeline, final int firstId, final int lastId, final int keys)
    {
        final InputHandle in = pipeline.inputHandle("trades");
        final RowWriter row = new RowWriter(in.schema());
        for (int id = firstId; id <= lastId; id++)
        {
            final String symbol = "K" + (id - 1) % keys;
            row.reset().putLong(0, id).putString(1, symbol).putLong(2, 100 + id % 10_000).putLong(3, 1 + id % 100)
                .putLong(4, id * 1000L);
            row.finish();
            while (!in.insert(row))
            {
                Thread.onSpinWait();
            }
        }
    }

    /** Each trade of a new key adds an insert, each later trade of a key at least one more record. */
    private static void awaitRecords(final KeelNode node, final long outputRecords, final int seconds)
        throws InterruptedException
    {
        final long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(seconds);
        while (StandbyNodeTest.outputRecords(node) < outputRecords)
        {
            if (System.nanoTime() > deadline)
            {
                throw new IllegalStateException("input not processed in " + seconds + " s: " +
                    StandbyNodeTest.outputRecords(node) + " output records");
            }
            Thread.sleep(20);
        }
    }

    private static long ms(final long startNs)
    {
        return (System.nanoTime() - startNs) / 1_000_000;
    }

    private static double load()
    {
        return ManagementFactory.getOperatingSystemMXBean().getSystemLoadAverage();
    }
}
