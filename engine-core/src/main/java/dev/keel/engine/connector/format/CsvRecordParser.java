package dev.keel.engine.connector.format;

import dev.keel.engine.data.Column;
import dev.keel.engine.data.ColumnType;
import dev.keel.engine.data.RowWriter;
import dev.keel.engine.data.Schema;
import org.agrona.DirectBuffer;
import org.agrona.ExpandableDirectByteBuffer;

import java.nio.charset.StandardCharsets;
import java.util.Arrays;

/**
 * Parser of RFC 4180 CSV, allocation-free per record. Fields are separated by the delimiter (default
 * {@code ,}); a field in double quotes may hold delimiters, line breaks and doubled quotes ({@code ""}).
 * Records end at a line break outside quotes; a trailing {@code \r} is dropped; empty lines are skipped.
 * <p>
 * Columns are in schema order, or, with {@code header}, in the order named by the first line (columns
 * it does not name are null, and must be nullable). With {@code weight_column} a last field carries the
 * record's integer weight (as written by {@link CsvRecordEncoder}); otherwise every record is an insert.
 * Values: an empty unquoted field is NULL (nullable columns; an empty string for a non-nullable STRING);
 * a quoted empty field {@code ""} is the empty string. Numbers, decimals and timestamps take the text
 * forms of {@link ValueDecoder}; TIMESTAMP also takes integer microseconds; BOOL is {@code true} or
 * {@code false} in any case.
 */
public final class CsvRecordParser implements RecordParser
{
    private static final int MAX_SHOWN = 40;

    private final Column[] columns;
    private final ColumnType[] types;
    private final boolean header;
    private final boolean weightColumn;
    private final byte delimiter;
    private final ValueDecoder values = new ValueDecoder();
    private final ExpandableDirectByteBuffer unescaped = new ExpandableDirectByteBuffer(256);
    private int[] fieldColumns;
    private int fieldStart;
    private int fieldStop;
    private boolean quotedField;
    private boolean escapedField;

    public CsvRecordParser(
        final Schema schema, final boolean header, final boolean weightColumn, final byte delimiter)
    {
        final int count = schema.columnCount();
        this.columns = new Column[count];
        this.types = new ColumnType[count];
        for (int i = 0; i < count; i++)
        {
            columns[i] = schema.column(i);
            types[i] = schema.type(i);
        }
        this.header = header;
        this.weightColumn = weightColumn;
        this.delimiter = delimiter;
        this.fieldColumns = new int[count];
        for (int i = 0; i < count; i++)
        {
            fieldColumns[i] = i;
        }
    }

    public int findRecordEnd(final DirectBuffer buffer, final int start, final int limit)
    {
        // a doubled quote toggles twice, so tracking the parity of quotes is enough for RFC 4180
        boolean quoted = false;
        for (int i = start; i < limit; i++)
        {
            final byte b = buffer.getByte(i);
            if (b == '"')
            {
                quoted = !quoted;
            }
            else if (b == '\n' && !quoted)
            {
                return i;
            }
        }
        return -1;
    }

    public boolean expectsHeader()
    {
        return header;
    }

