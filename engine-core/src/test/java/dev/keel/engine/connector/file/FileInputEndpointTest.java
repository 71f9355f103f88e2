package dev.keel.engine.connector.file;

import dev.keel.engine.KeelException;
import dev.keel.engine.config.OnErrorPolicy;
import dev.keel.engine.connector.format.FormatSettings;
import dev.keel.engine.connector.format.Format;
import dev.keel.engine.data.Column;
import dev.keel.engine.data.ColumnType;
import dev.keel.engine.data.Schema;
import dev.keel.engine.data.ZSetBatch;
import org.agrona.concurrent.AgentRunner;
import org.agrona.concurrent.CachedNanoClock;
import org.agrona.concurrent.SleepingMillisIdleStrategy;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;

import static dev.keel.engine.connector.file.ConnectorTestSupport.*;
import static org.junit.jupiter.api.Assertions.*;

class FileInputEndpointTest
{
    @TempDir
    Path dir;

    private final CachedNanoClock clock = new CachedNanoClock();

    private Path write(final String name, final String content) throws Exception
    {
        final Path file = dir.resolve(name);
        Files.write(file, content.getBytes(StandardCharsets.UTF_8));
        return file;
    }

    private FileInputEndpoint endpoint(final Path file, final Consumer<FileInputSettings.Builder> configure)
    {
        return endpoint(TRADES, file, configure);
    }

    private FileInputEndpoint endpoint(
        final Schema schema, final Path file, final Consumer<FileInputSettings.Builder> configure)
    {
        final FileInputSettings.Builder builder = FileInputSettings.builder().path(file);
        configure.accept(builder);
        return FileInputEndpoint.create("trades", schema, builder.build(), clock);
    }

    private static final String L1 = trade(1, "AAPL", 100, 5, 1000);
    private static final String L2 = trade(2, "MSFT", -200, 7, 2000);
    private static final String L3 = "{\"delete\":{\"id\":1,\"symbol\":\"AAPL\",\"price\":100,\"qty\":5,\"ts\":1000}}\n";
    private static final String R1 = "(1, 'AAPL', 100, 5, 1000) x1";
    private static final String R2 = "(2, 'MSFT', -200, 7, 2000) x1";
    private static final String R3 = "(1, 'AAPL', 100, 5, 1000) x-1";

    @Test
    void readsJsonLinesWithAPositionAfterEveryRecordAndALastLineWithoutNewline() throws Exception
    {
        final String last = trade(3, "Z", 1, 1, 1).trim();
        final Path file = write("t.json", L1 + "\n" + L2 + L3 + last);
        try (FileInputEndpoint input = endpoint(file, b -> { }))
        {
            input.open(0);
            assertTrue(input.replayable());
            final ZSetBatch batch = new ZSetBatch(TRADES);
            final long[] expectedPositions = {
                utf8Length(L1), utf8Length(L1) + 1 + utf8Length(L2), utf8Length(L1) + 1 + utf8Length(L2 + L3),
                Files.size(file) };
            final List<String> rows = new ArrayList<>();
            for (final long expected : expectedPositions)
            {
                batch.clear();
                for (int i = 0; i < 100 && batch.size() == 0; i++)
                {
                    input.agent().doWork();
                    input.poll(batch, 1, Long.MAX_VALUE);
                }
                assertEquals(1, batch.size());
                assertEquals(expected, input.position());
                rows.addAll(rows(batch));
            }
            assertEquals(List.of(R1, R2, R3, "(3, 'Z', 1, 1, 1) x1"), rows);
            input.agent().doWork();
            assertFalse(input.endOfInput());
            assertEquals(0, input.poll(batch, 10, Long.MAX_VALUE));
            assertTrue(input.endOfInput());
            assertEquals(Files.size(file), input.position());
            assertEquals(0, input.skippedRecords());
        }
    }

    @Test
    void resumesFromAByteOffsetAndReadsExactlyTheRemainingRecords() throws Exception
    {
        final Path file = write("t.json", L1 + L2 + L3);
        try (FileInputEndpoint input = endpoint(file, b -> { }))
        {
            input.open(utf8Length(L1));
            assertEquals(List.of(R2, R3), drain(input, 10, 10, Long.MAX_VALUE));
            assertTrue(input.endOfInput());
        }
        try (FileInputEndpoint input = endpoint(file, b -> { }))
        {
            input.open(Files.size(file));
            assertEquals(List.of(), drain(input, 10, 10, Long.MAX_VALUE));
            assertTrue(input.endOfInput());
            assertEquals(Files.size(file), input.position());
        }
    }

