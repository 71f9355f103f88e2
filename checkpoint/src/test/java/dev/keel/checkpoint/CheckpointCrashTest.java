package dev.keel.checkpoint;

import dev.keel.engine.spi.LoadedCheckpoint;
import dev.keel.engine.state.PagedArena;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.Random;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

/**
 * SIGKILLs a child JVM ({@link CrashChild}) at random moments while it checkpoints continuously, then opens the
 * store and checks that the latest checkpoint loads, verifies and restores exactly the state of its step.
 * Seeded: {@code -Dkeel.crash.seed=N} repeats a run.
 */
@Tag("slow")
class CheckpointCrashTest
{
    private static final int ROUNDS = 16;

    @TempDir
    Path storage;

    @Test
    void latestCheckpointSurvivesSigkillDuringCheckpointing() throws Exception
    {
        final long seed = Long.getLong("keel.crash.seed", System.nanoTime());
        System.out.println("CheckpointCrashTest seed=" + seed + " (rerun with -Dkeel.crash.seed=" + seed + ")");
        final Random random = new Random(seed);
        long lastStep = 0;
        final List<Long> steps = new ArrayList<>();
        for (int round = 0; round < ROUNDS; round++)
        {
            final Path output = storage.resolve("child-" + round + ".log");
            final Process child = startChild(seed, output);
            try
            {
                awaitStarted(child, output);
                Thread.sleep(random.nextInt(600));
            }
            finally
            {
                child.destroyForcibly(); // SIGKILL on Linux
                assertTrue(child.waitFor(30, TimeUnit.SECONDS), "child did not die");
            }
            assertTrue(Files.readString(output).startsWith("started at step " + lastStep),
                "child of round " + round + " restored another step than the parent saw: " + Files.readString(output));

            try (FileCheckpointStore store = new FileCheckpointStore(new FileCheckpointStore.Context()
                .storageDir(storage)))
            {
                final Optional<LoadedCheckpoint> loaded = store.loadLatest();
                final long step = loaded.map(c -> c.metadata().step()).orElse(0L);
                assertTrue(step >= lastStep, "round " + round + ": committed step went back from " + lastStep +
                    " to " + step + " (seed " + seed + ")");
                if (loaded.isPresent())
                {
                    assertTrue(loaded.get().warnings().isEmpty(), loaded.get().warnings().toString());
                    final PagedArena arena = new PagedArena(64, false);
                    final long[] addresses = CrashChild.allocate(arena);
                    store.restoreInto(loaded.get(), arena);
                    final long[] expected = CrashChild.model(seed, step);
                    for (int i = 0; i < CrashChild.RECORDS; i++)
                    {
                        assertEquals(expected[i], arena.getLong(addresses[i]),
                            "round " + round + " step " + step + " record " + i + " (seed " + seed + ")");
                        if (expected[i] != 0)
                        {
                            assertEquals(~expected[i], arena.getLong(addresses[i] + CrashChild.RECORD_LENGTH / 2));
                            assertEquals(expected[i] * 31, arena.getLong(addresses[i] + CrashChild.RECORD_LENGTH - 8));
                        }
                    }
                }
                lastStep = step;
                steps.add(step);
            }
            final ByteArrayOutputStream report = new ByteArrayOutputStream();
            final boolean ok = CheckpointTool.verify(storage, new PrintStream(report, true, StandardCharsets.UTF_8));
            assertTrue(ok, "round " + round + " (seed " + seed + "): " + report.toString(StandardCharsets.UTF_8));
            Files.delete(output);
        }
        System.out.println("CheckpointCrashTest committed steps after each kill: " + steps);
        assertTrue(lastStep > 0, "no checkpoint was ever committed in " + ROUNDS + " rounds");
    }

    private Process startChild(final long seed, final Path output) throws Exception
    {
        final String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        final ProcessBuilder builder = new ProcessBuilder(java,
            "--add-exports", "java.base/jdk.internal.misc=ALL-UNNAMED",
            "-Xmx256m", "-XX:+UseSerialGC", "-XX:TieredStopAtLevel=1",
            "-cp", System.getProperty("java.class.path"),
            CrashChild.class.getName(), storage.toString(), Long.toString(seed));
        builder.redirectErrorStream(true).redirectOutput(output.toFile());
        return builder.start();
    }

    private static void awaitStarted(final Process child, final Path output) throws Exception
    {
        final long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
        while (!Files.exists(output) || !Files.readString(output).contains("started at step"))
        {
            if (!child.isAlive())
            {
                fail("child exited with " + child.exitValue() + ": " + Files.readString(output));
            }
            if (System.nanoTime() > deadline)
            {
                fail("child did not start within 30 s: " + Files.readString(output));
            }
            Thread.sleep(5);
        }
    }
}
