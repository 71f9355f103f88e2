package dev.keel.tools;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.*;

/**
 * The harness of the crash-loop tests: kills real {@code keel run} processes at random moments and restarts them
 * on the same storage until a run reaches end of input; the tests then check the output against what an
 * uninterrupted run computes. A run that is to be killed runs without {@code --exit-at-eoi}: at end of input it idles
 * (and checkpoints) rather than exits, so every requested kill lands however fast the machine is (a quiet machine
 * used to finish a restarted run before its kill, {@code runs=1 kills=0}); only the last run exits at end of input.
 * <p>
 * {@code -Dkeel.crash.seed=N} reruns a seed (printed at the start); {@code -Dkeel.crash.kills=N} sets the kills per
 * model (default 7: 35 over the five crash tests). Output checks, per model:
 * <ul>
 * <li>exactly_once (SIGKILL): the inserts and deletes applied in order never delete a row that is not there and end
 * with exactly one row per symbol, equal to the aggregates computed from the input: nothing lost, nothing
 * repeated;</li>
 * <li>at_least_once (SIGKILL): output after the last checkpoint may repeat, so deletes may target rows already
 * deleted; the integrated view is defined as the <em>last inserted row per primary key</em> (symbol), and it must
 * equal the aggregates of the input (every input record counted exactly once in state, no output lost at the
 * end);</li>
 * <li>none with clean stops (SIGTERM): every stop checkpoints, so the output applied in order equals the
 * aggregates exactly as for exactly_once; a SIGKILL restart must log that progress since the last checkpoint is
 * lost.</li>
 * </ul>
 */
final class CrashHarness
{
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String[] SYMBOLS = { "AAPL", "MSFT", "GOOG", "JPM", "TSLA", "AMZN", "META", "NVDA" };
    static final int TRADES = Integer.getInteger("keel.crash.trades", 400_000);
    static final int KILLS = Integer.getInteger("keel.crash.kills", 7);
    static final long SEED = Long.getLong("keel.crash.seed", System.nanoTime());

    private final Path dir;
    private int workers = 1;

    CrashHarness(final Path dir)
    {
        this.dir = dir;
    }

    /** Circuit workers ({@code workers}) of the configs written from now on. */
    CrashHarness workers(final int workers)
    {
        this.workers = workers;
        return this;
    }

    static final class RunLog
    {
        int kills;
        int runs;
        final List<String> events = new ArrayList<>();
        String allOutput = "";

        /** Restarts that restored a checkpoint (rather than starting from nothing). */
        int restores()
        {
            int count = 0;
            for (int i = allOutput.indexOf(") restored ("); i >= 0; i = allOutput.indexOf(") restored (", i + 1))
            {
                count++;
            }
            return count;
        }

        public String toString()
        {
            return "seed=" + SEED + " runs=" + runs + " kills=" + kills + " restores=" + restores() + " " + events;
        }
    }