    @Test
    void pollStopsExactlyAtTheStopPosition() throws Exception
    {
        final Path file = write("t.json", L1 + L2 + L3);
        final long stop = utf8Length(L1 + L2);
        try (FileInputEndpoint input = endpoint(file, b -> { }))
        {
            input.open(0);
            assertEquals(List.of(R1, R2), drain(input, 10, 10, stop));
            assertEquals(stop, input.position());
            input.agent().doWork();
            assertEquals(0, input.poll(new ZSetBatch(TRADES), 10, stop));
            assertEquals(List.of(R3), drain(input, 10, 10, Long.MAX_VALUE));
        }
    }

    @Test
    void stopPositionInsideARecordIsAMismatch() throws Exception
    {
        final Path file = write("t.json", L1 + L2 + L3);
        try (FileInputEndpoint input = endpoint(file, b -> { }))
        {
            input.open(0);
            final long stop = utf8Length(L1) + 5;
            assertEquals(List.of(R1), drain(input, 1, 10, stop));
            final KeelException e = assertThrows(KeelException.class, () -> drain(input, 10, 10, stop));
            assertEquals("CONNECTOR_POSITION_MISMATCH", e.code());
            assertTrue(e.getMessage().contains("stop at position " + stop + " but the next record ends at " +
                utf8Length(L1 + L2)), e.getMessage());
        }
    }

    @Test
    void failPolicyDeliversEarlierRecordsThenFailsNamingLineOffsetAndColumn() throws Exception
    {
        final String bad = "{\"insert\":{\"id\":3,\"symbol\":\"X\",\"price\":\"abc\",\"qty\":1,\"ts\":1}}\n";
        final Path file = write("t.json", L1 + L2 + bad + L3);
        try (FileInputEndpoint input = endpoint(file, b -> b.onError(OnErrorPolicy.FAIL)))
        {
            input.open(0);
            final ZSetBatch batch = new ZSetBatch(TRADES);
            for (int i = 0; i < 10; i++)
            {
                input.agent().doWork();
            }
            assertEquals(2, input.poll(batch, 100, Long.MAX_VALUE), "records before the bad one come first");
            assertEquals(List.of(R1, R2), rows(batch));
            final KeelException e = assertThrows(KeelException.class, () -> input.poll(batch, 100, Long.MAX_VALUE));
            assertEquals(KeelException.Category.CONNECTOR, e.category());
            assertEquals("CONNECTOR_PARSE_ERROR", e.code());
            assertEquals("[CONNECTOR_PARSE_ERROR] endpoint 'trades': " + file + " line 3 (offset " +
                utf8Length(L1 + L2) + "): column 'price' expects an integer, got \"abc\"", e.getMessage());
            assertSame(e, assertThrows(KeelException.class, () -> input.poll(batch, 100, Long.MAX_VALUE)),
                "the error is kept");
            assertEquals(utf8Length(L1 + L2), input.position());
            assertFalse(input.endOfInput());
        }
    }

    @Test
    void skipPolicyCountsAndSkipsBadLines() throws Exception
    {
        final Path file = write("t.json", L1 + "not json\n" + L2 + "{\"insert\":{\"id\":1}}\n" + L3);
        try (FileInputEndpoint input = endpoint(file, b -> b.onError(OnErrorPolicy.SKIP)))
        {
            input.open(0);
            assertEquals(List.of(R1, R2, R3), drain(input, 10, 10, Long.MAX_VALUE));
            assertEquals(2, input.skippedRecords());
            assertTrue(input.endOfInput());
        }
    }

    @Test
    void lineNumbersStayAbsoluteAfterAResume() throws Exception
    {
        final Path file = write("t.json", L1 + "\n" + L2 + "{\"insert\":{\"id\":x}}\n");
        try (FileInputEndpoint input = endpoint(file, b -> { }))
        {
            input.open(utf8Length(L1) + 1);
            final KeelException e = assertThrows(KeelException.class, () -> drain(input, 10, 10, Long.MAX_VALUE));
            assertTrue(e.getMessage().contains(" line 4 (offset " + utf8Length(L1 + "\n" + L2) +
                "): column 'id' expects an integer, got x"), e.getMessage());
        }
    }

