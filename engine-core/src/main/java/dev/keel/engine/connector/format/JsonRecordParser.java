package dev.keel.engine.connector.format;

import dev.keel.engine.data.Column;
import dev.keel.engine.data.ColumnType;
import dev.keel.engine.data.RowWriter;
import dev.keel.engine.data.Schema;
import org.agrona.DirectBuffer;
import org.agrona.ExpandableDirectByteBuffer;

import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;

/**
 * Parser of newline-delimited JSON: one JSON object per line, a small allocation-free tokenizer over the
 * bytes (no String per field or token; field names are compared with pre-encoded UTF-8 column names).
 * <p>
 * With {@link UpdateFormat#INSERT_DELETE} a line is {@code {"insert": {row}}} (weight +1) or
 * {@code {"delete": {row}}} (weight -1); with {@link UpdateFormat#RAW} the line is the row object (+1).
 * Blank lines are skipped. A row object maps field names to columns:
 * <ul>
 *   <li>INT32, INT64: an integer number (range checked);</li>
 *   <li>DECIMAL(s): a number or a string, at most {@code s} significant fraction digits, exact;</li>
 *   <li>FLOAT64: a number, or the string {@code "NaN"}, {@code "Infinity"}, {@code "-Infinity"};</li>
 *   <li>TIMESTAMP: integer microseconds since the epoch or a string
 *   {@code "YYYY-MM-DD HH:MM:SS[.ffffff]"} (UTC);</li>
 *   <li>BOOL: {@code true}, {@code false}; STRING: a string, all JSON escapes incl. surrogate pairs;</li>
 *   <li>{@code null} for a nullable column; a missing nullable column is null too.</li>
 * </ul>
 * Unknown fields, a field given twice, a missing non-nullable column and trailing text are errors.
 * String bytes other than escapes are copied as they are (input is expected to be UTF-8).
 */
public final class JsonRecordParser implements RecordParser
{
    private static final byte[] INSERT = "insert".getBytes(StandardCharsets.US_ASCII);
    private static final byte[] DELETE = "delete".getBytes(StandardCharsets.US_ASCII);
    private static final int MAX_SHOWN = 40;

    private final UpdateFormat updateFormat;
    private final Column[] columns;
    private final ColumnType[] types;
    private final byte[][] names;
    private final ValueDecoder values = new ValueDecoder();
    private final ExpandableDirectByteBuffer unescaped = new ExpandableDirectByteBuffer(256);

    private DirectBuffer buffer;
    private int position;
    private int end;
    private int stringStart;
    private int stringEnd;
    private boolean stringEscaped;
    private int nextColumnGuess;

    public JsonRecordParser(final Schema schema, final UpdateFormat updateFormat)
    {
        this.updateFormat = updateFormat;
        final int count = schema.columnCount();
        this.columns = new Column[count];
        this.types = new ColumnType[count];
        this.names = new byte[count][];
        for (int i = 0; i < count; i++)
        {
            columns[i] = schema.column(i);
            types[i] = schema.type(i);
            names[i] = columns[i].name().getBytes(StandardCharsets.UTF_8);
        }
    }

    public int findRecordEnd(final DirectBuffer buffer, final int start, final int limit)
    {
        return indexOfNewline(buffer, start, limit);
    }

    /** Index of the first {@code '\n'} in {@code [start, limit)} or -1; scans 8 bytes at a time. */
    static int indexOfNewline(final DirectBuffer buffer, final int start, final int limit)
    {
        int i = start;
        final long pattern = 0x0A0A0A0A0A0A0A0AL;
        for (; i + 8 <= limit; i += 8)
        {
            final long word = buffer.getLong(i, ByteOrder.LITTLE_ENDIAN) ^ pattern;
            final long found = (word - 0x0101010101010101L) & ~word & 0x8080808080808080L;
            if (found != 0)
            {
                return i + (Long.numberOfTrailingZeros(found) >>> 3);
            }
        }
        for (; i < limit; i++)
        {
            if (buffer.getByte(i) == '\n')
            {
                return i;
            }
        }
        return -1;
    }

