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
 * fault_tolerance.model none with storage ({@link CrashHarness}): every SIGTERM stops cleanly with a checkpoint, so
 * the output applied in order equals the aggregates exactly (nothing lost or repeated); after a SIGKILL the
 * restart logs that progress since the last checkpoint is lost.
 */
@Tag("crash")
class CrashLoopNoneTest
{
    @TempDir
    Path dir;

    @Test
    void noneResumesAfterCleanStopsAndWarnsAfterSigkill() throws Exception
    {
        final CrashHarness harness = new CrashHarness(dir);
        final Path trades = harness.writeTrades(TRADES, 29);
        final Path output = dir.resolve("vwap.json");
        final Path config = harness.writeConfig("none", trades, output);
        final CrashHarness.RunLog log = harness.crashLoop(
            config, new Random(SEED + 2), KILLS, true, harness.baseline("none", trades));

        assertEquals(RunCommandTest.aggregates(trades), RunCommandTest.applyChanges(output),
            "clean stops lose and repeat nothing: " + log);
        assertTrue(log.kills > 0 && log.restores() > 0, log.toString());
        assertFalse(log.allOutput.contains("did not stop cleanly"), "clean stops only: " + log);

        // one SIGKILL: the restart must say that progress since the checkpoint is lost
        final Path output2 = dir.resolve("vwap2.json");
        final Path config2 = harness.writeConfig("none", trades, output2, dir.resolve("storage2"));
        final Process first = CrashHarness.start(config2, dir.resolve("kill.log"));
        CrashHarness.awaitOutput(output2, first);
        assertTrue(first.isAlive(), "killed while running");
        first.destroyForcibly().waitFor();
        final Process second = CrashHarness.start(config2, dir.resolve("restart.log"));
        assertTrue(second.waitFor(120, TimeUnit.SECONDS), "restart finished");
        final String restartLog = Files.readString(dir.resolve("restart.log"));
        assertEquals(0, second.exitValue(), restartLog);
        assertTrue(restartLog.contains("did not stop cleanly") && restartLog.contains("is lost"), restartLog);
        assertEquals(RunCommandTest.aggregates(trades), CrashHarness.lastInsertPerSymbol(output2));
    }
}