    @Test
    void csvWithHeaderQuotedNewlinesAndCrLf() throws Exception
    {
        final Schema schema = Schema.of(Column.of("id", ColumnType.INT64), Column.nullable("text", ColumnType.STRING),
            Column.nullable("n", ColumnType.INT64));
        final Path file = write("t.csv", "text,id,n\r\n\"a,\"\"b\"\"\nc\",1,\r\n,2,5\r\nz,bad,1\r\n\"q\",3,\r\n");
        try (FileInputEndpoint input = endpoint(schema, file, b -> b.format(
            FormatSettings.fromOptions(Format.CSV, Map.of("header", "true"))).onError(OnErrorPolicy.SKIP)))
        {
            input.open(0);
            assertEquals(List.of("(1, 'a,\"b\"\nc', NULL) x1", "(2, NULL, 5) x1", "(3, 'q', NULL) x1"),
                drain(input, 10, 10, Long.MAX_VALUE));
            assertEquals(1, input.skippedRecords());
        }
        try (FileInputEndpoint input = endpoint(schema, file, b -> b.format(
            FormatSettings.fromOptions(Format.CSV, Map.of("header", "true")))))
        {
            final long afterFirst = utf8Length("text,id,n\r\n\"a,\"\"b\"\"\nc\",1,\r\n");
            input.open(afterFirst);
            final List<String> rows = new ArrayList<>();
            final KeelException e = assertThrows(KeelException.class, () -> rows.addAll(drain(input, 10, 10, Long.MAX_VALUE)));
            assertEquals("[CONNECTOR_PARSE_ERROR] endpoint 'trades': " + file + " line 5 (offset " +
                utf8Length("text,id,n\r\n\"a,\"\"b\"\"\nc\",1,\r\n,2,5\r\n") +
                "): column 'id' expects an integer, got \"bad\" (not an integer)", e.getMessage());
        }
    }

    @Test
    void badCsvHeaderFailsEvenWhenSkipping() throws Exception
    {
        final Path file = write("t.csv", "id,price\n1,2\n");
        try (FileInputEndpoint input = endpoint(Schema.of(Column.of("id", ColumnType.INT64)), file,
            b -> b.format(FormatSettings.builder(Format.CSV).csvHeader(true).build()).onError(OnErrorPolicy.SKIP)))
        {
            input.open(0);
            final KeelException e = assertThrows(KeelException.class, () -> drain(input, 10, 10, Long.MAX_VALUE));
            assertTrue(e.getMessage().endsWith("line 1 (offset 0): header: header names unknown column 'price'"),
                e.getMessage());
        }
    }

    @Test
    void recordsLongerThanTheReadBufferAndTheLimit() throws Exception
    {
        final String longSymbol = "S".repeat(300);
        final Path file = write("t.json", L1 + trade(2, longSymbol, 1, 1, 1) + L3);
        try (FileInputEndpoint input = endpoint(file, b -> b.readBufferBytes(64).maxRecordBytes(1024)))
        {
            input.open(0);
            assertEquals(List.of(R1, "(2, '" + longSymbol + "', 1, 1, 1) x1", R3), drain(input, 10, 10, Long.MAX_VALUE));
        }
        try (FileInputEndpoint input = endpoint(file, b -> b.readBufferBytes(64).maxRecordBytes(128)))
        {
            input.open(0);
            final KeelException e = assertThrows(KeelException.class, () -> drain(input, 10, 10, Long.MAX_VALUE));
            assertTrue(e.getMessage().endsWith(" line 2 (offset " + utf8Length(L1) +
                "): record is longer than max_record_bytes (128)"), e.getMessage());
        }
    }

    @Test
    void followModeWaitsForCompleteLinesAndPicksUpAppends() throws Exception
    {
        final Path file = write("t.json", L1 + L2.substring(0, 10));
        try (FileInputEndpoint input = endpoint(file, b -> b.follow(true).followPollIntervalMs(50)))
        {
            input.open(0);
            assertEquals(List.of(R1), drain(input, 1, 10, Long.MAX_VALUE));
            for (int i = 0; i < 5; i++)
            {
                clock.advance(TimeUnit.MILLISECONDS.toNanos(100));
                input.agent().doWork();
            }
            assertEquals(0, input.poll(new ZSetBatch(TRADES), 10, Long.MAX_VALUE), "the partial line waits");
            assertEquals(utf8Length(L1), input.position());
            assertFalse(input.endOfInput());

            Files.write(file, (L2.substring(10) + L3).getBytes(StandardCharsets.UTF_8), StandardOpenOption.APPEND);
            input.agent().doWork();
            assertEquals(0, input.poll(new ZSetBatch(TRADES), 10, Long.MAX_VALUE), "not before the poll interval");
            clock.advance(TimeUnit.MILLISECONDS.toNanos(50));
            assertEquals(List.of(R2, R3), drain(input, 2, 10, Long.MAX_VALUE));
            assertEquals(utf8Length(L1 + L2 + L3), input.position());
            assertFalse(input.endOfInput());
        }
    }