    public boolean expectsHeader()
    {
        return false;
    }

    public void parseHeader(final DirectBuffer buffer, final int start, final int end)
    {
        throw new IllegalStateException("the json format has no header");
    }

    public long parse(final DirectBuffer buffer, final int start, final int end, final RowWriter writer)
    {
        this.buffer = buffer;
        this.position = start;
        this.end = end;
        skipWhitespace();
        if (position == end)
        {
            return 0;
        }
        writer.reset();
        long weight = 1;
        if (updateFormat == UpdateFormat.RAW)
        {
            parseRow(writer);
        }
        else
        {
            expect('{');
            skipWhitespace();
            if (position >= end || buffer.getByte(position) != '"')
            {
                throw new RecordParseException("expected {\"insert\": {...}} or {\"delete\": {...}}, got " + shown());
            }
            final int keyStart = position;
            scanString();
            if (!stringEscaped && rawEquals(INSERT))
            {
                weight = 1;
            }
            else if (!stringEscaped && rawEquals(DELETE))
            {
                weight = -1;
            }
            else
            {
                position = keyStart;
                throw new RecordParseException("expected \"insert\" or \"delete\", got " + shown());
            }
            skipWhitespace();
            expect(':');
            skipWhitespace();
            parseRow(writer);
            skipWhitespace();
            expect('}');
        }
        skipWhitespace();
        if (position != end)
        {
            throw new RecordParseException("unexpected text after the record: " + shown());
        }
        writer.finish();
        return weight;
    }

    private void parseRow(final RowWriter writer)
    {
        expect('{');
        skipWhitespace();
        if (position < end && buffer.getByte(position) == '}')
        {
            position++;
        }
        else
        {
            while (true)
            {
                if (position >= end || buffer.getByte(position) != '"')
                {
                    throw new RecordParseException("expected a field name, got " + shown());
                }
                final int keyStart = position;
                scanString();
                final int column = lookupColumn();
                if (column < 0)
                {
                    position = keyStart;
                    throw new RecordParseException("unknown field " + shown());
                }
                if (writer.isSet(column))
                {
                    throw new RecordParseException("column '" + columns[column].name() + "' appears twice");
                }
                skipWhitespace();
                expect(':');
                skipWhitespace();
                parseValue(column, writer);
                skipWhitespace();
                if (position < end && buffer.getByte(position) == ',')
                {
                    position++;
                    skipWhitespace();
                }
                else if (position < end && buffer.getByte(position) == '}')
                {
                    position++;
                    break;
                }
                else
                {
                    throw new RecordParseException("expected ',' or '}' after a field, got " + shown());
                }
            }
        }
        final int missing = writer.firstMissingColumn();
        if (missing >= 0)
        {
            throw new RecordParseException("missing column '" + columns[missing].name() + "' (not nullable)");
        }
    }

