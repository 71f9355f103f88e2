package dev.keel.engine.connector.format;

import dev.keel.engine.data.Column;
import dev.keel.engine.data.ColumnType;
import dev.keel.engine.data.RowView;
import dev.keel.engine.data.RowWriter;
import dev.keel.engine.data.Schema;
import org.agrona.concurrent.UnsafeBuffer;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;

import static org.junit.jupiter.api.Assertions.*;

class CsvRecordParserTest
{
    private static final Schema SCHEMA = Schema.of(
        Column.of("id", ColumnType.INT64),
        Column.of("name", ColumnType.STRING),
        Column.nullable("note", ColumnType.STRING),
        Column.nullable("price", ColumnType.FLOAT64),
        Column.nullable("ok", ColumnType.BOOL),
        Column.nullable("ts", ColumnType.TIMESTAMP),
        new Column("amount", ColumnType.DECIMAL, 3, true),
        Column.nullable("small", ColumnType.INT32));

    private final RowWriter writer = new RowWriter(SCHEMA);
    private final RowView row = new RowView(SCHEMA);
    private CsvRecordParser parser = new CsvRecordParser(SCHEMA, false, false, (byte)',');
    private long weight;

    private RowView parse(final String record)
    {
        final byte[] bytes = record.getBytes(StandardCharsets.UTF_8);
        final UnsafeBuffer buffer = new UnsafeBuffer(new byte[bytes.length + 4]);
        buffer.putBytes(2, bytes);
        weight = parser.parse(buffer, 2, 2 + bytes.length, writer);
        return row.wrap(writer.buffer(), 0, writer.length());
    }

    private int recordEnd(final String text)
    {
        final byte[] bytes = text.getBytes(StandardCharsets.UTF_8);
        return parser.findRecordEnd(new UnsafeBuffer(bytes), 0, bytes.length);
    }

    @Test
    void framesRecordsAtLineBreaksOutsideQuotes()
    {
        assertEquals(3, recordEnd("1,a\n2,b\n"));
        assertEquals(9, recordEnd("1,\"a\nb\"\"\"\n2"));
        assertEquals(-1, recordEnd("1,\"a\nb\"\"\n2"), "still inside the quoted field");
        assertEquals(-1, recordEnd("1,a"));
    }

    private String error(final String record)
    {
        return assertThrows(RecordParseException.class, () -> parse(record)).getMessage();
    }

    @Test
    void parsesEveryTypeInSchemaOrder()
    {
        final RowView r = parse("-42,zürich 😀,note,-1.5e3,TRUE,2024-01-02 03:04:05.5,-7.125,-2147483648");
        assertEquals(1, weight);
        assertEquals(-42, r.getLong(0));
        assertEquals("zürich \uD83D\uDE00", r.getString(1));
        assertEquals("note", r.getString(2));
        assertEquals(-1500.0, r.getDouble(3));
        assertTrue(r.getBool(4));
        assertEquals(java.time.LocalDateTime.of(2024, 1, 2, 3, 4, 5).toEpochSecond(java.time.ZoneOffset.UTC) *
            1_000_000 + 500_000, r.getLong(5));
        assertEquals(-7125, r.getLong(6));
        assertEquals(Integer.MIN_VALUE, r.getInt(7));
    }

    @Test
    void quotedFieldsHoldDelimitersQuotesAndNewlines()
    {
        final RowView r = parse("1,\"a,b \"\"q\"\"\nline2\r\nline3\",\"\",,,,,");
        assertEquals("a,b \"q\"\nline2\r\nline3", r.getString(1));
        assertEquals("", r.getString(2), "a quoted empty field is the empty string");
        for (int i = 3; i < 8; i++)
        {
            assertTrue(r.isNull(i), "empty unquoted field is NULL: column " + i);
        }
    }

    @Test
    void emptyUnquotedFieldOfNonNullableStringIsEmpty()
    {
        final RowView r = parse("1,,x,,,,,");
        assertEquals("", r.getString(1));
        assertEquals("x", r.getString(2));
    }

    @Test
    void headerMapsFieldsByName()
    {
        parser = new CsvRecordParser(SCHEMA, true, false, (byte)',');
        final byte[] header = "name,\"id\",price".getBytes(StandardCharsets.UTF_8);
        parser.parseHeader(new UnsafeBuffer(header), 0, header.length);
        final RowView r = parse("bob,7,2.5");
        assertEquals(7, r.getLong(0));
        assertEquals("bob", r.getString(1));
        assertEquals(2.5, r.getDouble(3));
        assertTrue(r.isNull(2));
        assertEquals("expected 3 fields, got 2", error("bob,7"));
    }

    @Test
    void headerErrorsNameTheColumn()
    {
        parser = new CsvRecordParser(SCHEMA, true, false, (byte)',');
        final byte[] unknown = "id,name,bogus".getBytes(StandardCharsets.UTF_8);
        assertEquals("header names unknown column 'bogus'", assertThrows(RecordParseException.class,
            () -> parser.parseHeader(new UnsafeBuffer(unknown), 0, unknown.length)).getMessage());
        final byte[] missing = "id,note".getBytes(StandardCharsets.UTF_8);
        assertEquals("header does not name column 'name' (not nullable)", assertThrows(RecordParseException.class,
            () -> parser.parseHeader(new UnsafeBuffer(missing), 0, missing.length)).getMessage());
    }

    @Test
    void weightColumnCarriesTheWeight()
    {
        parser = new CsvRecordParser(SCHEMA, false, true, (byte)',');
        parse("1,a,,,,,,,-1");
        assertEquals(-1, weight);
        parse("1,a,,,,,,,3");
        assertEquals(3, weight);
        assertEquals("weight field expects a non-zero integer, got \"x\"", error("1,a,,,,,,,x"));
        assertEquals("weight field expects a non-zero integer, got an empty field", error("1,a,,,,,,,"));
    }

    @Test
    void namesErrors()
    {
        assertEquals("column 'id' expects an integer, got \"1x\" (not an integer)", error("1x,a,,,,,,"));
        assertEquals("column 'id' is not nullable, got an empty field", error(",a,,,,,,"));
        assertEquals("column 'price' expects a number, got \"abc\" (not a number)", error("1,a,,abc,,,,"));
        assertEquals("column 'ok' expects a boolean, got \"yes\"", error("1,a,,,yes,,,"));
        assertEquals("column 'small' expects an integer, got \"2147483648\" (out of the INT32 range)",
            error("1,a,,,,,,2147483648"));
        assertEquals("column 'amount' expects a decimal number with scale 3, got \"1.2345\" " +
            "(has more fraction digits than the column's scale)", error("1,a,,,,,1.2345,"));
        assertEquals("expected 8 fields, got 7", error("1,a,,,,,"));
        assertEquals("expected 8 fields, got more", error("1,a,,,,,,,"));
        assertTrue(error("1,\"a,,,,,,").startsWith("field 2 has an unterminated quote"));
        assertTrue(error("1,\"a\"b,,,,,,").startsWith("field 2 has text after its closing quote"));
    }
}
