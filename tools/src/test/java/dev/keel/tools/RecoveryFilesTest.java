package dev.keel.tools;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.keel.checkpoint.FileCheckpointStore;
import dev.keel.engine.spi.CheckpointInfo;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.UUID;
import java.util.logging.Handler;
import java.util.logging.LogRecord;
import java.util.logging.Logger;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.*;

/**
 * Torn and corrupt files in a node's storage, made by hand between runs of {@code keel run} (exactly_once): what
 * recovery repairs, what it falls back from, and what it refuses.
 */
class RecoveryFilesTest
{
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String[] SYMBOLS = { "AAPL", "MSFT", "GOOG", "JPM", "TSLA" };

    @TempDir
    Path dir;

    private final List<String> warnings = new ArrayList<>();
    private final Handler capture = new Handler()
    {
        public void publish(final LogRecord record)
        {
            if (record.getLevel().intValue() >= java.util.logging.Level.WARNING.intValue())
            {
                synchronized (warnings)
                {
                    warnings.add(new java.util.logging.SimpleFormatter().formatMessage(record));
                }
            }
        }

        public void flush()
        {
        }

        public void close()
        {
        }
    };
    private Path trades;
    private Path output;
    private Path config;
    private int tradeCount;
    private final Random random = new Random(5);

    @BeforeEach
    void setUp() throws IOException
    {
        Logger.getLogger("").addHandler(capture);
        trades = dir.resolve("trades.json");
        output = dir.resolve("vwap.json");
        Files.writeString(trades, "");
        config = dir.resolve("pipeline.json");
        Files.writeString(config, "{\n" +
            "  \"program\": \"trades-vwap\",\n" +
            "  \"storage_config\": {\"path\": " + JSON.writeValueAsString(storage().toString()) + "},\n" +
            "  \"fault_tolerance\": {\"model\": \"exactly_once\", \"retained_checkpoints\": 2},\n" +
            "  \"threading_mode\": \"shared\",\n" +
            "  \"inputs\": {\"trades\": {\"stream\": \"trades\", \"max_batch_size\": 50,\n" +
            "    \"transport\": {\"name\": \"file_input\", \"config\": {\"path\": " +
            JSON.writeValueAsString(trades.toString()) + "}},\n" +
            "    \"format\": {\"name\": \"json\", \"config\": {\"update_format\": \"raw\"}}}},\n" +
            "  \"outputs\": {\"vwap\": {\"stream\": \"vwap\",\n" +
            "    \"transport\": {\"name\": \"file_output\", \"config\": {\"path\": " +
            JSON.writeValueAsString(output.toString()) + "}},\n" +
            "    \"format\": {\"name\": \"json\"}}}\n" +
            "}\n");
    }

    @AfterEach
    void tearDown()
    {
        Logger.getLogger("").removeHandler(capture);
    }

    @Test
    void halfWrittenCheckpointDirectoryIsRemoved() throws IOException
    {
        appendTrades(2_000);
        assertEquals(0, run());
        final Path half = checkpoints().resolve(UUID.randomUUID().toString());
        Files.createDirectories(half);
        Files.write(half.resolve("pages-0"), new byte[5_000]);

        appendTrades(1_000);
        assertEquals(0, run());
        assertFalse(Files.exists(half), "a checkpoint directory no catalog entry names is removed");
        assertEquals(RunCommandTest.aggregates(trades), RunCommandTest.applyChanges(output));
    }

    @Test
    void flippedBitInTheNewestCheckpointFallsBackToThePreviousOne() throws IOException
    {
        final CheckpointInfo newest = twoCheckpointsWithOwnPages();
        final Path pages = largestPageFile(newest.id());
        final long size = Files.size(pages);
        flipBit(pages, size - 64 * 1024 + 1_000);

        appendTrades(1_000);
        assertEquals(0, run());
        assertTrue(warned("CRC32C mismatch") && warned("falling back"), warnings.toString());
        assertEquals(RunCommandTest.aggregates(trades), RunCommandTest.applyChanges(output),
            "the journal covers the steps after the previous checkpoint: nothing lost or repeated");
    }

    @Test
    void missingManifestOfTheNewestCheckpointFallsBackToThePreviousOne() throws IOException
    {
        final CheckpointInfo newest = twoCheckpointsWithOwnPages();
        Files.delete(checkpoints().resolve(newest.id().toString()).resolve("manifest"));

        appendTrades(1_000);
        assertEquals(0, run());
        assertTrue(warned("falling back"), warnings.toString());
        assertEquals(RunCommandTest.aggregates(trades), RunCommandTest.applyChanges(output));
    }

