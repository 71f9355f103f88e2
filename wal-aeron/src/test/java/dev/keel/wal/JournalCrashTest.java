package dev.keel.wal;

import dev.keel.engine.config.JournalSync;
import dev.keel.engine.spi.StepRecord;
import org.agrona.concurrent.UnsafeBuffer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;

import static dev.keel.wal.JournalTestSupport.awaitDurable;
import static dev.keel.wal.JournalTestSupport.fill;
import static dev.keel.wal.JournalTestSupport.replayAll;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A child JVM appends with {@link JournalSync#DATA} and reports what became durable; it is SIGKILLed at a seeded
 * random moment, twice on the same journal, and the journal is reopened here after each kill.
 */
class JournalCrashTest
{
    @TempDir
    Path dir;

    @Test
    void everyRecordReportedDurableSurvivesSigkill() throws Exception
    {
        final long seed = Long.getLong("keel.test.seed", System.nanoTime());
        System.out.println("JournalCrashTest seed=" + seed + " (rerun with -Dkeel.test.seed=" + seed + ")");
        final Random random = new Random(seed);
        final Path journalDir = dir.resolve("journal");

        long lastStep = 0;
        for (int round = 0; round < 2; round++)
        {
            final long[] durable = runAndKill(journalDir, lastStep, 100 + random.nextInt(700), random.nextLong(), round);
            lastStep = verifyAndExtend(journalDir, durable[0], durable[1]);
        }
    }

    /** @return {step, endPosition} of the last record the child reported durable. */
    private long[] runAndKill(
        final Path journalDir, final long fromStep, final int killAfterMs, final long childSeed, final int round)
        throws Exception
    {
        final List<String> command = new ArrayList<>();
        command.add(ProcessHandle.current().info().command().orElse("java"));
        command.add("--add-exports");
        command.add("java.base/jdk.internal.misc=ALL-UNNAMED");
        command.add("-cp");
        command.add(System.getProperty("java.class.path"));
        command.add(JournalCrashChild.class.getName());
        command.add(journalDir.toString());
        command.add(Long.toString(fromStep));
        command.add(Long.toString(childSeed));

        final Path stderr = dir.resolve("child-" + round + ".err");
        final Process child = new ProcessBuilder(command).redirectError(stderr.toFile()).start();
        final List<String> lines = new CopyOnWriteArrayList<>();
        final Thread reader = new Thread(() ->
        {
            try (BufferedReader in = new BufferedReader(
                new InputStreamReader(child.getInputStream(), StandardCharsets.US_ASCII)))
            {
                String line;
                while (null != (line = in.readLine()))
                {
                    lines.add(line);
                }
            }
            catch (final java.io.IOException ex)
            {
                lines.add("IOException " + ex);
            }
        });
        reader.start();

        try
        {
            final long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(15);
            while (lines.stream().noneMatch(l -> l.startsWith("D ")))
            {
                assertTrue(child.isAlive(), () -> "child died: " + lines + " " + readQuietly(stderr));
                assertTrue(System.nanoTime() < deadline, () -> "child reported nothing durable: " + lines);
                Thread.sleep(5);
            }
            Thread.sleep(killAfterMs);
            assertTrue(child.isAlive(), () -> "child died before the kill: " + readQuietly(stderr));
        }
        finally
        {
            child.destroyForcibly();
            assertTrue(child.waitFor(10, TimeUnit.SECONDS));
            reader.join(10_000);
        }

        long step = 0;
        long end = 0;
        for (final String line : lines)
        {
            final String[] parts = line.split(" ");
            // the kill may cut the last line short
            if (3 == parts.length && "D".equals(parts[0]))
            {
                step = Long.parseLong(parts[1]);
                end = Long.parseLong(parts[2]);
            }
        }
        System.out.println("round " + round + ": killed after " + killAfterMs + " ms, last durable step " + step +
            " at " + end);
        assertTrue(step > fromStep, "the child made progress");
        return new long[]{ step, end };
    }

    /** @return the last step in the journal after appending a few more. */
    private long verifyAndExtend(final Path journalDir, final long durableStep, final long durableEnd)
    {
        final StepRecord record = new StepRecord();
        final UnsafeBuffer scratch = new UnsafeBuffer(new byte[4096]);
        try (AeronJournal journal = AeronJournal.launch(new AeronJournal.Context().journalDir(journalDir)))
        {
            final List<JournalTestSupport.Replayed> replayed = replayAll(journal, 0);
            assertTrue(replayed.size() >= durableStep,
                "replayed " + replayed.size() + " records, " + durableStep + " were reported durable");
            for (int i = 0; i < replayed.size(); i++)
            {
                assertEquals(i + 1, replayed.get(i).step, "steps replay in order, consecutively");
            }
            assertEquals(durableEnd, replayed.get((int)durableStep - 1).endPosition);
            final long last = replayed.size();
            System.out.println("reopened: " + last + " records replayed, " + durableStep + " reported durable");
            assertEquals(replayed.get((int)last - 1).endPosition, journal.position());

            for (long step = last + 1; step <= last + 10; step++)
            {
                journal.append(fill(record, step, scratch));
            }
            awaitDurable(journal, journal.position());
            final List<JournalTestSupport.Replayed> after = replayAll(journal, 0);
            assertEquals(last + 10, after.size());
            assertEquals(last + 10, after.get(after.size() - 1).step);
            return last + 10;
        }
    }

    private static String readQuietly(final Path file)
    {
        try
        {
            return Files.readString(file);
        }
        catch (final java.io.IOException ex)
        {
            return "(cannot read " + file + ": " + ex + ")";
        }
    }
}
