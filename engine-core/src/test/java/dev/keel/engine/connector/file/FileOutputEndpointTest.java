package dev.keel.engine.connector.file;

import dev.keel.engine.KeelException;
import dev.keel.engine.connector.format.FormatSettings;
import dev.keel.engine.data.Column;
import dev.keel.engine.data.ColumnType;
import dev.keel.engine.data.RowWriter;
import dev.keel.engine.data.Schema;
import dev.keel.engine.data.ZSetBatch;
import org.agrona.concurrent.CachedNanoClock;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static dev.keel.engine.connector.file.ConnectorTestSupport.*;
import static org.junit.jupiter.api.Assertions.*;

class FileOutputEndpointTest
{
    private static final Schema SCHEMA = Schema.of(
        Column.of("id", ColumnType.INT64),
        Column.nullable("name", ColumnType.STRING),
        Column.decimal("price", 2),
        Column.of("ts", ColumnType.TIMESTAMP));

    @TempDir
    Path dir;

    private final CachedNanoClock clock = new CachedNanoClock();
    private final RowWriter writer = new RowWriter(SCHEMA);

    private FileOutputEndpoint endpoint(final Path file, final FormatSettings format, final int queueBytes)
    {
        return FileOutputEndpoint.create("out", SCHEMA,
            FileOutputSettings.builder().path(file).format(format).queueCapacityBytes(queueBytes).build(), clock);
    }

    private ZSetBatch batch(final long... idsAndWeights)
    {
        final ZSetBatch batch = new ZSetBatch(SCHEMA);
        for (int i = 0; i < idsAndWeights.length; i += 2)
        {
            final long id = idsAndWeights[i];
            writer.reset().putLong(0, id).putLong(2, id * 101).putLong(3, id * 1_000_000);
            if (id % 2 == 0)
            {
                writer.putString(1, "n,\"" + id + "\"");
            }
            writer.finish();
            batch.add(writer, idsAndWeights[i + 1]);
        }
        return batch;
    }

    /** Ids 0..count-1, each with weight 1, as {@link #batch(long...)} takes them. */
    private static long[] idsWithWeightOne(final int count)
    {
        final long[] idsAndWeights = new long[2 * count];
        for (int i = 0; i < count; i++)
        {
            idsAndWeights[2 * i] = i;
            idsAndWeights[2 * i + 1] = 1;
        }
        return idsAndWeights;
    }

    private static String text(final Path file) throws Exception
    {
        return Files.readString(file, StandardCharsets.UTF_8);
    }

    @Test
    void writesJsonLinesOnePerUnitOfWeight() throws Exception
    {
        final Path file = dir.resolve("out.json");
        try (FileOutputEndpoint output = endpoint(file, FormatSettings.json(), 1 << 16))
        {
            output.open();
            assertEquals(FileOutputEndpoint.NO_TRANSACTION, output.deliveredTransactionId());
            assertEquals(0, output.deliveredPosition());
            offer(output, 1, batch(1, 1, 2, 2, 3, -1, 5, 0));
            awaitDelivered(output, 1);
            final String expected =
                "{\"insert\":{\"id\":1,\"name\":null,\"price\":1.01,\"ts\":\"1970-01-01 00:00:01\"}}\n" +
                "{\"insert\":{\"id\":2,\"name\":\"n,\\\"2\\\"\",\"price\":2.02,\"ts\":\"1970-01-01 00:00:02\"}}\n" +
                "{\"insert\":{\"id\":2,\"name\":\"n,\\\"2\\\"\",\"price\":2.02,\"ts\":\"1970-01-01 00:00:02\"}}\n" +
                "{\"delete\":{\"id\":3,\"name\":null,\"price\":3.03,\"ts\":\"1970-01-01 00:00:03\"}}\n";
            assertEquals(expected, text(file));
            assertEquals(1, output.deliveredTransactionId());
            assertEquals(utf8Length(expected), output.deliveredPosition());
        }
    }

