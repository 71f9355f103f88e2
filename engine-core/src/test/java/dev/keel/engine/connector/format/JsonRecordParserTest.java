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

class JsonRecordParserTest
{
    static final Schema ALL_TYPES = Schema.of(
        Column.of("i", ColumnType.INT32),
        Column.of("l", ColumnType.INT64),
        Column.of("d", ColumnType.FLOAT64),
        Column.of("b", ColumnType.BOOL),
        Column.of("ts", ColumnType.TIMESTAMP),
        Column.decimal("dec", 2),
        Column.of("s", ColumnType.STRING),
        Column.nullable("n", ColumnType.STRING),
        Column.nullable("nl", ColumnType.INT64));

    private final RowWriter writer = new RowWriter(ALL_TYPES);
    private final RowView row = new RowView(ALL_TYPES);
    private JsonRecordParser parser = new JsonRecordParser(ALL_TYPES, UpdateFormat.INSERT_DELETE);
    private long weight;

    private RowView parse(final String line)
    {
        final byte[] bytes = line.getBytes(StandardCharsets.UTF_8);
        // parse from the middle of a larger buffer, as the transport does
        final UnsafeBuffer buffer = new UnsafeBuffer(new byte[bytes.length + 10]);
        buffer.putBytes(5, bytes);
        weight = parser.parse(buffer, 5, 5 + bytes.length, writer);
        return row.wrap(writer.buffer(), 0, writer.length());
    }

    private String error(final String line)
    {
        return assertThrows(RecordParseException.class, () -> parse(line)).getMessage();
    }

    @Test
    void parsesEveryType()
    {
        final RowView r = parse("{\"insert\": {\"i\": -7, \"l\": 9223372036854775807, \"d\": -1.25e2, \"b\": true, " +
            "\"ts\": \"2024-02-29 23:59:58.123456\", \"dec\": -12.5, \"s\": \"plain\", \"n\": null, \"nl\": -1}}");
        assertEquals(1, weight);
        assertEquals(-7, r.getInt(0));
        assertEquals(Long.MAX_VALUE, r.getLong(1));
        assertEquals(-125.0, r.getDouble(2));
        assertTrue(r.getBool(3));
        assertEquals(java.time.LocalDateTime.of(2024, 2, 29, 23, 59, 58, 123_456_000)
            .toEpochSecond(java.time.ZoneOffset.UTC) * 1_000_000 + 123_456, r.getLong(4));
        assertEquals(-1250, r.getLong(5));
        assertEquals("plain", r.getString(6));
        assertTrue(r.isNull(7));
        assertEquals(-1, r.getLong(8));
    }

    @Test
    void deleteHasWeightMinusOneAndFieldsInAnyOrder()
    {
        final RowView r = parse("{\"delete\":{\"s\":\"x\",\"dec\":\"3\",\"ts\":-1,\"b\":false,\"d\":0,\"l\":-9223372036854775808," +
            "\"i\":2147483647}}");
        assertEquals(-1, weight);
        assertEquals(Integer.MAX_VALUE, r.getInt(0));
        assertEquals(Long.MIN_VALUE, r.getLong(1));
        assertEquals(-1, r.getLong(4));
        assertEquals(300, r.getLong(5));
        assertFalse(r.getBool(3));
        assertTrue(r.isNull(7), "a missing nullable column is null");
        assertTrue(r.isNull(8));
    }

    @Test
    void rawFormatIsTheRowObject()
    {
        parser = new JsonRecordParser(ALL_TYPES, UpdateFormat.RAW);
        final RowView r = parse("  {\"i\":1,\"l\":2,\"d\":3.5,\"b\":true,\"ts\":0,\"dec\":0.01,\"s\":\"\"}  ");
        assertEquals(1, weight);
        assertEquals(3.5, r.getDouble(2));
        assertEquals(1, r.getLong(5));
        assertEquals("", r.getString(6));
    }

    @Test
    void decodesEscapesUnicodeAndSurrogatePairs()
    {
        final RowView r = parse("{\"insert\":{\"i\":1,\"l\":2,\"d\":3,\"b\":true,\"ts\":0,\"dec\":0," +
            "\"s\":\"q\\\"b\\\\s\\/n\\nt\\tr\\rb\\bf\\f \\u00e9\\u20AC \\ud83d\\ude00 zürich 😀\"," +
            "\"n\":\"\\u0000\"}}");
        assertEquals("q\"b\\s/n\nt\tr\rb\bf\f é€ \uD83D\uDE00 zürich \uD83D\uDE00", r.getString(6));
        assertEquals("\u0000", r.getString(7));
    }

    @Test
    void parsesDoubleForms()
    {
        assertEquals(0.1, parseDouble("0.1"));
        assertEquals(-0.0001, parseDouble("-1e-4"));
        assertEquals(1.7976931348623157E308, parseDouble("1.7976931348623157E308"));
        assertEquals(4.9E-324, parseDouble("4.9E-324"));
        assertEquals(0.30000000000000004, parseDouble("0.30000000000000004"));
        assertEquals(123456789012.5, parseDouble("123456789012.5"));
        assertTrue(Double.isNaN(parseDouble("\"NaN\"")));
        assertEquals(Double.NEGATIVE_INFINITY, parseDouble("\"-Infinity\""));
    }

    private double parseDouble(final String text)
    {
        return parse("{\"insert\":{\"i\":1,\"l\":2,\"d\":" + text + ",\"b\":true,\"ts\":0,\"dec\":0,\"s\":\"\"}}")
            .getDouble(2);
    }

