package dev.keel.engine.data;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.*;

class RowWriterTest
{
    private final Schema schema = Schema.of(
        Column.of("id", ColumnType.INT64),
        Column.of("name", ColumnType.STRING),
        Column.nullable("note", ColumnType.STRING),
        Column.of("price", ColumnType.FLOAT64),
        Column.of("ok", ColumnType.BOOL));

    @Test
    void roundTripsEveryTypeAndNulls()
    {
        final RowWriter writer = new RowWriter(schema);
        writer.putLong(0, -42).putString(1, "zürich \uD83D\uDE00").putDouble(3, 1.5).putBool(4, true);
        final int length = writer.finish();
        final RowView row = new RowView(schema).wrap(writer.buffer(), 0, length);
        assertEquals(-42, row.getLong(0));
        assertEquals("zürich \uD83D\uDE00", row.getString(1));
        assertTrue(row.isNull(2));
        assertNull(row.getString(2));
        assertEquals(1.5, row.getDouble(3));
        assertTrue(row.getBool(4));
    }

    @Test
    void encodingIsCanonicalWhateverThePutOrder()
    {
        final RowWriter a = new RowWriter(schema);
        a.putLong(0, 1).putString(1, "x").putString(2, "yy").putDouble(3, -0.0).putBool(4, false);
        final RowWriter b = new RowWriter(schema);
        b.putBool(4, false).putString(2, "yy").putDouble(3, 0.0).putString(1, "x").putLong(0, 1);
        final int la = a.finish();
        final int lb = b.finish();
        assertEquals(la, lb);
        final RowView va = new RowView(schema).wrap(a.buffer(), 0, la);
        assertTrue(va.contentEquals(b.buffer(), 0, lb));
        assertEquals(va.hash(), new RowView(schema).wrap(b.buffer(), 0, lb).hash());
        assertEquals("yy", new RowView(schema).wrap(b.buffer(), 0, lb).getString(2));
    }

    @Test
    void missingNonNullableColumnIsNamed()
    {
        final RowWriter writer = new RowWriter(schema);
        writer.putLong(0, 1).putDouble(3, 2).putBool(4, true);
        final IllegalStateException e = assertThrows(IllegalStateException.class, writer::finish);
        assertTrue(e.getMessage().contains("name"), e.getMessage());
    }

    @Test
    void batchKeepsRowsAndWeights()
    {
        final RowWriter writer = new RowWriter(schema);
        final ZSetBatch batch = new ZSetBatch(schema, 16);
        for (int i = 0; i < 1000; i++)
        {
            writer.reset().putLong(0, i).putString(1, "n" + i).putDouble(3, i).putBool(4, i % 2 == 0);
            writer.finish();
            batch.add(writer, i % 3 == 0 ? -1 : 1);
        }
        assertEquals(1000, batch.size());
        final ZSetBatch.Cursor cursor = batch.cursor();
        int i = 0;
        while (cursor.next())
        {
            assertEquals(i, cursor.row().getLong(0));
            assertEquals("n" + i, cursor.row().getString(1));
            assertEquals(i % 3 == 0 ? -1 : 1, cursor.weight());
            i++;
        }
        assertEquals(1000, i);
        batch.clear();
        assertFalse(cursor.reset().next());
    }

    @Test
    void fixedColumnsWrittenAfterTheBufferGrewAreKept()
    {
        final Schema schema = Schema.of(
            Column.of("a", ColumnType.INT64), Column.of("s", ColumnType.STRING), Column.of("b", ColumnType.INT64),
            Column.of("t", ColumnType.STRING));
        final RowWriter writer = new RowWriter(schema);
        final RowView view = new RowView(schema);
        for (int round = 1; round <= 6; round++)
        {
            final String big = "x".repeat(1 << (round * 3)); // grows the buffer in most rounds
            writer.reset().putLong(0, round).putString(3, "tail" + round).putString(1, big).putLong(2, -round);
            final int length = writer.finish();
            view.wrap(writer.buffer(), 0, length);
            assertEquals(round, view.getLong(0));
            assertEquals(big, view.getString(1));
            assertEquals(-round, view.getLong(2));
            assertEquals("tail" + round, view.getString(3));
        }
    }
}