    public void parseHeader(final DirectBuffer buffer, final int start, final int end)
    {
        final int[] mapping = new int[columns.length + 1];
        int fields = 0;
        int position = start;
        final int last = end;
        while (true)
        {
            final int fieldEnd = scanField(buffer, position, last, fields);
            final int nameLength;
            final DirectBuffer nameBuffer;
            final int nameStart;
            if (quotedField)
            {
                nameBuffer = unescaped;
                nameStart = 0;
                nameLength = unquote(buffer, fieldStart, fieldStop);
            }
            else
            {
                nameBuffer = buffer;
                nameStart = fieldStart;
                nameLength = fieldStop - fieldStart;
            }
            final byte[] nameBytes = new byte[nameLength];
            nameBuffer.getBytes(nameStart, nameBytes);
            final String name = new String(nameBytes, StandardCharsets.UTF_8);
            final boolean isWeight = weightColumn && fieldEnd >= last && fields > 0;
            if (!isWeight)
            {
                int column = -1;
                for (int i = 0; i < columns.length; i++)
                {
                    if (columns[i].name().equals(name))
                    {
                        column = i;
                    }
                }
                if (column < 0)
                {
                    throw new RecordParseException("header names unknown column '" + name + "'");
                }
                for (int i = 0; i < fields; i++)
                {
                    if (mapping[i] == column)
                    {
                        throw new RecordParseException("header names column '" + name + "' twice");
                    }
                }
                if (fields == columns.length)
                {
                    throw new RecordParseException("header has more fields than the schema has columns");
                }
                mapping[fields++] = column;
            }
            if (fieldEnd >= last)
            {
                break;
            }
            position = fieldEnd + 1;
        }
        fieldColumns = Arrays.copyOf(mapping, fields);
        for (int i = 0; i < columns.length; i++)
        {
            boolean named = false;
            for (int j = 0; j < fields; j++)
            {
                named |= fieldColumns[j] == i;
            }
            if (!named && !columns[i].nullable())
            {
                throw new RecordParseException("header does not name column '" + columns[i].name() +
                    "' (not nullable)");
            }
        }
    }

    /**
     * Scans field number {@code field} starting at {@code position}; sets its content range and returns the
     * index of the delimiter after it, or {@code end}.
     */
    private int scanField(final DirectBuffer buffer, final int position, final int end, final int field)
    {
        if (position < end && buffer.getByte(position) == '"')
        {
            int i = position + 1;
            boolean escaped = false;
            while (true)
            {
                if (i >= end)
                {
                    throw new RecordParseException("field " + (field + 1) + " has an unterminated quote: " +
                        shown(buffer, position, end));
                }
                if (buffer.getByte(i) == '"')
                {
                    if (i + 1 < end && buffer.getByte(i + 1) == '"')
                    {
                        escaped = true;
                        i += 2;
                        continue;
                    }
                    break;
                }
                i++;
            }
            fieldStart = position + 1;
            fieldStop = i;
            quotedField = true;
            escapedField = escaped;
            final int after = i + 1;
            if (after < end && buffer.getByte(after) != delimiter)
            {
                throw new RecordParseException("field " + (field + 1) + " has text after its closing quote: " +
                    shown(buffer, position, end));
            }
            return after;
        }
        int i = position;
        while (i < end && buffer.getByte(i) != delimiter)
        {
            i++;
        }
        fieldStart = position;
        fieldStop = i;
        quotedField = false;
        escapedField = false;
        return i;
    }

    private int unquote(final DirectBuffer buffer, final int start, final int stop)
    {
        int out = 0;
        for (int i = start; i < stop; i++)
        {
            final byte b = buffer.getByte(i);
            unescaped.putByte(out++, b);
            if (b == '"')
            {
                i++;
            }
        }
        return out;
    }

    public long parse(final DirectBuffer buffer, final int start, final int end, final RowWriter writer)
    {
        if (start == end)
        {
            return 0;
        }
        writer.reset();
        final int[] fieldColumns = this.fieldColumns;
        final int expected = fieldColumns.length + (weightColumn ? 1 : 0);
        long weight = 1;
        int fields = 0;
        int position = start;
        while (true)
        {
            final int fieldEnd = scanField(buffer, position, end, fields);
            if (fields >= expected)
            {
                throw new RecordParseException("expected " + expected + " fields, got more");
            }
            if (fields < fieldColumns.length)
            {
                putField(buffer, fieldColumns[fields], writer);
            }
            else
            {
                if (quotedField || !values.parseLong(buffer, fieldStart, fieldStop) || values.longValue == 0)
                {
                    throw new RecordParseException("weight field expects a non-zero integer, got " +
                        shown(buffer, fieldStart, fieldStop));
                }
                weight = values.longValue;
            }
            fields++;
            if (fieldEnd >= end)
            {
                break;
            }
            position = fieldEnd + 1;
            if (position == end)
            {
                // a delimiter at the end of the line opens one more, empty field
                if (fields >= expected)
                {
                    throw new RecordParseException("expected " + expected + " fields, got more");
                }
                fieldStart = end;
                fieldStop = end;
                quotedField = false;
                escapedField = false;
                if (fields < fieldColumns.length)
                {
                    putField(buffer, fieldColumns[fields], writer);
                }
                else
                {
                    throw new RecordParseException("weight field expects a non-zero integer, got an empty field");
                }
                fields++;
                break;
            }
        }
        if (fields != expected)
        {
            throw new RecordParseException("expected " + expected + " fields, got " + fields);
        }
        final int missing = writer.firstMissingColumn();
        if (missing >= 0)
        {
            throw new RecordParseException("missing column '" + columns[missing].name() + "' (not nullable)");
        }
        writer.finish();
        return weight;
    }

