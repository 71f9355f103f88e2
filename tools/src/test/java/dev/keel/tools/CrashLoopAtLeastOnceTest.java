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
 * at_least_once under SIGKILL at seeded random moments ({@link CrashHarness}). Output after the last checkpoint may
 * repeat, so a delete may target a row an earlier run already deleted; the integrated view is therefore defined as
 * the last inserted row per primary key (symbol). It must equal the aggregates of the input: every input record is
 * counted exactly once in the state, and the final output is not lost.
 */
@Tag("crash")
class CrashLoopAtLeastOnceTest
{
    @TempDir
    Path dir;

    @Test
    void atLeastOnceLosesNothingUnderSigkill() throws Exception
    {
        // a machine fast enough to finish before the first periodic checkpoint gets twice the input, up to 4x
        CrashHarness.RunLog log = null;
        for (int scale = 1; scale <= 4; scale *= 2)
        {
            final Path attempt = Files.createDirectories(dir.resolve("x" + scale));
            final CrashHarness harness = new CrashHarness(attempt);
            final Path trades = harness.writeTrades(TRADES * 3 / 2 * scale, 23);
            final Path output = attempt.resolve("vwap.json");
            final Path config = harness.writeConfig("at_least_once", trades, output);
            log = harness.crashLoop(
                config, new Random(SEED + 1), KILLS, false, harness.baseline("at_least_once", trades));
            assertEquals(RunCommandTest.aggregates(trades), CrashHarness.lastInsertPerSymbol(output), log.toString());
            if (log.restores() > 0)
            {
                break;
            }
            System.out.println("CrashHarness no restart from a checkpoint at " + scale + "x input: " + log);
        }
        assertTrue(log.kills > 0 && log.restores() > 0, "killed, and restarted from a checkpoint: " + log);
    }
}
