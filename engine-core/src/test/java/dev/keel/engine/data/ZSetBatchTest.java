package dev.keel.engine.data;

import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;
import java.util.Random;

import static org.junit.jupiter.api.Assertions.*;

/** Entries survive growth of the batch and bulk appends; {@code addAll} with sign 1 equals adding one by one. */
class ZSetBatchTest
{
    private static final Schema SCHEMA = Schema.of(Column.of("id", ColumnType.INT64), Column.of("s", ColumnType.STRING));

    private static List<String> entries(final ZSetBatch batch)
    {
        final List<String> out = new ArrayList<>();
        final ZSetBatch.Cursor cursor = batch.cursor();
        while (cursor.next())
        {
            out.add(cursor.row().getLong(0) + "/" + cursor.row().length() + "x" + cursor.weight());
        }
        return out;
    }

    @Test
    void entriesSurviveGrowthAndBulkAppends()
    {
        final Random random = new Random(7);
        final RowWriter writer = new RowWriter(SCHEMA);
        final ZSetBatch a = new ZSetBatch(SCHEMA, 16);
        final ZSetBatch b = new ZSetBatch(SCHEMA, 16);
        final ZSetBatch oneByOne = new ZSetBatch(SCHEMA, 16);
        final List<String> expectedA = new ArrayList<>();
        for (int i = 0; i < 5_000; i++)
        {
            writer.reset().putLong(0, i).putString(1, "x".repeat(random.nextInt(40))).finish();
            final long weight = random.nextInt(7) - 3;
            (i % 2 == 0 ? a : b).add(writer, weight);
            if (i % 2 == 0)
            {
                expectedA.add(i + "/" + writer.length() + "x" + weight);
            }
        }
        assertEquals(expectedA, entries(a));
        assertEquals(2_500, a.size());

        final List<String> expected = new ArrayList<>(entries(a));
        expected.addAll(entries(b));
        final ZSetBatch.Cursor cursor = b.cursor();
        for (final ZSetBatch.Cursor c = a.cursor(); c.next(); )
        {
            oneByOne.add(c.row(), c.weight());
        }
        while (cursor.next())
        {
            oneByOne.add(cursor.row(), cursor.weight());
        }
        final int byteLength = a.byteLength() + b.byteLength();
        a.addAll(b, 1);
        assertEquals(expected, entries(a));
        assertEquals(5_000, a.size());
        assertEquals(byteLength, a.byteLength());
        assertEquals(oneByOne.contentHash(), a.contentHash());
        assertEquals(entries(oneByOne), entries(a));

        final ZSetBatch negated = new ZSetBatch(SCHEMA, 16);
        negated.addAll(b, -1);
        final List<String> expectedNegated = new ArrayList<>();
        for (final String e : entries(b))
        {
            final long w = Long.parseLong(e.substring(e.indexOf('x') + 1));
            expectedNegated.add(e.substring(0, e.indexOf('x') + 1) + (-w));
        }
        assertEquals(expectedNegated, entries(negated));

        a.clear();
        a.addAll(b, 1);
        assertEquals(entries(b), entries(a), "after clear, reused capacity");
    }

    /** A batch split by position into ranges (addRange) and a kept prefix (truncate) holds every entry once. */
    @Test
    void rangesAndTruncationSplitABatchByPosition()
    {
        final RowWriter writer = new RowWriter(SCHEMA);
        final ZSetBatch all = new ZSetBatch(SCHEMA, 16);
        for (int i = 0; i < 101; i++)
        {
            writer.reset().putLong(0, i).putString(1, "x".repeat(i % 13)).finish();
            all.add(writer, i % 3 - 1 == 0 ? 1 : i % 3 - 1);
        }
        final ZSetBatch middle = new ZSetBatch(SCHEMA, 16);
        final ZSetBatch tail = new ZSetBatch(SCHEMA, 16);
        middle.addRange(all, 33, 67);
        tail.addRange(all, 67, 101);
        final ZSetBatch head = new ZSetBatch(SCHEMA, 16);
        head.addAll(all, 1);
        head.truncate(33);
        assertEquals(33, head.size());
        assertEquals(34, middle.size());
        assertEquals(34, tail.size());
        final ZSetBatch joined = new ZSetBatch(SCHEMA, 16);
        joined.addAll(head, 1);
        joined.addAll(middle, 1);
        joined.addAll(tail, 1);
        assertEquals(all.byteLength(), joined.byteLength());
        assertEquals(all.contentHash(), joined.contentHash());
        final ZSetBatch.Cursor cursor = middle.cursor();
        assertTrue(cursor.next());
        assertEquals(33, cursor.row().getLong(0));
        assertThrows(IndexOutOfBoundsException.class, () -> middle.addRange(all, 50, 102));
        assertThrows(IndexOutOfBoundsException.class, () -> head.truncate(34));
    }

    @Test
    void rowsWrittenInPlaceReadBackAndRewindDropsThem()
    {
        final Schema schema = Schema.of(Column.of("id", ColumnType.INT64));
        final ZSetBatch batch = new ZSetBatch(schema, 16);
        for (int i = 0; i < 1_000; i++)
        {
            final int at = batch.appendRow(schema.fixedLength(), i % 2 == 0 ? 1 : -1);
            batch.rowBuffer().putLong(at, 0L, java.nio.ByteOrder.LITTLE_ENDIAN);
            batch.rowBuffer().putLong(at + Schema.slotOffset(0), i, java.nio.ByteOrder.LITTLE_ENDIAN);
        }
        final int entries = batch.size();
        final int bytes = batch.byteLength();
        batch.appendRow(schema.fixedLength(), 5);
        batch.appendRow(schema.fixedLength(), 5);
        batch.rewind(entries, bytes);
        assertEquals(1_000, batch.size());
        int i = 0;
        for (final ZSetBatch.Cursor cursor = batch.cursor(); cursor.next(); i++)
        {
            assertEquals(i, cursor.row().getLong(0));
            assertEquals(i % 2 == 0 ? 1 : -1, cursor.weight());
        }
        assertEquals(1_000, i);

        final IllegalArgumentException shortRow = assertThrows(
            IllegalArgumentException.class, () -> batch.appendRow(8, 1));
        assertTrue(shortRow.getMessage().contains("at least 16 bytes"), shortRow.getMessage());
        final IndexOutOfBoundsException ahead = assertThrows(
            IndexOutOfBoundsException.class, () -> batch.rewind(entries + 1, bytes + 32));
        assertTrue(ahead.getMessage().contains("rewind to 1001 entries"), ahead.getMessage());
        assertThrows(IndexOutOfBoundsException.class, () -> batch.rewind(entries - 1, bytes));
        assertEquals(1_000, batch.size(), "a refused rewind changes nothing");
    }
}