    private void putField(final DirectBuffer buffer, final int column, final RowWriter writer)
    {
        final int start = fieldStart;
        final int stop = fieldStop;
        if (start == stop && !quotedField)
        {
            if (columns[column].nullable())
            {
                writer.putNull(column);
                return;
            }
            if (types[column] != ColumnType.STRING)
            {
                throw new RecordParseException("column '" + columns[column].name() +
                    "' is not nullable, got an empty field");
            }
        }
        switch (types[column])
        {
            case STRING:
                if (escapedField)
                {
                    writer.putBytes(column, unescaped, 0, unquote(buffer, start, stop));
                }
                else
                {
                    writer.putBytes(column, buffer, start, stop - start);
                }
                return;
            case INT32:
                check(values.parseInt(buffer, start, stop), column, "an integer",
                    buffer);
                writer.putLong(column, values.longValue);
                return;
            case INT64:
                check(values.parseLong(buffer, start, stop), column, "an integer", buffer);
                writer.putLong(column, values.longValue);
                return;
            case DECIMAL:
                check(values.parseDecimal(buffer, start, stop, columns[column].scale()), column,
                    "a decimal number with scale " + columns[column].scale(), buffer);
                writer.putLong(column, values.longValue);
                return;
            case FLOAT64:
                check(values.parseDouble(buffer, start, stop, true), column, "a number", buffer);
                writer.putDouble(column, values.doubleValue);
                return;
            case TIMESTAMP:
            {
                final boolean text = stop - start >= 19 && buffer.getByte(start + 4) == '-';
                check(text ? values.parseTimestamp(buffer, start, stop) : values.parseLong(buffer, start, stop),
                    column, "a timestamp", buffer);
                writer.putLong(column, values.longValue);
                return;
            }
            case BOOL:
                if (equalsIgnoreCase(buffer, start, stop, "true"))
                {
                    writer.putBool(column, true);
                }
                else if (equalsIgnoreCase(buffer, start, stop, "false"))
                {
                    writer.putBool(column, false);
                }
                else
                {
                    values.problem = null;
                    check(false, column, "a boolean", buffer);
                }
                return;
            default:
                throw new RecordParseException("column '" + columns[column].name() + "' has unsupported type " +
                    types[column]);
        }
    }

    private void check(final boolean ok, final int column, final String expected, final DirectBuffer buffer)
    {
        if (!ok)
        {
            throw new RecordParseException("column '" + columns[column].name() + "' expects " + expected +
                ", got " + (fieldStart == fieldStop ? "an empty field" : shown(buffer, fieldStart, fieldStop)) +
                (null == values.problem ? "" : " (" + values.problem + ")"));
        }
    }

    private static boolean equalsIgnoreCase(
        final DirectBuffer buffer, final int start, final int stop, final String lowerAscii)
    {
        final int length = lowerAscii.length();
        if (stop - start != length)
        {
            return false;
        }
        for (int i = 0; i < length; i++)
        {
            if ((buffer.getByte(start + i) | 0x20) != lowerAscii.charAt(i))
            {
                return false;
            }
        }
        return true;
    }

    private static String shown(final DirectBuffer buffer, final int start, final int stop)
    {
        final boolean cut = stop - start > MAX_SHOWN;
        final byte[] bytes = new byte[cut ? MAX_SHOWN : stop - start];
        buffer.getBytes(start, bytes);
        return "\"" + new String(bytes, StandardCharsets.UTF_8) + (cut ? "...\"" : "\"");
    }
}
