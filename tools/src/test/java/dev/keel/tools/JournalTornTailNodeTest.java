package dev.keel.tools;

import com.fasterxml.jackson.databind.ObjectMapper;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;
import java.util.logging.Handler;
import java.util.logging.LogRecord;
import java.util.logging.Logger;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.*;

/**
 * A node killed with SIGKILL whose journal then loses the second half of its last record (a torn write): the
 * next start repairs the tail (and logs it), replays what is left and finishes with exactly the right output.
 */
class JournalTornTailNodeTest
{
    private static final ObjectMapper JSON = new ObjectMapper();

    @TempDir
    Path dir;

    @Test
    void tornJournalTailAfterSigkillIsRepairedAndTheRunCompletesExactly() throws Exception
    {
        final CrashHarness harness = new CrashHarness(dir);
        final Path trades = harness.writeTrades(100_000, 3);
        final Path output = dir.resolve("vwap.json");
        final Path storage = dir.resolve("storage");
        final Path config = dir.resolve("pipeline.json");
        // no periodic checkpoint: the journal alone holds the run, as a crash before the first checkpoint leaves it
        Files.writeString(config, Files.readString(harness.writeConfig("exactly_once", trades, output, storage))
            .replace("\"checkpoint_interval_secs\": 1", "\"checkpoint_interval_secs\": null"));

        final Process process = CrashHarness.start(config, dir.resolve("killed.log"));
        CrashHarness.awaitOutput(output, process);
        Thread.sleep(300);
        assertTrue(process.isAlive(), "killed while running");
        process.destroyForcibly().waitFor();

        final long lastStart = lastRecordStart(storage);
        final Path segment = segmentHolding(storage.resolve("journal").resolve("archive"), lastStart);
        final long base = Long.parseLong(segment.getFileName().toString().replaceAll("^.*-(\\d+)\\.rec$", "$1"));
        try (FileChannel channel = FileChannel.open(segment, StandardOpenOption.WRITE))
        {
            channel.truncate(lastStart - base + 32 + 13); // 13 bytes into the last record's payload
        }

        final List<String> warnings = new ArrayList<>();
        final Handler capture = new Handler()
        {
            public void publish(final LogRecord record)
            {
                synchronized (warnings)
                {
                    warnings.add(String.valueOf(record.getMessage()));
                }
            }

            public void flush()
            {
            }

            public void close()
            {
            }
        };
        Logger.getLogger("").addHandler(capture);
        try
        {
            assertEquals(0, KeelCli.execute("run", "--config", config.toString(), "--exit-at-eoi"));
        }
        finally
        {
            Logger.getLogger("").removeHandler(capture);
        }
        synchronized (warnings)
        {
            assertTrue(warnings.stream().anyMatch(w -> w.contains("journal tail repaired")), warnings.toString());
        }
        assertEquals(RunCommandTest.aggregates(trades), RunCommandTest.applyChanges(output));
    }

    private static long lastRecordStart(final Path storage)
    {
        final ByteArrayOutputStream dump = new ByteArrayOutputStream();
        final PrintStream saved = System.out;
        System.setOut(new PrintStream(dump, true, StandardCharsets.UTF_8));
        try
        {
            assertEquals(0, KeelCli.execute("journal", "dump", "--storage", storage.toString()));
        }
        finally
        {
            System.setOut(saved);
        }
        long last = -1;
        int records = 0;
        for (final String line : dump.toString(StandardCharsets.UTF_8).split("\n"))
        {
            if (line.startsWith("position="))
            {
                last = Long.parseLong(line.substring("position=".length(), line.indexOf(' ')));
                records++;
            }
        }
        assertTrue(records > 10, "the killed run journaled steps: " + records);
        return last;
    }

    private static Path segmentHolding(final Path archive, final long position) throws Exception
    {
        Path best = null;
        long bestBase = -1;
        try (Stream<Path> files = Files.list(archive))
        {
            for (final Path file : (Iterable<Path>)files::iterator)
            {
                final String name = file.getFileName().toString();
                if (name.endsWith(".rec"))
                {
                    final long base = Long.parseLong(name.replaceAll("^.*-(\\d+)\\.rec$", "$1"));
                    if (base <= position && base > bestBase)
                    {
                        best = file;
                        bestBase = base;
                    }
                }
            }
        }
        assertNotNull(best, "a segment file in " + archive);
        return best;
    }
}