    private void parseValue(final int column, final RowWriter writer)
    {
        if (position >= end)
        {
            throw new RecordParseException("column '" + columns[column].name() + "' has no value");
        }
        final byte first = buffer.getByte(position);
        if (first == 'n')
        {
            if (literal("null"))
            {
                if (!columns[column].nullable())
                {
                    throw new RecordParseException("column '" + columns[column].name() + "' is not nullable, got null");
                }
                position += 4;
                writer.putNull(column);
                return;
            }
        }
        final boolean isNumber = first == '-' || (first >= '0' && first <= '9');
        final boolean isString = first == '"';
        switch (types[column])
        {
            case INT32:
            case INT64:
            {
                if (!isNumber)
                {
                    throw mismatch(column, "an integer", null);
                }
                final int valueStart = position;
                scanNumber();
                final boolean ok = types[column] == ColumnType.INT32 ?
                    values.parseInt(buffer, valueStart, position) : values.parseLong(buffer, valueStart, position);
                if (!ok)
                {
                    position = valueStart;
                    throw mismatch(column, "an integer", values.problem);
                }
                writer.putLong(column, values.longValue);
                break;
            }
            case FLOAT64:
            {
                final int valueStart = position;
                if (isNumber)
                {
                    scanNumber();
                    if (!values.parseDouble(buffer, valueStart, position, false))
                    {
                        position = valueStart;
                        throw mismatch(column, "a number", values.problem);
                    }
                }
                else if (isString)
                {
                    scanString();
                    if (stringEscaped || !values.parseDouble(buffer, stringStart, stringEnd, true) ||
                        !Double.isNaN(values.doubleValue) && !Double.isInfinite(values.doubleValue))
                    {
                        position = valueStart;
                        throw mismatch(column, "a number", null);
                    }
                }
                else
                {
                    throw mismatch(column, "a number", null);
                }
                writer.putDouble(column, values.doubleValue);
                break;
            }
            case DECIMAL:
            {
                final int valueStart = position;
                final boolean ok;
                if (isNumber)
                {
                    scanNumber();
                    ok = values.parseDecimal(buffer, valueStart, position, columns[column].scale());
                }
                else if (isString)
                {
                    scanString();
                    ok = !stringEscaped &&
                        values.parseDecimal(buffer, stringStart, stringEnd, columns[column].scale());
                }
                else
                {
                    throw mismatch(column, "a decimal number", null);
                }
                if (!ok)
                {
                    position = valueStart;
                    throw mismatch(column, "a decimal number with scale " + columns[column].scale(), values.problem);
                }
                writer.putLong(column, values.longValue);
                break;
            }
            case TIMESTAMP:
            {
                final int valueStart = position;
                final boolean ok;
                if (isNumber)
                {
                    scanNumber();
                    ok = values.parseLong(buffer, valueStart, position);
                }
                else if (isString)
                {
                    scanString();
                    ok = !stringEscaped && values.parseTimestamp(buffer, stringStart, stringEnd);
                }
                else
                {
                    throw mismatch(column, "a timestamp", null);
                }
                if (!ok)
                {
                    position = valueStart;
                    throw mismatch(column, "a timestamp", values.problem);
                }
                writer.putLong(column, values.longValue);
                break;
            }
            case BOOL:
                if (literal("true"))
                {
                    position += 4;
                    writer.putBool(column, true);
                }
                else if (literal("false"))
                {
                    position += 5;
                    writer.putBool(column, false);
                }
                else
                {
                    throw mismatch(column, "a boolean", null);
                }
                break;
            case STRING:
                if (!isString)
                {
                    throw mismatch(column, "a string", null);
                }
                scanString();
                if (stringEscaped)
                {
                    writer.putBytes(column, unescaped, 0, unescape());
                }
                else
                {
                    writer.putBytes(column, buffer, stringStart, stringEnd - stringStart);
                }
                break;
            default:
                throw new RecordParseException("column '" + columns[column].name() + "' has unsupported type " +
                    types[column]);
        }
    }

    private RecordParseException mismatch(final int column, final String expected, final String problem)
    {
        return new RecordParseException("column '" + columns[column].name() + "' expects " + expected + ", got " +
            shown() + (null == problem ? "" : " (" + problem + ")"));
    }

    private int lookupColumn()
    {
        final DirectBuffer nameBuffer;
        final int nameStart;
        final int nameLength;
        if (stringEscaped)
        {
            nameBuffer = unescaped;
            nameStart = 0;
            nameLength = unescape();
        }
        else
        {
            nameBuffer = buffer;
            nameStart = stringStart;
            nameLength = stringEnd - stringStart;
        }
        final int count = names.length;
        // fields usually come in schema order: try the column after the previous one first
        final int guess = nextColumnGuess;
        for (int k = 0; k < count; k++)
        {
            int column = guess + k;
            if (column >= count)
            {
                column -= count;
            }
            if (nameEquals(names[column], nameBuffer, nameStart, nameLength))
            {
                nextColumnGuess = column + 1 == count ? 0 : column + 1;
                return column;
            }
        }
        return -1;
    }