    @Test
    void writesCsvWithATrailingWeightColumn() throws Exception
    {
        final Path file = dir.resolve("out.csv");
        try (FileOutputEndpoint output = endpoint(file, FormatSettings.csv(), 1 << 16))
        {
            output.open();
            offer(output, 7, batch(1, 1, 2, -2));
            awaitDelivered(output, 7);
            assertEquals("1,,1.01,1970-01-01 00:00:01,1\n" +
                "2,\"n,\"\"2\"\"\",2.02,1970-01-01 00:00:02,-1\n" +
                "2,\"n,\"\"2\"\"\",2.02,1970-01-01 00:00:02,-1\n", text(file));
        }
    }

    @Test
    void deliversOnlyWholeTransactionsAfterASync() throws Exception
    {
        final Path file = dir.resolve("out.json");
        try (FileOutputEndpoint output = endpoint(file, FormatSettings.json(), 1 << 16))
        {
            output.open();
            offer(output, 1, batch(1, 1));
            output.agent().doWork();
            assertEquals(FileOutputEndpoint.NO_TRANSACTION, output.deliveredTransactionId(),
                "not delivered before the sync interval");
            clock.advance(TimeUnit.MILLISECONDS.toNanos(100));
            output.agent().doWork();
            assertEquals(1, output.deliveredTransactionId());
            assertEquals(Files.size(file), output.deliveredPosition());
            final long afterFirst = Files.size(file);

            offer(output, 2, batch(2, 1, 3, 1));
            output.agent().doWork();
            clock.advance(TimeUnit.MILLISECONDS.toNanos(100));
            output.agent().doWork();
            assertEquals(2, output.deliveredTransactionId());
            assertTrue(output.deliveredPosition() > afterFirst);
            assertEquals(Files.size(file), output.deliveredPosition());
        }
    }

    @Test
    void streamsATransactionLargerThanTheQueue() throws Exception
    {
        final Path file = dir.resolve("out.json");
        final long[] rows = idsWithWeightOne(2000);
        try (FileOutputEndpoint output = endpoint(file, FormatSettings.json(), 4096))
        {
            output.open();
            final ZSetBatch big = batch(rows);
            assertFalse(output.offer(3, big), "does not fit at once");
            assertThrows(KeelException.class, () -> output.offer(4, batch(1, 1)), "another transaction meanwhile");
            offer(output, 3, big);
            awaitDelivered(output, 3);
            assertEquals(2000, text(file).lines().count());
        }
    }

    @Test
    void aPartlyTakenTransactionReofferedInAnotherBatchInstanceContinuesAfterTheRowsTaken() throws Exception
    {
        final Path file = dir.resolve("out.json");
        final long[] rows = idsWithWeightOne(2000);
        try (FileOutputEndpoint output = endpoint(file, FormatSettings.json(), 4096))
        {
            output.open();
            assertFalse(output.offer(3, batch(rows)), "does not fit at once");
            offer(output, 3, batch(rows));
            awaitDelivered(output, 3);
            final List<String> lines = text(file).lines().toList();
            assertEquals(2000, lines.size(), "no row twice, none lost");
            for (int i = 0; i < 2000; i++)
            {
                assertTrue(lines.get(i).startsWith("{\"insert\":{\"id\":" + i + ","), lines.get(i));
            }
        }
    }

    @Test
    void aPartlyTakenTransactionReofferedWithFewerRowsFailsNamingTheEndpoint() throws Exception
    {
        final Path file = dir.resolve("out.json");
        final long[] rows = idsWithWeightOne(2000);
        try (FileOutputEndpoint output = endpoint(file, FormatSettings.json(), 4096))
        {
            output.open();
            assertFalse(output.offer(3, batch(rows)));
            final KeelException e = assertThrows(KeelException.class, () -> output.offer(3, batch(1, 1)));
            assertEquals("INTERNAL_PARTIAL_OFFER", e.code());
            assertTrue(e.getMessage().contains("endpoint 'out': transaction 3 was offered again with fewer rows " +
                "than were already taken"), e.getMessage());
        }
    }