    @Test
    void missingCatalogIsRefusedNamingTheTool() throws IOException
    {
        twoCheckpointsWithOwnPages();
        Files.delete(checkpoints().resolve("catalog"));
        final byte[] before = Files.readAllBytes(output);

        final ByteArrayOutputStream err = new ByteArrayOutputStream();
        final PrintStream saved = System.err;
        System.setErr(new PrintStream(err, true, StandardCharsets.UTF_8));
        final int rc;
        try
        {
            rc = run();
        }
        finally
        {
            System.setErr(saved);
        }
        final String text = err.toString(StandardCharsets.UTF_8);
        assertEquals(1, rc, text);
        assertTrue(text.contains("keel checkpoint verify"), text);
        assertArrayEquals(before, Files.readAllBytes(output), "nothing was touched");
        try (Stream<Path> entries = Files.list(checkpoints()))
        {
            assertTrue(entries.count() >= 3, "no checkpoint was deleted");
        }
        assertEquals(1, KeelCli.execute("checkpoint", "verify", "--storage", storage().toString()));
    }

    @Test
    void checkpointToolsListAndVerify() throws IOException
    {
        twoCheckpointsWithOwnPages();
        assertEquals(0, KeelCli.execute("checkpoint", "list", "--storage", storage().toString()));
        assertEquals(0, KeelCli.execute("checkpoint", "verify", "--storage", storage().toString()));
        final CheckpointInfo newest = list().get(list().size() - 1);
        flipBit(largestPageFile(newest.id()), Files.size(largestPageFile(newest.id())) - 30_000);
        assertEquals(1, KeelCli.execute("checkpoint", "verify", "--storage", storage().toString()));
    }

    /** Two runs, each on new input, so that each close checkpoint writes page files of its own. */
    private CheckpointInfo twoCheckpointsWithOwnPages() throws IOException
    {
        appendTrades(3_000);
        assertEquals(0, run());
        appendTrades(3_000);
        assertEquals(0, run());
        final List<CheckpointInfo> checkpoints = list();
        assertEquals(2, checkpoints.size(), checkpoints.toString());
        final CheckpointInfo newest = checkpoints.get(1);
        assertTrue(newest.ownBytes() > 0, "the newest checkpoint wrote pages: " + newest);
        assertEquals(RunCommandTest.aggregates(trades), RunCommandTest.applyChanges(output));
        warnings.clear();
        return newest;
    }

    private List<CheckpointInfo> list()
    {
        try (FileCheckpointStore store = new FileCheckpointStore(
            new FileCheckpointStore.Context().storageDir(storage()).retainedCheckpoints(2)))
        {
            return store.list();
        }
    }

    private Path largestPageFile(final UUID id) throws IOException
    {
        try (Stream<Path> files = Files.list(checkpoints().resolve(id.toString())))
        {
            return files.filter(f -> !f.getFileName().toString().equals("manifest"))
                .max((a, b) -> Long.compare(a.toFile().length(), b.toFile().length())).orElseThrow();
        }
    }

    private static void flipBit(final Path file, final long offset) throws IOException
    {
        try (FileChannel channel = FileChannel.open(file, StandardOpenOption.READ, StandardOpenOption.WRITE))
        {
            final ByteBuffer one = ByteBuffer.allocate(1);
            channel.read(one, offset);
            one.put(0, (byte)(one.get(0) ^ 0x10)).clear();
            channel.write(one, offset);
        }
    }

    private boolean warned(final String text)
    {
        synchronized (warnings)
        {
            return warnings.stream().anyMatch(w -> w.contains(text));
        }
    }

    private int run()
    {
        return KeelCli.execute("run", "--config", config.toString(), "--exit-at-eoi");
    }

    private Path storage()
    {
        return dir.resolve("storage");
    }

    private Path checkpoints()
    {
        return storage().resolve("checkpoints");
    }

    private void appendTrades(final int count) throws IOException
    {
        final StringBuilder sb = new StringBuilder();
        for (int i = 0; i < count; i++)
        {
            tradeCount++;
            sb.append("{\"id\":").append(tradeCount)
                .append(",\"symbol\":\"").append(SYMBOLS[random.nextInt(SYMBOLS.length)])
                .append("\",\"price\":").append(100 + random.nextInt(10_000))
                .append(",\"qty\":").append(1 + random.nextInt(100))
                .append(",\"ts\":").append(1_000_000L * tradeCount).append("}\n");
        }
        Files.writeString(trades, sb, StandardOpenOption.APPEND);
    }
}
