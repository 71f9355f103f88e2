package dev.keel.engine.connector.file;

import dev.keel.engine.connector.format.JsonRecordParser;
import dev.keel.engine.connector.format.UpdateFormat;
import dev.keel.engine.data.RowWriter;
import dev.keel.engine.data.ZSetBatch;
import org.agrona.concurrent.UnsafeBuffer;

import java.io.BufferedWriter;
import java.lang.management.ManagementFactory;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;

import static dev.keel.engine.connector.file.ConnectorTestSupport.TRADES;
import static dev.keel.engine.connector.file.ConnectorTestSupport.trade;

/**
 * Quick throughput printout (not a JMH benchmark) for JSON lines of
 * {@code trades(id BIGINT, symbol VARCHAR, price BIGINT, qty BIGINT, ts BIGINT)}, one core:
 * (1) the parser alone over an in-memory buffer, (2) file_input end to end with its agent invoked on
 * the polling thread. Also prints bytes allocated per record by that thread in steady state.
 * <pre>
 *   java --add-exports java.base/jdk.internal.misc=ALL-UNNAMED \
 *     -cp engine-core/target/classes:engine-core/target/test-classes:$(cat cp.txt) \
 *     dev.keel.engine.connector.file.FileInputThroughput [records]
 * </pre>
 */
public final class FileInputThroughput
{
    public static void main(final String[] args) throws Exception
    {
        final int records = args.length > 0 ? Integer.parseInt(args[0]) : 2_000_000;
        final Path file = Files.createTempFile("trades", ".json");
        try
        {
            try (BufferedWriter out = Files.newBufferedWriter(file, StandardCharsets.UTF_8))
            {
                for (int i = 0; i < records; i++)
                {
                    out.write(trade(i, "SYM" + (i % 500), 10_000 + i % 9973, 1 + i % 100, 1_700_000_000_000_000L + i));
                }
            }
            final long bytes = Files.size(file);
            System.out.printf("%,d records, %,d bytes (%.1f bytes/record)%n", records, bytes, (double)bytes / records);
            final byte[] content = Files.readAllBytes(file);
            final ByteBuffer direct = ByteBuffer.allocateDirect(content.length);
            direct.put(content);
            final UnsafeBuffer buffer = new UnsafeBuffer(direct);
            for (int round = 0; round < 5; round++)
            {
                parseOnly(buffer, records);
            }
            for (int round = 0; round < 5; round++)
            {
                endToEnd(file, records);
            }
        }
        finally
        {
            Files.deleteIfExists(file);
        }
    }

    private static void parseOnly(final UnsafeBuffer buffer, final int records)
    {
        final JsonRecordParser parser = new JsonRecordParser(TRADES, UpdateFormat.INSERT_DELETE);
        final RowWriter writer = new RowWriter(TRADES);
        final long allocatedBefore = allocated();
        final long start = System.nanoTime();
        int position = 0;
        long checksum = 0;
        int count = 0;
        final int limit = buffer.capacity();
        while (position < limit)
        {
            final int end = parser.findRecordEnd(buffer, position, limit);
            checksum += parser.parse(buffer, position, end, writer);
            checksum += writer.length();
            position = end + 1;
            count++;
        }
        final long nanos = System.nanoTime() - start;
        final long allocatedBytes = allocated() - allocatedBefore;
        System.out.printf("parse only : %,12.0f records/s  %6.1f MB/s  %.3f B/record allocated  (%d, %d)%n",
            count * 1e9 / nanos, limit * 1e3 / nanos, (double)allocatedBytes / count, checksum, records);
    }

    private static void endToEnd(final Path file, final int records) throws Exception
    {
        try (FileInputEndpoint input = FileInputEndpoint.create("trades", TRADES,
            FileInputSettings.builder().path(file).build()))
        {
            final ZSetBatch batch = new ZSetBatch(TRADES, 4 << 20);
            input.open(0);
            input.agent().doWork();
            final long allocatedBefore = allocated();
            final long start = System.nanoTime();
            long count = 0;
            while (!input.endOfInput())
            {
                input.agent().doWork();
                batch.clear();
                count += input.poll(batch, 8192, Long.MAX_VALUE);
            }
            final long nanos = System.nanoTime() - start;
            final long allocatedBytes = allocated() - allocatedBefore;
            if (count != records)
            {
                throw new IllegalStateException("read " + count + " of " + records);
            }
            System.out.printf("file_input : %,12.0f records/s  %.3f B/record allocated%n",
                count * 1e9 / nanos, (double)allocatedBytes / count);
        }
    }

    private static long allocated()
    {
        return ((com.sun.management.ThreadMXBean)ManagementFactory.getThreadMXBean()).getCurrentThreadAllocatedBytes();
    }
}