    private static boolean nameEquals(final byte[] name, final DirectBuffer buffer, final int start, final int length)
    {
        if (name.length != length)
        {
            return false;
        }
        for (int i = 0; i < length; i++)
        {
            if (name[i] != buffer.getByte(start + i))
            {
                return false;
            }
        }
        return true;
    }

    private boolean rawEquals(final byte[] expected)
    {
        return nameEquals(expected, buffer, stringStart, stringEnd - stringStart);
    }

    private void skipWhitespace()
    {
        while (position < end)
        {
            final byte b = buffer.getByte(position);
            if (b != ' ' && b != '\t' && b != '\r' && b != '\n')
            {
                return;
            }
            position++;
        }
    }

    private void expect(final char c)
    {
        if (position >= end || buffer.getByte(position) != c)
        {
            throw new RecordParseException("expected '" + c + "', got " + shown());
        }
        position++;
    }

    private boolean literal(final String ascii)
    {
        final int length = ascii.length();
        if (end - position < length)
        {
            return false;
        }
        for (int i = 0; i < length; i++)
        {
            if (buffer.getByte(position + i) != ascii.charAt(i))
            {
                return false;
            }
        }
        final int after = position + length;
        if (after < end)
        {
            final byte b = buffer.getByte(after);
            return b == ',' || b == '}' || b == ']' || b == ' ' || b == '\t' || b == '\r' || b == '\n';
        }
        return true;
    }

    private void scanNumber()
    {
        while (position < end)
        {
            final byte b = buffer.getByte(position);
            if ((b >= '0' && b <= '9') || b == '-' || b == '+' || b == '.' || b == 'e' || b == 'E')
            {
                position++;
            }
            else
            {
                return;
            }
        }
    }

    /** Scans a string starting at its opening quote; sets the raw range between the quotes. */
    private void scanString()
    {
        final int open = position;
        int i = position + 1;
        boolean escaped = false;
        while (true)
        {
            if (i >= end)
            {
                position = open;
                throw new RecordParseException("unterminated string " + shown());
            }
            final byte b = buffer.getByte(i);
            if (b == '"')
            {
                break;
            }
            if (b == '\\')
            {
                escaped = true;
                i += 2;
                continue;
            }
            if (b >= 0 && b < 0x20)
            {
                position = open;
                throw new RecordParseException("control character 0x" + Integer.toHexString(b) +
                    " inside a string (must be escaped): " + shown());
            }
            i++;
        }
        stringStart = open + 1;
        stringEnd = i;
        stringEscaped = escaped;
        position = i + 1;
    }

    /** Decodes the escapes of the last scanned string into {@link #unescaped}; returns its length. */
    private int unescape()
    {
        int out = 0;
        int i = stringStart;
        while (i < stringEnd)
        {
            final byte b = buffer.getByte(i);
            if (b != '\\')
            {
                unescaped.putByte(out++, b);
                i++;
                continue;
            }
            final byte e = buffer.getByte(i + 1);
            i += 2;
            switch (e)
            {
                case '"':
                case '\\':
                case '/':
                    unescaped.putByte(out++, e);
                    break;
                case 'b':
                    unescaped.putByte(out++, (byte)'\b');
                    break;
                case 'f':
                    unescaped.putByte(out++, (byte)'\f');
                    break;
                case 'n':
                    unescaped.putByte(out++, (byte)'\n');
                    break;
                case 'r':
                    unescaped.putByte(out++, (byte)'\r');
                    break;
                case 't':
                    unescaped.putByte(out++, (byte)'\t');
                    break;
                case 'u':
                {
                    int cp = hex4(i);
                    i += 4;
                    if (cp >= 0xD800 && cp <= 0xDBFF)
                    {
                        if (i + 6 > stringEnd || buffer.getByte(i) != '\\' || buffer.getByte(i + 1) != 'u')
                        {
                            throw badString("unpaired surrogate \\u" + Integer.toHexString(cp));
                        }
                        final int low = hex4(i + 2);
                        if (low < 0xDC00 || low > 0xDFFF)
                        {
                            throw badString("unpaired surrogate \\u" + Integer.toHexString(cp));
                        }
                        i += 6;
                        cp = 0x10000 + ((cp - 0xD800) << 10) + (low - 0xDC00);
                    }
                    else if (cp >= 0xDC00 && cp <= 0xDFFF)
                    {
                        throw badString("unpaired surrogate \\u" + Integer.toHexString(cp));
                    }
                    out = putCodePoint(cp, out);
                    break;
                }
                default:
                    throw badString("invalid escape \\" + (char)e);
            }
        }
        return out;
    }

