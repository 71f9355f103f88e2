package dev.keel.tools;

import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Random;
import java.util.concurrent.TimeUnit;

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
        final CrashHarness harness = new CrashHarness(dir);
        final Path trades = harness.writeTrades(TRADES, 17);
        final Path output = dir.resolve("vwap.json");
        final Path config = harness.writeConfig("exactly_once", trades, output);
        final CrashHarness.RunLog log = harness.crashLoop(
            config, new Random(SEED), KILLS, false, harness.baseline("exactly_once", trades));

        assertEquals(RunCommandTest.aggregates(trades), RunCommandTest.applyChanges(output), log.toString());
        assertTrue(log.kills > 0 && log.restores() > 0, "killed, and restarted from a checkpoint: " + log);
    }
}
