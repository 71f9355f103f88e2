package dev.keel.tools;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A real {@code keel run} process whose input endpoint fails on a malformed record is SIGKILLed once the error is in
 * its error log; {@code keel errors} then reads the error back from the dead node's file, and a restart keeps that
 * log next to its own.
 */
class NodeErrorLogCrashTest
{
    @TempDir
    Path dir;

    @Test
    void anErrorRecordedBeforeSigkillIsReadBackAndKeptByTheNextRun() throws Exception
    {
        final StringBuilder trades = new StringBuilder();
        for (int i = 1; i <= 100; i++)
        {
            trades.append("{\"id\":").append(i).append(",\"symbol\":\"AAPL\",\"price\":").append(100 + i)
                .append(",\"qty\":1,\"ts\":").append(1_000_000L * i).append("}\n");
        }
        trades.append("{\"id\": not-json}\n");
        final Path input = Files.writeString(dir.resolve("trades.json"), trades);
        final Path storage = dir.resolve("storage");
        final CrashHarness harness = new CrashHarness(dir);
        final Path config = harness.writeConfig("exactly_once", input, dir.resolve("out.json"), storage);

        // without --exit-at-eoi a failed pipeline keeps the process up until it is stopped: here, killed
        final Process child = start(config, dir.resolve("run-0.log"), false);
        try
        {
            final long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
            // the storage directory and the log appear while the node starts: poll without insisting on success
            while (!cli(storage).contains("line 101"))
            {
                assertTrue(child.isAlive(), () -> "the node exited: " + read(dir.resolve("run-0.log")));
                assertTrue(System.nanoTime() < deadline, () -> "no error recorded: " + errors(storage));
                Thread.sleep(20);
            }
            assertTrue(child.isAlive(), "still running when killed");
        }
        finally
        {
            child.destroyForcibly();
            assertTrue(child.waitFor(10, TimeUnit.SECONDS));
        }
        assertEquals(137, child.exitValue(), "SIGKILL");
        assertTrue(Files.exists(storage.resolve(KeelNode.RUNNING_MARKER)), "the node did not stop cleanly");

        final String afterKill = errors(storage);
        assertTrue(afterKill.contains("KeelException: [CONNECTOR_PARSE_ERROR] endpoint 'trades': " + input + " line 101"), afterKill);
        assertTrue(afterKill.contains("1 observation, first "), afterKill);
        assertTrue(afterKill.contains("1 distinct error"), afterKill);
        assertEquals(1, count(afterKill, "== "), afterKill);

        // the restart fails on the same record; the dead node's log is kept beside the new one
        final Process second = start(config, dir.resolve("run-1.log"), true);
        assertTrue(second.waitFor(60, TimeUnit.SECONDS), "the second run ended");
        assertEquals(1, second.exitValue(), read(dir.resolve("run-1.log")));
        final String both = errors(storage);
        assertEquals(2, count(both, "== "), both);
        assertEquals(2, count(both, " line 101 "), both);
        final int previous = both.indexOf("== " + storage.resolve(NodeErrorLog.PREVIOUS_PREFIX));
        final int current = both.indexOf("== " + storage.resolve(NodeErrorLog.FILE_NAME));
        assertTrue(previous >= 0 && current > previous, "the earlier log first: " + both);
        assertFalse(both.contains("0 distinct errors"), both);
    }

    private static Process start(final Path config, final Path log, final boolean exitAtEoi) throws Exception
    {
        final List<String> command = new ArrayList<>();
        command.addAll(CrashHarness.keelCommand("-Xmx256m"));
        command.add("run");
        command.add("--config");
        command.add(config.toString());
        if (exitAtEoi)
        {
            command.add("--exit-at-eoi");
        }
        return new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(log.toFile()).start();
    }

    /** Runs {@code keel errors --storage} in this JVM, checks that it succeeded and returns what it printed. */
    private static String errors(final Path storage)
    {
        final String text = cli(storage);
        assertTrue(text.startsWith("0\n"), text);
        return text.substring(2);
    }

    /** @return the exit code of {@code keel errors --storage}, a newline, then what it printed. */
    private static String cli(final Path storage)
    {
        final PrintStream saved = System.out;
        final ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        final int code;
        synchronized (System.class)
        {
            System.setOut(new PrintStream(bytes, true, StandardCharsets.UTF_8));
            try
            {
                code = KeelCli.execute("errors", "--storage", storage.toString());
            }
            finally
            {
                System.setOut(saved);
            }
        }
        return code + "\n" + bytes.toString(StandardCharsets.UTF_8);
    }

    private static int count(final String text, final String part)
    {
        int count = 0;
        for (int i = text.indexOf(part); i >= 0; i = text.indexOf(part, i + 1))
        {
            count++;
        }
        return count;
    }

    private static String read(final Path file)
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