    @Test
    void followModeOnItsOwnThreadSeesAppendedLines() throws Exception
    {
        final Path file = write("t.json", L1);
        final FileInputEndpoint input = FileInputEndpoint.create("trades", TRADES,
            FileInputSettings.builder().path(file).follow(true).followPollIntervalMs(5).build());
        input.open(0);
        final AgentRunner runner = new AgentRunner(new SleepingMillisIdleStrategy(1), Throwable::printStackTrace,
            null, input.agent());
        AgentRunner.startOnThread(runner);
        try
        {
            final ZSetBatch batch = new ZSetBatch(TRADES);
            final List<String> rows = new ArrayList<>();
            final long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
            boolean appended = false;
            while (rows.size() < 3 && System.nanoTime() < deadline)
            {
                batch.clear();
                input.poll(batch, 10, Long.MAX_VALUE);
                rows.addAll(rows(batch));
                if (rows.size() == 1 && !appended)
                {
                    Files.write(file, (L2 + L3).getBytes(StandardCharsets.UTF_8), StandardOpenOption.APPEND);
                    appended = true;
                }
                Thread.sleep(1);
            }
            assertEquals(List.of(R1, R2, R3), rows);
            assertFalse(input.endOfInput());
        }
        finally
        {
            runner.close();
            input.close();
        }
    }

    @Test
    void followedFileThatShrinksIsAnError() throws Exception
    {
        final Path file = write("t.json", L1 + L2);
        try (FileInputEndpoint input = endpoint(file, b -> b.follow(true)))
        {
            input.open(0);
            assertEquals(List.of(R1, R2), drain(input, 2, 10, Long.MAX_VALUE));
            Files.write(file, L1.getBytes(StandardCharsets.UTF_8), StandardOpenOption.TRUNCATE_EXISTING);
            clock.advance(TimeUnit.SECONDS.toNanos(1));
            final KeelException e = assertThrows(KeelException.class, () -> drain(input, 1, 10, Long.MAX_VALUE));
            assertEquals("CONNECTOR_FILE_SHRUNK", e.code());
        }
    }

    @Test
    void openFailsForAMissingFileOrAPositionPastTheEnd() throws Exception
    {
        final Path file = write("t.json", L1);
        try (FileInputEndpoint input = endpoint(file, b -> { }))
        {
            final KeelException e = assertThrows(KeelException.class, () -> input.open(1000));
            assertEquals("[CONNECTOR_FILE_TOO_SHORT] endpoint 'trades': " + file + ": file is " + utf8Length(L1) +
                " bytes, shorter than the resume position 1000; it was truncated or replaced since the position " +
                "was recorded", e.getMessage());
        }
        try (FileInputEndpoint input = endpoint(dir.resolve("missing.json"), b -> { }))
        {
            assertEquals("CONNECTOR_FILE_NOT_FOUND", assertThrows(KeelException.class, () -> input.open(0)).code());
        }
    }

    @Test
    void fullQueueHoldsTheRecordBackWithoutLosingOrReordering() throws Exception
    {
        final StringBuilder content = new StringBuilder();
        final int count = 60_000;
        for (int i = 0; i < count; i++)
        {
            content.append(trade(i, "SYM" + (i % 100), i * 3L, i % 7, 1_700_000_000_000_000L + i));
        }
        final Path file = write("t.json", content.toString());
        try (FileInputEndpoint input = endpoint(file, b -> b.maxQueuedRecords(1)))
        {
            input.open(0);
            for (int i = 0; i < 200; i++)
            {
                input.agent().doWork();
            }
            final ZSetBatch batch = new ZSetBatch(TRADES);
            long expectedId = 0;
            for (int step = 0; step < 100_000 && !input.endOfInput(); step++)
            {
                batch.clear();
                input.poll(batch, 997, Long.MAX_VALUE);
                final ZSetBatch.Cursor cursor = batch.cursor();
                while (cursor.next())
                {
                    assertEquals(expectedId++, cursor.row().getLong(0));
                }
                input.agent().doWork();
            }
            assertEquals(count, expectedId);
            assertTrue(input.endOfInput());
            assertEquals(Files.size(file), input.position());
        }
    }
}
