package dev.keel.engine.connector.file;

import dev.keel.engine.connector.format.FormatSettings;
import dev.keel.engine.connector.format.RecordEncoder;
import dev.keel.engine.connector.format.RecordParser;
import dev.keel.engine.data.RowView;
import dev.keel.engine.data.RowWriter;
import dev.keel.engine.data.ZSetBatch;
import org.agrona.ExpandableDirectByteBuffer;
import org.agrona.concurrent.CachedNanoClock;
import org.agrona.concurrent.UnsafeBuffer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.lang.management.ManagementFactory;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;

import static dev.keel.engine.connector.file.ConnectorTestSupport.*;
import static org.junit.jupiter.api.Assertions.*;

/**
 * Steady state allocates nothing per record: parsing, encoding, the input hand-over and the output
 * writer, measured with the thread's allocation counter over many records after a warm-up (the bound
 * leaves room for a few one-off objects, far below one byte per record).
 */
class SteadyStateAllocationTest
{
    private static final int RECORDS = 50_000;
    private static final long BOUND_BYTES = 16 * 1024;

    @TempDir
    Path dir;

    private static long allocated()
    {
        return ((com.sun.management.ThreadMXBean)ManagementFactory.getThreadMXBean()).getCurrentThreadAllocatedBytes();
    }

    private static UnsafeBuffer lines(final String content)
    {
        final byte[] bytes = content.getBytes(StandardCharsets.UTF_8);
        final ByteBuffer direct = ByteBuffer.allocateDirect(bytes.length);
        direct.put(bytes);
        return new UnsafeBuffer(direct);
    }

    private static String tradesJson()
    {
        final StringBuilder sb = new StringBuilder();
        for (int i = 0; i < RECORDS; i++)
        {
            sb.append(trade(i, "S\\u00e9\\\"" + (i % 50), -i, i % 9, 1_700_000_000_000_000L + i));
        }
        return sb.toString();
    }

    private static long parseAll(final RecordParser parser, final UnsafeBuffer buffer, final RowWriter writer)
    {
        long sum = 0;
        int position = 0;
        while (position < buffer.capacity())
        {
            final int end = parser.findRecordEnd(buffer, position, buffer.capacity());
            sum += parser.parse(buffer, position, end, writer);
            position = end + 1;
        }
        return sum;
    }

    @Test
    void parsersAllocateNothingPerRecord()
    {
        final RowWriter writer = new RowWriter(TRADES);
        final UnsafeBuffer json = lines(tradesJson());
        final RecordParser jsonParser = FormatSettings.json().newParser(TRADES);
        final StringBuilder csvText = new StringBuilder();
        for (int i = 0; i < RECORDS; i++)
        {
            csvText.append(i).append(",\"a,\"\"").append(i % 7).append("\",").append(-i).append(",3,").append(i)
                .append('\n');
        }
        final UnsafeBuffer csv = lines(csvText.toString());
        final RecordParser csvParser = FormatSettings.csv().newParser(TRADES);
        for (int round = 0; round < 3; round++)
        {
            parseAll(jsonParser, json, writer);
            parseAll(csvParser, csv, writer);
        }
        final long before = allocated();
        assertEquals(RECORDS, parseAll(jsonParser, json, writer));
        assertEquals(RECORDS, parseAll(csvParser, csv, writer));
        final long bytes = allocated() - before;
        assertTrue(bytes < BOUND_BYTES, bytes + " bytes allocated for " + 2 * RECORDS + " records");
    }

    @Test
    void encodersAllocateNothingPerRecord()
    {
        final RowWriter writer = new RowWriter(RoundTripPropertyTest.SCHEMA);
        final RowView row = new RowView(RoundTripPropertyTest.SCHEMA);
        final ExpandableDirectByteBuffer out = new ExpandableDirectByteBuffer(1 << 16);
        final RecordEncoder json = FormatSettings.json().newEncoder(RoundTripPropertyTest.SCHEMA);
        final RecordEncoder csv = FormatSettings.csv().newEncoder(RoundTripPropertyTest.SCHEMA);
        long total = 0;
        for (int round = 0; round < 4; round++)
        {
            final long before = allocated();
            for (int i = 0; i < RECORDS; i++)
            {
                writer.reset().putLong(0, i).putInt(1, -i).putDouble(2, i * 0.25).putBool(3, true)
                    .putLong(4, 1_700_000_000_123_456L + i).putLong(5, -i * 12345L).putString(6, "x,\"y\"\n")
                    .putDouble(8, 1.5e-7).putLong(10, i);
                writer.finish();
                row.wrap(writer);
                total += json.encode(row, 1, out, 0);
                total += csv.encode(row, -1, out, 0);
            }
            final long bytes = allocated() - before;
            if (round == 3)
            {
                assertTrue(bytes < BOUND_BYTES, bytes + " bytes allocated for " + 2 * RECORDS + " records");
            }
        }
        assertTrue(total > 0);
    }

    @Test
    void fileInputHandOverAllocatesNothingPerRecord() throws Exception
    {
        final Path file = dir.resolve("t.json");
        Files.writeString(file, tradesJson() + tradesJson() + tradesJson());
        try (FileInputEndpoint input = FileInputEndpoint.create("trades", TRADES,
            FileInputSettings.builder().path(file).build(), new CachedNanoClock()))
        {
            final ZSetBatch batch = new ZSetBatch(TRADES, 1 << 20);
            input.open(0);
            long count = 0;
            long before = 0;
            while (!input.endOfInput())
            {
                if (count >= RECORDS && before == 0)
                {
                    before = allocated();
                }
                input.agent().doWork();
                batch.clear();
                count += input.poll(batch, 1000, Long.MAX_VALUE);
            }
            final long bytes = allocated() - before;
            assertEquals(3L * RECORDS, count);
            assertTrue(bytes < BOUND_BYTES, bytes + " bytes allocated for " + 2 * RECORDS + " records");
        }
    }

    @Test
    void fileOutputOfferAndWriterAllocateNothingPerRecord() throws Exception
    {
        final RowWriter writer = new RowWriter(TRADES);
        final ZSetBatch delta = new ZSetBatch(TRADES);
        for (int i = 0; i < 1000; i++)
        {
            writer.reset().putLong(0, i).putString(1, "S\"" + i).putLong(2, i).putLong(3, -i).putLong(4, i);
            writer.finish();
            delta.add(writer, i % 3 == 0 ? -1 : 2);
        }
        final CachedNanoClock clock = new CachedNanoClock();
        try (FileOutputEndpoint output = FileOutputEndpoint.create("out", TRADES,
            FileOutputSettings.builder().path(dir.resolve("out.json")).syncIntervalMs(1_000_000)
                .syncBytes(Long.MAX_VALUE).build(), clock))
        {
            output.open();
            long before = 0;
            for (long txn = 1; txn <= 200; txn++)
            {
                if (txn == 101)
                {
                    before = allocated();
                }
                offer(output, txn, delta);
                output.agent().doWork();
            }
            final long bytes = allocated() - before;
            assertTrue(bytes < BOUND_BYTES, bytes + " bytes allocated for 100,000 rows");
            awaitDelivered(output, 200);
        }
    }
}