    @Test
    void parsesDecimalsExactly()
    {
        assertEquals(1, parseDecimal("0.01"));
        assertEquals(-1, parseDecimal("-0.01"));
        assertEquals(1050, parseDecimal("10.5"));
        assertEquals(1050, parseDecimal("\"10.50000\""));
        assertEquals(9_007_199_254_740_993L, parseDecimal("90071992547409.93"), "beyond double precision");
        assertEquals(Long.MIN_VALUE, parseDecimal("-92233720368547758.08"));
    }

    private long parseDecimal(final String text)
    {
        return parse("{\"insert\":{\"i\":1,\"l\":2,\"d\":3,\"b\":true,\"ts\":0,\"dec\":" + text + ",\"s\":\"\"}}")
            .getLong(5);
    }

    @Test
    void parsesTimestampForms()
    {
        assertEquals(0, parseTimestamp("\"1970-01-01 00:00:00\""));
        assertEquals(1_500_000, parseTimestamp("\"1970-01-01T00:00:01.5\""));
        assertEquals(-1, parseTimestamp("\"1969-12-31 23:59:59.999999\""));
        assertEquals(-1, parseTimestamp("\"1969-12-31 23:59:59.999999000\""));
        assertEquals(1_700_000_000_123_000L, parseTimestamp("1700000000123000"));
        assertEquals(java.time.LocalDateTime.of(1, 1, 1, 0, 0).toEpochSecond(java.time.ZoneOffset.UTC) * 1_000_000,
            parseTimestamp("\"0001-01-01 00:00:00\""));
    }

    private long parseTimestamp(final String text)
    {
        return parse("{\"insert\":{\"i\":1,\"l\":2,\"d\":3,\"b\":true,\"ts\":" + text + ",\"dec\":0,\"s\":\"\"}}")
            .getLong(4);
    }

    @Test
    void blankLineCarriesNoRecord()
    {
        parse("   \t ");
        assertEquals(0, weight);
    }

    @Test
    void namesTheColumnAndTheOffendingValue()
    {
        final String base = "\"i\":1,\"l\":2,\"b\":true,\"ts\":0,\"dec\":0,\"s\":\"\"";
        assertEquals("column 'd' expects a number, got \"abc\"",
            error("{\"insert\":{" + base + ",\"d\":\"abc\"}}"));
        assertEquals("column 'l' expects an integer, got 1.5 (not an integer)",
            error("{\"insert\":{\"i\":1,\"l\":1.5,\"d\":1,\"b\":true,\"ts\":0,\"dec\":0,\"s\":\"\"}}"));
        assertEquals("column 'l' expects an integer, got 9223372036854775808 (out of range)",
            error("{\"insert\":{\"i\":1,\"l\":9223372036854775808,\"d\":1,\"b\":true,\"ts\":0,\"dec\":0,\"s\":\"\"}}"));
        assertEquals("column 'i' expects an integer, got 2147483648 (out of the INT32 range)",
            error("{\"insert\":{\"i\":2147483648,\"l\":1,\"d\":1,\"b\":true,\"ts\":0,\"dec\":0,\"s\":\"\"}}"));
        assertEquals("column 'dec' expects a decimal number with scale 2, got 1.234 " +
            "(has more fraction digits than the column's scale)",
            error("{\"insert\":{\"i\":1,\"l\":1,\"d\":1,\"b\":true,\"ts\":0,\"dec\":1.234,\"s\":\"\"}}"));
        assertEquals("column 'ts' expects a timestamp, got \"2024-02-30 00:00:00\" " +
            "(has a date or time field out of range)",
            error("{\"insert\":{\"i\":1,\"l\":1,\"d\":1,\"b\":true,\"ts\":\"2024-02-30 00:00:00\",\"dec\":0,\"s\":\"\"}}"));
        assertEquals("column 'b' expects a boolean, got 1",
            error("{\"insert\":{\"i\":1,\"l\":1,\"d\":1,\"b\":1,\"ts\":0,\"dec\":0,\"s\":\"\"}}"));
        assertEquals("column 's' expects a string, got 5",
            error("{\"insert\":{\"i\":1,\"l\":1,\"d\":1,\"b\":true,\"ts\":0,\"dec\":0,\"s\":5}}"));
    }

    @Test
    void rejectsStructuralErrors()
    {
        final String row = "\"i\":1,\"l\":2,\"d\":1,\"b\":true,\"ts\":0,\"dec\":0,\"s\":\"\"";
        assertEquals("unknown field \"price\"", error("{\"insert\":{" + row + ",\"price\":1}}"));
        assertEquals("missing column 's' (not nullable)",
            error("{\"insert\":{\"i\":1,\"l\":2,\"d\":1,\"b\":true,\"ts\":0,\"dec\":0}}"));
        assertEquals("column 's' is not nullable, got null", error("{\"insert\":{" + row.replace("\"\"", "null") + "}}"));
        assertEquals("column 'i' appears twice", error("{\"insert\":{" + row + ",\"i\":2}}"));
        assertEquals("expected \"insert\" or \"delete\", got \"upsert\"", error("{\"upsert\":{" + row + "}}"));
        assertEquals("unexpected text after the record: x", error("{\"insert\":{" + row + "}} x"));
        assertEquals("expected '}', got end of line", error("{\"insert\":{" + row + "}"));
        assertTrue(error("{\"insert\":{" + row.replace("\"s\":\"\"", "\"s\":\"abc") + "}}")
            .startsWith("unterminated string"));
        assertEquals("unpaired surrogate \\ud83d in string \"\\ud83d x\"",
            error("{\"insert\":{" + row.replace("\"s\":\"\"", "\"s\":\"\\ud83d x\"") + "}}"));
        assertEquals("invalid escape \\q in string \"\\q\"",
            error("{\"insert\":{" + row.replace("\"s\":\"\"", "\"s\":\"\\q\"") + "}}"));
        assertTrue(error("[1,2]").startsWith("expected '{'"));
    }
}
