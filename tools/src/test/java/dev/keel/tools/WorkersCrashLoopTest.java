package dev.keel.tools;

import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Random;
import java.util.concurrent.TimeUnit;

import static dev.keel.tools.CrashHarness.SEED;
import static org.junit.jupiter.api.Assertions.*;

/**
 * {@code "workers": 2} under SIGKILL at seeded random moments ({@link CrashHarness}): the VWAP aggregate's state is
 * sharded across two circuit workers, checkpointed as one cut and restored into two workers; the output applied
 * in order ends with exactly one row per symbol, equal to the aggregates of the input. A storage directory written
 * with two workers does not start with one: the error names {@code $.workers}, the stored value and the fix.
 */
@Tag("crash")
class WorkersCrashLoopTest
{
    private static final int TRADES = Integer.getInteger("keel.crash.workers.trades", 60_000);
    private static final int KILLS = Integer.getInteger("keel.crash.workers.kills", 3);

    @TempDir
    Path dir;

    @Test
    void twoWorkersSurviveSigkillExactlyOnce() throws Exception
    {
        CrashHarness.RunLog log = null;
        for (int scale = 1; scale <= 4; scale *= 2)
        {
            final Path attempt = Files.createDirectories(dir.resolve("x" + scale));
            final CrashHarness harness = new CrashHarness(attempt).workers(2);
            final Path trades = harness.writeTrades(TRADES * scale, 17);
            final Path output = attempt.resolve("vwap.json");
            final Path config = harness.writeConfig("exactly_once", trades, output);
            log = harness.crashLoop(config, new Random(SEED), KILLS, false, harness.baseline("exactly_once", trades));
            assertEquals(RunCommandTest.aggregates(trades), RunCommandTest.applyChanges(output), log.toString());
            if (log.restores() > 0)
            {
                break;
            }
            System.out.println("CrashHarness no restart from a checkpoint at " + scale + "x input: " + log);
        }
        assertTrue(log.kills > 0 && log.restores() > 0, "killed, and restarted from a checkpoint: " + log);
    }

    @Test
    void storageOfTwoWorkersDoesNotStartWithOne() throws Exception
    {
        final CrashHarness two = new CrashHarness(dir).workers(2);
        final Path trades = two.writeTrades(20_000, 17);
        final Path output = dir.resolve("vwap.json");
        final Path config = two.writeConfig("exactly_once", trades, output);
        final Process first = CrashHarness.start(config, dir.resolve("first.log"));
        assertTrue(first.waitFor(180, TimeUnit.SECONDS), "first run finished");
        assertEquals(0, first.exitValue(), Files.readString(dir.resolve("first.log")));
        assertEquals(RunCommandTest.aggregates(trades), RunCommandTest.applyChanges(output));

        final Path oneConfig = new CrashHarness(dir).writeConfig("exactly_once", trades, output);
        final Process second = CrashHarness.start(oneConfig, dir.resolve("second.log"));
        assertTrue(second.waitFor(180, TimeUnit.SECONDS), "second run finished");
        final String text = Files.readString(dir.resolve("second.log"));
        assertNotEquals(0, second.exitValue(), text);
        assertTrue(text.contains("stored $.workers = 2") && text.contains("($.workers = 1)") &&
            text.contains("set \"workers\": 2"), text);
    }
}
