package dev.keel.engine.connector.format;

import dev.keel.engine.data.Column;
import dev.keel.engine.data.ColumnType;
import dev.keel.engine.data.RowView;
import dev.keel.engine.data.Schema;
import org.agrona.DirectBuffer;
import org.agrona.ExpandableDirectByteBuffer;

/**
 * Encoder of RFC 4180 CSV changes: the columns in schema order, then the weight as an integer,
 * {@code 1} for an insert and {@code -1} for a delete, no header:
 * <pre>
 *   1,"a,b ""q""",1.05,2024-01-02 03:04:05.123456,true,,1
 * </pre>
 * NULL is an empty unquoted field; a string is quoted when it is empty or holds the delimiter, a quote,
 * {@code \r} or {@code \n} (quotes doubled). Numbers, decimals and timestamps as in {@link ValueEncoder}.
 * {@link CsvRecordParser} with {@code weight_column: true} reads it back.
 */
public final class CsvRecordEncoder implements RecordEncoder
{
    private final Column[] columns;
    private final ColumnType[] types;
    private final byte delimiter;
    private final ValueEncoder values = new ValueEncoder();

    public CsvRecordEncoder(final Schema schema, final byte delimiter)
    {
        final int count = schema.columnCount();
        this.columns = new Column[count];
        this.types = new ColumnType[count];
        for (int i = 0; i < count; i++)
        {
            columns[i] = schema.column(i);
            types[i] = schema.type(i);
        }
        this.delimiter = delimiter;
    }

    public int encode(final RowView row, final long sign, final ExpandableDirectByteBuffer out, final int offset)
    {
        int position = offset;
        for (int i = 0; i < columns.length; i++)
        {
            if (i > 0)
            {
                out.putByte(position++, delimiter);
            }
            if (row.isNull(i))
            {
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
                    position = values.putDouble(out, position, row.getDouble(i));
                    break;
                case BOOL:
                    position += out.putStringWithoutLengthAscii(position, row.getBool(i) ? "true" : "false");
                    break;
                case TIMESTAMP:
                {
                    final long micros = row.getLong(i);
                    position = ValueEncoder.hasTimestampText(micros) ?
                        ValueEncoder.putTimestamp(out, position, micros) : position + out.putLongAscii(position, micros);
                    break;
                }
                case STRING:
                    position = putString(out, position, row.buffer(), row.varOffset(i), row.varLength(i));
                    break;
                default:
                    throw new IllegalStateException("column '" + columns[i].name() + "': type " + types[i] +
                        " has no CSV encoding");
            }
        }
        out.putByte(position++, delimiter);
        if (sign < 0)
        {
            out.putByte(position++, (byte)'-');
        }
        out.putByte(position++, (byte)'1');
        out.putByte(position++, (byte)'\n');
        return position;
    }

    private int putString(
        final ExpandableDirectByteBuffer out, final int offset, final DirectBuffer src, final int start,
        final int length)
    {
        final int end = start + length;
        boolean quote = length == 0;
        for (int i = start; i < end && !quote; i++)
        {
            final byte b = src.getByte(i);
            quote = b == delimiter || b == '"' || b == '\n' || b == '\r';
        }
        if (!quote)
        {
            out.putBytes(offset, src, start, length);
            return offset + length;
        }
        int position = offset;
        out.putByte(position++, (byte)'"');
        for (int i = start; i < end; i++)
        {
            final byte b = src.getByte(i);
            out.putByte(position++, b);
            if (b == '"')
            {
                out.putByte(position++, (byte)'"');
            }
        }
        out.putByte(position++, (byte)'"');
        return position;
    }
}
