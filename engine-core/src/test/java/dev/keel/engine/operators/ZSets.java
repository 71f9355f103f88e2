package dev.keel.engine.operators;

import dev.keel.engine.data.ColumnType;
import dev.keel.engine.data.RowView;
import dev.keel.engine.data.RowWriter;
import dev.keel.engine.data.Schema;
import dev.keel.engine.data.ZSetBatch;
import org.agrona.concurrent.UnsafeBuffer;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

/**
 * Plain-Java Z-sets for reference computations: a row is a {@code List<Object>} of Long, Double, Boolean,
 * String or null (the decoded form of every column type the tests use), a Z-set a map row to weight.
 */
final class ZSets
{
    private ZSets()
    {
    }

    static List<Object> row(final Object... values)
    {
        return Arrays.asList(values);
    }

    static void add(final Map<List<Object>, Long> zset, final List<Object> row, final long weight)
    {
        if (weight == 0)
        {
            return;
        }
        final long sum = zset.getOrDefault(row, 0L) + weight;
        if (sum == 0)
        {
            zset.remove(row);
        }
        else
        {
            zset.put(row, sum);
        }
    }

    static List<Object> decode(final RowView view)
    {
        final Schema schema = view.schema();
        final List<Object> values = new ArrayList<>(schema.columnCount());
        for (int i = 0; i < schema.columnCount(); i++)
        {
            if (view.isNull(i))
            {
                values.add(null);
                continue;
            }
            switch (schema.type(i))
            {
                case FLOAT64:
                    values.add(view.getDouble(i));
                    break;
                case BOOL:
                    values.add(view.getBool(i));
                    break;
                case STRING:
                    values.add(view.getString(i));
                    break;
                case BYTES:
                    fail("BYTES not used in operator tests");
                    break;
                default:
                    values.add(view.getLong(i));
            }
        }
        return values;
    }

    static int write(final RowWriter writer, final List<Object> values)
    {
        final Schema schema = writer.schema();
        writer.reset();
        for (int i = 0; i < schema.columnCount(); i++)
        {
            final Object value = values.get(i);
            if (null == value)
            {
                writer.putNull(i);
            }
            else if (schema.type(i) == ColumnType.FLOAT64)
            {
                writer.putDouble(i, (Double)value);
            }
            else if (schema.type(i) == ColumnType.STRING)
            {
                writer.putString(i, (String)value);
            }
            else if (schema.type(i) == ColumnType.BOOL)
            {
                writer.putBool(i, (Boolean)value);
            }
            else
            {
                writer.putLong(i, (Long)value);
            }
        }
        return writer.finish();
    }

    /** The encoded bytes of a row, for orders defined on bytes. */
    static byte[] bytes(final Schema schema, final List<Object> values)
    {
        final RowWriter writer = new RowWriter(schema);
        final int length = write(writer, values);
        final byte[] bytes = new byte[length];
        writer.buffer().getBytes(0, bytes);
        return bytes;
    }

    static int compareBytes(final byte[] a, final byte[] b)
    {
        return dev.keel.engine.data.Utf8.compare(new UnsafeBuffer(a), 0, a.length, new UnsafeBuffer(b), 0, b.length);
    }

    /** The batch as a consolidated Z-set. */
    static Map<List<Object>, Long> consolidate(final ZSetBatch batch)
    {
        final Map<List<Object>, Long> zset = new HashMap<>();
        final ZSetBatch.Cursor cursor = batch.cursor();
        while (cursor.next())
        {
            add(zset, decode(cursor.row()), cursor.weight());
        }
        return zset;
    }

    static void assertNonNegative(final String what, final Map<List<Object>, Long> zset)
    {
        for (final Map.Entry<List<Object>, Long> entry : zset.entrySet())
        {
            assertTrue(entry.getValue() > 0, () -> what + ": row " + entry.getKey() + " has weight " + entry.getValue());
        }
    }
}
