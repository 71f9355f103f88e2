package dev.keel.engine.connector.file;

import dev.keel.engine.connector.InputEndpoint;
import dev.keel.engine.connector.OutputEndpoint;
import dev.keel.engine.data.Column;
import dev.keel.engine.data.ColumnType;
import dev.keel.engine.data.RowView;
import dev.keel.engine.data.Schema;
import dev.keel.engine.data.ZSetBatch;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

import static org.junit.jupiter.api.Assertions.*;

/** Drives endpoints and their agents on the test thread (invoked threading mode). */
final class ConnectorTestSupport
{
    static final Schema TRADES = Schema.of(
        Column.of("id", ColumnType.INT64),
        Column.of("symbol", ColumnType.STRING),
        Column.of("price", ColumnType.INT64),
        Column.of("qty", ColumnType.INT64),
        Column.of("ts", ColumnType.INT64));

    private ConnectorTestSupport()
    {
    }

    static String trade(final long id, final String symbol, final long price, final long qty, final long ts)
    {
        return "{\"insert\":{\"id\":" + id + ",\"symbol\":\"" + symbol + "\",\"price\":" + price + ",\"qty\":" + qty +
            ",\"ts\":" + ts + "}}\n";
    }

    static int utf8Length(final String text)
    {
        return text.getBytes(StandardCharsets.UTF_8).length;
    }

    /** Runs the agent and polls until {@code expected} records arrived, end of input, or the step budget. */
    static List<String> drain(
        final InputEndpoint endpoint, final int expected, final int maxPerPoll, final long stopAtPosition)
        throws Exception
    {
        final ZSetBatch batch = new ZSetBatch(endpoint instanceof FileInputEndpoint ?
            ((FileInputEndpoint)endpoint).schema() : TRADES);
        final List<String> rows = new ArrayList<>();
        for (int step = 0; step < 1_000_000 && rows.size() < expected && !endpoint.endOfInput(); step++)
        {
            endpoint.agent().doWork();
            batch.clear();
            final int n = endpoint.poll(batch, maxPerPoll, stopAtPosition);
            assertEquals(n, batch.size());
            assertTrue(n <= maxPerPoll);
            rows.addAll(rows(batch));
            if (n == 0 && endpoint.position() >= stopAtPosition)
            {
                break;
            }
        }
        return rows;
    }

    static List<String> rows(final ZSetBatch batch)
    {
        final List<String> rows = new ArrayList<>();
        final ZSetBatch.Cursor cursor = batch.cursor();
        while (cursor.next())
        {
            rows.add(cursor.row() + " x" + cursor.weight());
        }
        return rows;
    }

    /** Consolidated Z-set: canonical row bytes to the sum of weights, zeros dropped. */
    static Map<String, Long> zset(final ZSetBatch batch)
    {
        final Map<String, Long> result = new TreeMap<>();
        final ZSetBatch.Cursor cursor = batch.cursor();
        while (cursor.next())
        {
            final RowView row = cursor.row();
            final byte[] bytes = new byte[row.length()];
            row.buffer().getBytes(row.offset(), bytes);
            result.merge(new String(bytes, StandardCharsets.ISO_8859_1) + " = " + row, cursor.weight(), Long::sum);
        }
        result.values().removeIf(w -> w == 0);
        return result;
    }

    /** Offers one transaction, running the writer agent while the queue is full. */
    static void offer(final OutputEndpoint endpoint, final long transactionId, final ZSetBatch delta) throws Exception
    {
        for (int i = 0; i < 1_000_000; i++)
        {
            if (endpoint.offer(transactionId, delta))
            {
                return;
            }
            endpoint.agent().doWork();
            endpoint.checkError();
        }
        fail("transaction " + transactionId + " was never taken");
    }

    /** Flushes and runs the writer agent until the transaction is reported delivered. */
    static void awaitDelivered(final OutputEndpoint endpoint, final long transactionId) throws Exception
    {
        endpoint.flush();
        for (int i = 0; i < 1_000_000; i++)
        {
            endpoint.agent().doWork();
            endpoint.checkError();
            if (endpoint.deliveredTransactionId() >= transactionId)
            {
                return;
            }
        }
        fail("transaction " + transactionId + " was never delivered");
    }
}