    /** Runs uninterrupted on its own storage; returns how long the process took, to spread the kills over. */
    long baseline(final String model, final Path trades) throws Exception
    {
        final Path output = dir.resolve("baseline.json");
        final Path config = writeConfig(model, trades, output, dir.resolve("baseline-storage"));
        final long startNs = System.nanoTime();
        final Process process = start(config, dir.resolve("baseline.log"));
        assertTrue(process.waitFor(180, TimeUnit.SECONDS), "baseline run finished");
        assertEquals(0, process.exitValue(), Files.readString(dir.resolve("baseline.log")));
        final long millis = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - startNs);
        assertEquals(RunCommandTest.aggregates(trades), RunCommandTest.applyChanges(output),
            "the uninterrupted run computes the aggregates");
        System.out.println("CrashHarness " + model + " uninterrupted run: " + millis + " ms");
        return millis;
    }

    RunLog crashLoop(final Path config, final Random random, final int kills, final boolean clean,
        final long runMillis) throws Exception
    {
        System.out.println("CrashHarness seed " + SEED + " (rerun with -Dkeel.crash.seed=" + SEED + "), config " +
            config.getFileName() + ", " + kills + (clean ? " SIGTERMs" : " SIGKILLs"));
        final RunLog log = new RunLog();
        final StringBuilder all = new StringBuilder();
        while (true)
        {
            final Path runLog = dir.resolve("run-" + log.runs + ".log");
            // a run to be killed has no --exit-at-eoi: however fast the machine, it is still there when its kill
            // lands (at end of input it idles, checkpointing), so every requested kill happens
            final boolean toKill = log.kills < kills;
            final Process process = start(config, runLog, !toKill);
            log.runs++;
            if (toKill)
            {
                // the first SIGKILL lands right after a periodic checkpoint committed, so that there is one to
                // recover from (a SIGTERM writes its own); the others anywhere in start, bootstrap, replay, steps,
                // checkpoints and the idle end
                final long delayMs;
                if (0 == log.kills && !clean)
                {
                    awaitLine(runLog, process, "committed at step");
                    delayMs = random.nextInt(300);
                }
                else if (0 == log.kills)
                {
                    // the first SIGTERM lands once the node runs, so that its close checkpoint is there to restore
                    // however slowly a loaded machine starts JVMs; the others land anywhere
                    awaitLine(runLog, process, "running program");
                    delayMs = random.nextInt(300);
                }
                else
                {
                    delayMs = 100 + random.nextInt((int)(runMillis * 2 / 3) + 1);
                }
                assertFalse(process.waitFor(delayMs, TimeUnit.MILLISECONDS),
                    "run " + log.runs + " without --exit-at-eoi exited by itself: " + Files.readString(runLog));
                if (clean)
                {
                    process.destroy();
                }
                else
                {
                    process.destroyForcibly();
                }
                final int code = process.waitFor();
                log.kills++;
                log.events.add((clean ? "term@" : "kill@") + delayMs + "ms=" + code);
                all.append(Files.readString(runLog));
                assertEquals(clean ? 143 : 137, code, "exit after the signal: " + Files.readString(runLog));
                continue;
            }
            assertTrue(process.waitFor(180, TimeUnit.SECONDS), "run " + log.runs + " did not finish: " + log);
            final String text = Files.readString(runLog);
            all.append(text);
            log.allOutput = all.toString();
            assertEquals(0, process.exitValue(), "run " + log.runs + " failed: " + text);
            log.events.add("done");
            System.out.println("CrashHarness " + log);
            return log;
        }
    }

    /**
     * The command line of a {@code keel} child JVM on this test's class path, up to (not including) the
     * subcommand: the tests' crash children all start this way.
     *
     * @param maxHeap the child's {@code -Xmx} option, e.g. {@code -Xmx256m}.
     * @return java, its options, the class path and the CLI's main class.
     */
    static List<String> keelCommand(final String maxHeap)
    {
        return List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
            "--add-exports", "java.base/jdk.internal.misc=ALL-UNNAMED", maxHeap,
            "-cp", System.getProperty("java.class.path"), KeelCli.class.getName());
    }

    static Process start(final Path config, final Path log) throws IOException
    {
        return start(config, log, true);
    }

    /**
     * A {@code keel run} child on {@code config}, its output in {@code log}.
     *
     * @param exitAtEoi with {@code --exit-at-eoi} (exit 0 at end of input), or running until it is stopped.
     */
    static Process start(final Path config, final Path log, final boolean exitAtEoi) throws IOException
    {
        final List<String> command = new ArrayList<>();
        command.addAll(CrashHarness.keelCommand("-Xmx512m"));
        command.add("run");
        command.add("--config");
        command.add(config.toString());
        if (exitAtEoi)
        {
            command.add("--exit-at-eoi");
        }
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

    static void awaitOutput(final Path output, final Process process) throws Exception
    {
        final long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
        while (!(Files.exists(output) && Files.size(output) > 0) && process.isAlive())
        {
            assertTrue(System.nanoTime() < deadline, "no output");
            Thread.sleep(10);
        }
        Thread.sleep(150);
    }

    /** symbol -> [trades, volume, notional, low, high] of the last inserted row per symbol. */
    static Map<String, List<Long>> lastInsertPerSymbol(final Path output) throws IOException
    {
        final Map<String, List<Long>> last = new TreeMap<>();
        for (final String line : Files.readAllLines(output))
        {
            final JsonNode change = JSON.readTree(line);
            if (change.has("insert"))
            {
                final JsonNode row = change.get("insert");
                last.put(row.get("symbol").asText(), List.of(row.get("trades").asLong(), row.get("volume").asLong(),
                    row.get("notional").asLong(), row.get("low").asLong(), row.get("high").asLong()));
            }
        }
        return last;
    }

    Path writeTrades(final int count, final long seed) throws IOException
    {
        final Random random = new Random(seed);
        final StringBuilder sb = new StringBuilder(count * 80);
        for (int i = 1; i <= count; i++)
        {
            sb.append("{\"id\":").append(i)
                .append(",\"symbol\":\"").append(SYMBOLS[random.nextInt(SYMBOLS.length)])
                .append("\",\"price\":").append(100 + random.nextInt(10_000))
                .append(",\"qty\":").append(1 + random.nextInt(100))
                .append(",\"ts\":").append(1_000_000L * i).append("}\n");
        }
        final Path trades = dir.resolve("trades.json");
        Files.writeString(trades, sb);
        return trades;
    }

    Path writeConfig(final String model, final Path trades, final Path output) throws IOException
    {
        return writeConfig(model, trades, output, dir.resolve("storage"));
    }

    Path writeConfig(final String model, final Path trades, final Path output, final Path storage)
        throws IOException
    {
        final String config = "{\n" +
            "  \"name\": \"crash\",\n" +
            "  \"program\": \"trades-vwap\",\n" +
            "  \"storage_config\": {\"path\": " + JSON.writeValueAsString(storage.toString()) + "},\n" +
            "  \"fault_tolerance\": {\"model\": \"" + model + "\", \"checkpoint_interval_secs\": 1},\n" +
            "  \"threading_mode\": \"shared\",\n" +
            (workers == 1 ? "" : "  \"workers\": " + workers + ",\n") +
            "  \"inputs\": {\"trades\": {\"stream\": \"trades\", \"max_batch_size\": 1,\n" +
            "    \"transport\": {\"name\": \"file_input\", \"config\": {\"path\": " +
            JSON.writeValueAsString(trades.toString()) + "}},\n" +
            "    \"format\": {\"name\": \"json\", \"config\": {\"update_format\": \"raw\"}}}},\n" +
            "  \"outputs\": {\"vwap\": {\"stream\": \"vwap\",\n" +
            "    \"transport\": {\"name\": \"file_output\", \"config\": {\"path\": " +
            JSON.writeValueAsString(output.toString()) + "}},\n" +
            "    \"format\": {\"name\": \"json\"}}}\n" +
            "}\n";
        final Path file = dir.resolve("pipeline-" + storage.getFileName() + ".json");
        Files.writeString(file, config);
        return file;
    }
}