    @Test
    void aRowLargerThanTheQueueFailsNamingTheEndpointAndTheFile() throws Exception
    {
        final Path file = dir.resolve("out.json");
        try (FileOutputEndpoint output = endpoint(file, FormatSettings.json(), 4096))
        {
            output.open();
            final ZSetBatch big = new ZSetBatch(SCHEMA);
            writer.reset().putLong(0, 1).putString(1, "x".repeat(5000)).putLong(2, 0).putLong(3, 0).finish();
            big.add(writer, 1);
            final KeelException e = assertThrows(KeelException.class, () -> output.offer(1, big));
            assertEquals("CONNECTOR_RECORD_TOO_LARGE", e.code());
            assertTrue(e.getMessage().startsWith("[CONNECTOR_RECORD_TOO_LARGE] endpoint 'out': " + file +
                ": a row of "), e.getMessage());
        }
    }

    @Test
    void restoreTruncatesOutputWrittenAfterTheCheckpointAndWritesReplayedTransactionsOnce() throws Exception
    {
        final Path file = dir.resolve("out.json");
        final long checkpointPosition;
        final String full;
        try (FileOutputEndpoint output = endpoint(file, FormatSettings.json(), 1 << 16))
        {
            output.open();
            offer(output, 1, batch(1, 1));
            awaitDelivered(output, 1);
            checkpointPosition = output.deliveredPosition();
            offer(output, 2, batch(2, 1));
            offer(output, 3, batch(3, -1));
            awaitDelivered(output, 3);
            full = text(file);
        }
        try (FileOutputEndpoint output = endpoint(file, FormatSettings.json(), 1 << 16))
        {
            output.restore(checkpointPosition, 1);
            assertEquals(checkpointPosition, Files.size(file));
            assertEquals(1, output.deliveredTransactionId());
            assertEquals(checkpointPosition, output.deliveredPosition());
            offer(output, 1, batch(1, 1));
            offer(output, 2, batch(2, 1));
            offer(output, 3, batch(3, -1));
            awaitDelivered(output, 3);
            assertEquals(full, text(file));
        }
    }

    @Test
    void restoreOfAFileShorterThanTheCheckpointFails() throws Exception
    {
        final Path file = dir.resolve("out.json");
        Files.writeString(file, "{}\n");
        try (FileOutputEndpoint output = endpoint(file, FormatSettings.json(), 1 << 16))
        {
            final KeelException e = assertThrows(KeelException.class, () -> output.restore(100, 9));
            assertEquals(KeelException.Category.CONNECTOR, e.category());
            assertEquals("[CONNECTOR_OUTPUT_TOO_SHORT] endpoint 'out': " + file + ": file is 3 bytes, shorter than " +
                "the checkpoint position 100 (transaction 9): delivered output is missing, the file was truncated " +
                "or replaced", e.getMessage());
        }
        assertEquals("{}\n", text(file), "left as it was");
    }

    @Test
    void writeErrorsAreKeptAndRaisedByCheckError() throws Exception
    {
        final Path file = dir.resolve("out.json");
        final FileOutputEndpoint output = endpoint(file, FormatSettings.json(), 1 << 16);
        output.open();
        output.close();
        offer(output, 1, batch(1, 1));
        output.flush();
        output.agent().doWork();
        final KeelException e = assertThrows(KeelException.class, output::checkError);
        assertEquals("CONNECTOR_IO_ERROR", e.code());
        assertTrue(e.getMessage().startsWith("[CONNECTOR_IO_ERROR] endpoint 'out': " + file +
            ": write failed near offset 0: java.nio.channels.ClosedChannelException"), e.getMessage());
        assertSame(e, assertThrows(KeelException.class, output::checkError));
        assertEquals(FileOutputEndpoint.NO_TRANSACTION, output.deliveredTransactionId());
    }

    @Test
    void openStartsAFreshFile() throws Exception
    {
        final Path file = dir.resolve("out.json");
        Files.writeString(file, "old output\n");
        try (FileOutputEndpoint output = endpoint(file, FormatSettings.json(), 1 << 16))
        {
            output.open();
            assertEquals(0, Files.size(file));
        }
    }
}
