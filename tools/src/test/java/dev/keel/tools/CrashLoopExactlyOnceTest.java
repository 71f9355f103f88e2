package dev.keel.tools;

import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Random;

import static dev.keel.tools.CrashHarness.KILLS;
import static dev.keel.tools.CrashHarness.SEED;
import static dev.keel.tools.CrashHarness.TRADES;
import static org.junit.jupiter.api.Assertions.*;

/**
 * exactly_once under SIGKILL at seeded random moments ({@link CrashHarness}): the output applied in order never
 * deletes a row that is not there and ends with exactly one row per symbol, equal to the aggregates of the input
 * (which the uninterrupted run also computes): nothing lost, nothing repeated.
 */
@Tag("crash")
class CrashLoopExactlyOnceTest
{
    @TempDir
    Path dir;

    @Test
    void exactlyOnceSurvivesSigkillAtAnyMoment() throws Exception
    {
        // a machine fast enough to finish before the first periodic checkpoint gets twice the input, up to 4x
        CrashHarness.RunLog log = null;
        for (int scale = 1; scale <= 4; scale *= 2)
        {
            final Path attempt = Files.createDirectories(dir.resolve("x" + scale));
            final CrashHarness harness = new CrashHarness(attempt);
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
}
