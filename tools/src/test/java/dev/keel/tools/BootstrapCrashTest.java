package dev.keel.tools;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Random;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.*;

/**
 * SIGKILLs of real {@code keel run} processes around the recompute step of a bootstrap (a view added to the
 * program, exactly_once, file outputs): after each kill the restart finds the old program's checkpoint or the new
 * one, and in the end every view's output equals a from-scratch run of the new program.
 */
class BootstrapCrashTest
{
    private static final long SEED = Long.getLong("keel.crash.seed", System.nanoTime());

    @TempDir
    Path dir;

    @Test
    void killsAroundTheRecomputeStepLoseAndRepeatNothing() throws Exception
    {
        final BootstrapPolicyTest runs = new BootstrapPolicyTest();
        runs.dir = dir;
        final BootstrapPolicyTest.Run before = runs.firstVersion();
        runs.appendTrades(12_000);
        final Path scratch = runs.fromScratch(new BootstrapPolicyTest.Added(), "vwap", "big", "counts");

        final Path config = dir.resolve("crash.json");
        Files.writeString(config, runs.config(before.storage(), null, "vwap", "big", "counts"));
        final Random random = new Random(SEED);
        System.out.println("BootstrapCrashTest seed " + SEED + " (rerun with -Dkeel.crash.seed=" + SEED + ")");
        final StringBuilder events = new StringBuilder();
        for (int kill = 0; kill < 3; kill++)
        {
            final Path log = dir.resolve("crash-" + kill + ".log");
            final Process process = start(config, log);
            awaitLine(log, process, kill == 0 ? "bootstrap step" : "running program");
            final long delayMs = random.nextInt(kill == 0 ? 50 : 400);
            if (process.waitFor(delayMs, TimeUnit.MILLISECONDS))
            {
                events.append("exited@").append(delayMs).append(' ');
                break;
            }
            process.destroyForcibly();
            process.waitFor();
            events.append("kill@").append(delayMs).append("ms ");
        }
        final Path log = dir.resolve("final.log");
        final Process last = start(config, log);
        assertTrue(last.waitFor(120, TimeUnit.SECONDS), "the last run did not finish");
        assertEquals(0, last.exitValue(), Files.readString(log));
        System.out.println("BootstrapCrashTest " + events);

        runs.assertSameOutput(scratch, before.storage(), "vwap", 0);
        runs.assertSameOutput(scratch, before.storage(), "big", 0);
        runs.assertSameOutput(scratch, before.storage(), "counts", 0);
    }

    private static Process start(final Path config, final Path log) throws Exception
    {
        final java.util.List<String> command = new java.util.ArrayList<>();
        command.addAll(CrashHarness.keelCommand("-Xmx512m"));
        command.add("run");
        command.add("--config");
        command.add(config.toString());
        command.add("--program");
        command.add(BootstrapPolicyTest.Added.class.getName());
        command.add("--exit-at-eoi");
        return new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(log.toFile()).start();
    }

    private static void awaitLine(final Path log, final Process process, final String text) throws Exception
    {
        final long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
        while (process.isAlive() && !(Files.exists(log) && Files.readString(log).contains(text)))
        {
            assertTrue(System.nanoTime() < deadline, "no '" + text + "' in " + log);
            Thread.sleep(5);
        }
    }
}