    private int hex4(final int offset)
    {
        if (offset + 4 > stringEnd)
        {
            throw badString("truncated \\u escape");
        }
        int value = 0;
        for (int k = 0; k < 4; k++)
        {
            final int c = buffer.getByte(offset + k);
            final int digit;
            if (c >= '0' && c <= '9')
            {
                digit = c - '0';
            }
            else if (c >= 'a' && c <= 'f')
            {
                digit = c - 'a' + 10;
            }
            else if (c >= 'A' && c <= 'F')
            {
                digit = c - 'A' + 10;
            }
            else
            {
                throw badString("invalid \\u escape");
            }
            value = (value << 4) | digit;
        }
        return value;
    }

    private int putCodePoint(final int cp, final int offset)
    {
        int out = offset;
        if (cp < 0x80)
        {
            unescaped.putByte(out++, (byte)cp);
        }
        else if (cp < 0x800)
        {
            unescaped.putByte(out++, (byte)(0xC0 | (cp >> 6)));
            unescaped.putByte(out++, (byte)(0x80 | (cp & 0x3F)));
        }
        else if (cp < 0x10000)
        {
            unescaped.putByte(out++, (byte)(0xE0 | (cp >> 12)));
            unescaped.putByte(out++, (byte)(0x80 | ((cp >> 6) & 0x3F)));
            unescaped.putByte(out++, (byte)(0x80 | (cp & 0x3F)));
        }
        else
        {
            unescaped.putByte(out++, (byte)(0xF0 | (cp >> 18)));
            unescaped.putByte(out++, (byte)(0x80 | ((cp >> 12) & 0x3F)));
            unescaped.putByte(out++, (byte)(0x80 | ((cp >> 6) & 0x3F)));
            unescaped.putByte(out++, (byte)(0x80 | (cp & 0x3F)));
        }
        return out;
    }

    private RecordParseException badString(final String what)
    {
        final int saved = position;
        position = stringStart - 1;
        final String shown = shown();
        position = saved;
        return new RecordParseException(what + " in string " + shown);
    }

    /** The token at the current position, shortened, for error messages (allocates: error path only). */
    private String shown()
    {
        if (position >= end)
        {
            return "end of line";
        }
        int stop = position;
        if (buffer.getByte(position) == '"')
        {
            stop++;
            while (stop < end && buffer.getByte(stop) != '"')
            {
                stop += buffer.getByte(stop) == '\\' ? 2 : 1;
            }
            stop = Math.min(stop + 1, end);
        }
        else
        {
            while (stop < end)
            {
                final byte b = buffer.getByte(stop);
                if (b == ',' || b == '}' || b == ']' || b == ' ' || b == ':')
                {
                    break;
                }
                stop++;
            }
            stop = Math.max(stop, position + 1);
        }
        final boolean cut = stop - position > MAX_SHOWN;
        final int length = cut ? MAX_SHOWN : stop - position;
        final byte[] bytes = new byte[length];
        buffer.getBytes(position, bytes);
        return new String(bytes, StandardCharsets.UTF_8) + (cut ? "..." : "");
    }
}
