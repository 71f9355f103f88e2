package dev.keel.engine.connector.format;

import dev.keel.engine.data.Column;
import dev.keel.engine.data.ColumnType;
import dev.keel.engine.data.RowView;
import dev.keel.engine.data.Schema;
import org.agrona.DirectBuffer;
import org.agrona.ExpandableDirectByteBuffer;

import java.nio.charset.StandardCharsets;

/**
 * Encoder of newline-delimited JSON changes in Feldera's {@code insert_delete} form, compact, columns in
 * schema order:
 * <pre>
 *   {"insert":{"id":1,"symbol":"A\"B","price":1.05,"ts":"2024-01-02 03:04:05.123456","ok":true,"n":null}}
 *   {"delete":{...}}
 * </pre>
 * INT32/INT64 as integers, DECIMAL as a number with exactly {@code scale} fraction digits, FLOAT64 as a
 * number (NaN and the infinities as the strings {@code "NaN"}, {@code "Infinity"}, {@code "-Infinity"}),
 * BOOL as {@code true}/{@code false}, TIMESTAMP as a string in the form described in
 * {@link ValueEncoder}, STRING as a JSON string (quote, backslash and control characters escaped, other
 * UTF-8 bytes as they are), NULL as {@code null}. {@link JsonRecordParser} reads all of it back.
 */
public final class JsonRecordEncoder implements RecordEncoder
{
    private static final byte[] INSERT = "{\"insert\":{".getBytes(StandardCharsets.US_ASCII);
    private static final byte[] DELETE = "{\"delete\":{".getBytes(StandardCharsets.US_ASCII);
    private static final byte[] NULL = "null".getBytes(StandardCharsets.US_ASCII);
    private static final byte[] TRUE = "true".getBytes(StandardCharsets.US_ASCII);
    private static final byte[] FALSE = "false".getBytes(StandardCharsets.US_ASCII);
    private static final byte[] HEX = "0123456789abcdef".getBytes(StandardCharsets.US_ASCII);

    private final Column[] columns;
    private final ColumnType[] types;
    private final byte[][] fieldPrefixes;
    private final ValueEncoder values = new ValueEncoder();

    public JsonRecordEncoder(final Schema schema)
    {
        final int count = schema.columnCount();
        this.columns = new Column[count];
        this.types = new ColumnType[count];
        this.fieldPrefixes = new byte[count][];
        final ExpandableDirectByteBuffer scratch = new ExpandableDirectByteBuffer(64);
        for (int i = 0; i < count; i++)
        {
            columns[i] = schema.column(i);
            types[i] = schema.type(i);
            final byte[] name = columns[i].name().getBytes(StandardCharsets.UTF_8);
            scratch.putBytes(0, name);
            int length = 0;
            final ExpandableDirectByteBuffer prefix = new ExpandableDirectByteBuffer(64);
            if (i > 0)
            {
                prefix.putByte(length++, (byte)',');
            }
            length = putString(prefix, length, scratch, 0, name.length);
            prefix.putByte(length++, (byte)':');
            fieldPrefixes[i] = new byte[length];
            prefix.getBytes(0, fieldPrefixes[i]);
        }
    }

    public int encode(final RowView row, final long sign, final ExpandableDirectByteBuffer out, final int offset)
    {
        int position = offset;
        final byte[] head = sign < 0 ? DELETE : INSERT;
        out.putBytes(position, head);
        position += head.length;
        for (int i = 0; i < columns.length; i++)
        {
            final byte[] prefix = fieldPrefixes[i];
            out.putBytes(position, prefix);
            position += prefix.length;
            if (row.isNull(i))
            {
                out.putBytes(position, NULL);
                position += NULL.length;
                continue;
            }
            switch (types[i])
            {
                case INT32:
                case INT64:
                    position += out.putLongAscii(position, row.getLong(i));
                    break;
                case DECIMAL:
                    position = ValueEncoder.putDecimal(out, position, row.getLong(i), columns[i].scale());
                    break;
                case FLOAT64:
                {
                    final double value = row.getDouble(i);
                    final boolean special = Double.isNaN(value) || Double.isInfinite(value);
                    if (special)
                    {
                        out.putByte(position++, (byte)'"');
                    }
                    position = values.putDouble(out, position, value);
                    if (special)
                    {
                        out.putByte(position++, (byte)'"');
                    }
                    break;
                }
                case BOOL:
                {
                    final byte[] literal = row.getBool(i) ? TRUE : FALSE;
                    out.putBytes(position, literal);
                    position += literal.length;
                    break;
                }
                case TIMESTAMP:
                {
                    final long micros = row.getLong(i);
                    if (ValueEncoder.hasTimestampText(micros))
                    {
                        out.putByte(position++, (byte)'"');
                        position = ValueEncoder.putTimestamp(out, position, micros);
                        out.putByte(position++, (byte)'"');
                    }
                    else
                    {
                        position += out.putLongAscii(position, micros);
                    }
                    break;
                }
                case STRING:
                    position = putString(out, position, row.buffer(), row.varOffset(i), row.varLength(i));
                    break;
                default:
                    throw new IllegalStateException("column '" + columns[i].name() + "': type " + types[i] +
                        " has no JSON encoding");
            }
        }
        out.putByte(position++, (byte)'}');
        out.putByte(position++, (byte)'}');
        out.putByte(position++, (byte)'\n');
        return position;
    }

    /** Writes UTF-8 {@code [start, start + length)} of {@code src} as a quoted, escaped JSON string. */
    static int putString(
        final ExpandableDirectByteBuffer out, final int offset, final DirectBuffer src, final int start,
        final int length)
    {
        int position = offset;
        out.putByte(position++, (byte)'"');
        final int end = start + length;
        int runStart = start;
        for (int i = start; i < end; i++)
        {
            final byte b = src.getByte(i);
            if (b != '"' && b != '\\' && (b < 0 || b >= 0x20))
            {
                continue;
            }
            if (i > runStart)
            {
                out.putBytes(position, src, runStart, i - runStart);
                position += i - runStart;
            }
            runStart = i + 1;
            out.putByte(position++, (byte)'\\');
            switch (b)
            {
                case '"':
                case '\\':
                    out.putByte(position++, b);
                    break;
                case '\n':
                    out.putByte(position++, (byte)'n');
                    break;
                case '\r':
                    out.putByte(position++, (byte)'r');
                    break;
                case '\t':
                    out.putByte(position++, (byte)'t');
                    break;
                case '\b':
                    out.putByte(position++, (byte)'b');
                    break;
                case '\f':
                    out.putByte(position++, (byte)'f');
                    break;
                default:
                    out.putByte(position++, (byte)'u');
                    out.putByte(position++, (byte)'0');
                    out.putByte(position++, (byte)'0');
                    out.putByte(position++, HEX[(b >> 4) & 0xF]);
                    out.putByte(position++, HEX[b & 0xF]);
            }
        }
        if (end > runStart)
        {
            out.putBytes(position, src, runStart, end - runStart);
            position += end - runStart;
        }
        out.putByte(position++, (byte)'"');
        return position;
    }
}
