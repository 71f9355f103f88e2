package dev.keel.engine.connector.format;

import dev.keel.engine.data.Column;
import dev.keel.engine.data.ColumnType;
import dev.keel.engine.data.RowView;
import dev.keel.engine.data.RowWriter;
import dev.keel.engine.data.Schema;
import org.agrona.ExpandableDirectByteBuffer;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.time.LocalDateTime;
import java.time.ZoneOffset;

import static org.junit.jupiter.api.Assertions.*;

class RecordEncoderTest
{
    private static final Schema SCHEMA = Schema.of(
        Column.of("id", ColumnType.INT64),
        Column.of("s", ColumnType.STRING),
        Column.decimal("price", 2),
        Column.of("d", ColumnType.FLOAT64),
        Column.of("ok", ColumnType.BOOL),
        Column.of("ts", ColumnType.TIMESTAMP),
        Column.nullable("n", ColumnType.INT32),
        Column.of("i", ColumnType.INT32));

    private final RowWriter writer = new RowWriter(SCHEMA);
    private final ExpandableDirectByteBuffer out = new ExpandableDirectByteBuffer(16);

    private RowView row(final long id, final String s, final long price, final double d, final long ts)
    {
        writer.reset().putLong(0, id).putString(1, s).putLong(2, price).putDouble(3, d).putBool(4, id > 0)
            .putLong(5, ts).putInt(7, -3);
        writer.finish();
        return new RowView(SCHEMA).wrap(writer);
    }

    private String encode(final RecordEncoder encoder, final RowView row, final long sign)
    {
        final int end = encoder.encode(row, sign, out, 3);
        final byte[] bytes = new byte[end - 3];
        out.getBytes(3, bytes);
        return new String(bytes, StandardCharsets.UTF_8);
    }

    private static long micros(final LocalDateTime time)
    {
        return time.toEpochSecond(ZoneOffset.UTC) * 1_000_000 + time.getNano() / 1000;
    }

    @Test
    void jsonInsertAndDelete()
    {
        final JsonRecordEncoder encoder = new JsonRecordEncoder(SCHEMA);
        assertEquals("{\"insert\":{\"id\":1,\"s\":\"a\\\"b\\\\c\\n\\r\\t\\u0001 é😀\",\"price\":-1.05,\"d\":1.5,\"ok\":true," +
            "\"ts\":\"2024-01-02 03:04:05.123456\",\"n\":null,\"i\":-3}}\n",
            encode(encoder, row(1, "a\"b\\c\n\r\t\u0001 é\uD83D\uDE00", -105, 1.5,
            micros(LocalDateTime.of(2024, 1, 2, 3, 4, 5, 123_456_000))), 1));
        assertEquals("{\"delete\":{\"id\":-9223372036854775808,\"s\":\"\",\"price\":0.05,\"d\":\"NaN\",\"ok\":false," +
            "\"ts\":\"1969-12-31 23:59:59.999\",\"n\":null,\"i\":-3}}\n",
            encode(encoder, row(Long.MIN_VALUE, "", 5, Double.NaN, -1000), -1));
    }

    @Test
    void jsonTimestampAndDecimalForms()
    {
        final JsonRecordEncoder encoder = new JsonRecordEncoder(SCHEMA);
        assertTrue(encode(encoder, row(1, "", Long.MIN_VALUE, 1e-7, 0), 1)
            .contains("\"price\":-92233720368547758.08,\"d\":0.0000001,\"ok\":true,\"ts\":\"1970-01-01 00:00:00\""));
        assertTrue(encode(encoder, row(1, "", 1, 1e-300, 0), 1).contains("\"d\":1.0E-300,"));
        assertTrue(encode(encoder, row(1, "", 1, -123456789.125, 0), 1).contains("\"d\":-123456789.125,"));
        assertTrue(encode(encoder, row(1, "", 1, 0.1 + 0.2, 0), 1).contains("\"d\":0.30000000000000004,"));
        assertTrue(encode(encoder, row(1, "", 1, 1e300, 0), 1).contains("\"d\":1.0E300,"));
        assertTrue(encode(encoder, row(100, "", 100, Double.NEGATIVE_INFINITY, Long.MAX_VALUE), 1)
            .contains("\"price\":1.00,\"d\":\"-Infinity\",\"ok\":true,\"ts\":9223372036854775807,"));
    }

    @Test
    void csvQuotesOnlyWhenNeededAndAppendsTheWeight()
    {
        final CsvRecordEncoder encoder = new CsvRecordEncoder(SCHEMA, (byte)',');
        assertEquals("7,plain,12.34,2.0,true,2000-02-29 12:00:00.500,,-3,1\n",
            encode(encoder, row(7, "plain", 1234, 2.0, micros(LocalDateTime.of(2000, 2, 29, 12, 0, 0, 500_000_000))), 1));
        assertEquals("-7,\"a,b \"\"q\"\"\nz\",-0.01,-Infinity,false,1970-01-01 00:00:00,,-3,-1\n",
            encode(encoder, row(-7, "a,b \"q\"\nz", -1, Double.NEGATIVE_INFINITY, 0), -1));
        assertEquals("1,\"\",0.00,0.0,true,1970-01-01 00:00:00,,-3,1\n", encode(encoder, row(1, "", 0, 0.0, 0), 1));
    }
}
