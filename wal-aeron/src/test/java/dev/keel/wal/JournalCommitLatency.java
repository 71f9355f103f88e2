package dev.keel.wal;

import dev.keel.engine.config.JournalSync;
import dev.keel.engine.spi.StepRecord;
import org.agrona.concurrent.BackoffIdleStrategy;
import org.agrona.concurrent.IdleStrategy;
import org.agrona.concurrent.SleepingIdleStrategy;
import org.agrona.concurrent.UnsafeBuffer;
import org.agrona.concurrent.YieldingIdleStrategy;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.concurrent.locks.LockSupport;
import java.util.function.Supplier;

/**
 * Measurement, not a test: latency from the first {@code append} of a batch until {@code durablePosition()}
 * covers its last record, for records of 108 bytes encoded.
 * <p>
 * {@code java ... dev.keel.wal.JournalCommitLatency <NONE|DATA|FULL> <batch> <iterations> <gapMicros>
 * [backoff50|aeronDefault|sleep50|yield]}. {@code gapMicros} is a pause between iterations, long enough for the
 * archive thread to go idle (park) as it does between steps of a quiet pipeline; 0 measures back-to-back commits.
 */
public final class JournalCommitLatency
{
    private JournalCommitLatency()
    {
    }

    public static void main(final String[] args) throws Exception
    {
        final JournalSync sync = JournalSync.valueOf(args[0]);
        final int batch = Integer.parseInt(args[1]);
        final int iterations = Integer.parseInt(args[2]);
        final long gapNs = Long.parseLong(args[3]) * 1000;
        final String idle = args.length > 4 ? args[4] : "backoff50";
        final Supplier<IdleStrategy> idleSupplier;
        switch (idle)
        {
            case "backoff50": idleSupplier = AeronJournal.Context::defaultArchiveIdleStrategy; break;
            case "aeronDefault": idleSupplier = BackoffIdleStrategy::new; break;
            case "sleep50": idleSupplier = () -> new SleepingIdleStrategy(50_000); break;
            case "yield": idleSupplier = YieldingIdleStrategy::new; break;
            default: throw new IllegalArgumentException("idle strategy " + idle);
        }

        final Path dir = Files.createTempDirectory("keel-journal-latency");
        final StepRecord record = new StepRecord();
        final UnsafeBuffer payload = new UnsafeBuffer(new byte[44]);
        final long[] samples = new long[iterations];
        final int warmup = Math.max(1_000, iterations / 5);

        try (AeronJournal journal = AeronJournal.launch(new AeronJournal.Context()
            .journalDir(dir.resolve("journal"))
            .sync(sync)
            .archiveIdleStrategySupplier(idleSupplier)))
        {
            for (int i = -warmup; i < iterations; i++)
            {
                final long startNs = System.nanoTime();
                long end = 0;
                for (int b = 0; b < batch; b++)
                {
                    record.reset(i, i, 1).inputCount(1).inputHash(i).data(0, payload, 0, payload.capacity());
                    end = journal.append(record);
                }
                while (journal.durablePosition() < end)
                {
                    Thread.onSpinWait();
                }
                final long latencyNs = System.nanoTime() - startNs;
                if (i >= 0)
                {
                    samples[i] = latencyNs;
                }
                if (gapNs > 0)
                {
                    LockSupport.parkNanos(gapNs);
                }
            }
        }
        finally
        {
            deleteRecursively(dir);
        }

        Arrays.sort(samples);
        System.out.printf("sync=%s idle=%s batch=%d (record 108 B) iterations=%d gap=%dus: " +
            "median=%.1fus p90=%.1fus p99=%.1fus max=%.1fus%n",
            sync, idle, batch, iterations, gapNs / 1000,
            samples[iterations / 2] / 1e3, samples[(int)(iterations * 0.9)] / 1e3,
            samples[(int)(iterations * 0.99)] / 1e3, samples[iterations - 1] / 1e3);
    }

    private static void deleteRecursively(final Path dir) throws Exception
    {
        try (java.util.stream.Stream<Path> walk = Files.walk(dir))
        {
            for (final Path path : (Iterable<Path>)walk.sorted(java.util.Comparator.reverseOrder())::iterator)
            {
                Files.deleteIfExists(path);
            }
        }
    }
}
