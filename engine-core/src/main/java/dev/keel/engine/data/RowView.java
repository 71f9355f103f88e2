package dev.keel.engine.data;

import org.agrona.DirectBuffer;

import java.nio.ByteOrder;

/**
 * Flyweight over one encoded row (layout: see {@link Schema}). Wrap it over any buffer region; it
 * never copies or allocates except in the {@code String}-returning convenience methods.
 */
public final class RowView
{
    private static final ByteOrder LE = ByteOrder.LITTLE_ENDIAN;

    private final Schema schema;
    private DirectBuffer buffer;
    private int offset;
    private int length;

    public RowView(final Schema schema)
    {
        this.schema = schema;
    }

    public RowView wrap(final DirectBuffer buffer, final int offset, final int length)
    {
        this.buffer = buffer;
        this.offset = offset;
        this.length = length;
        return this;
    }

    public RowView wrap(final RowWriter writer)
    {
        return wrap(writer.buffer(), 0, writer.length());
    }

    public Schema schema()
    {
        return schema;
    }

    public DirectBuffer buffer()
    {
        return buffer;
    }

    public int offset()
    {
        return offset;
    }

    public int length()
    {
        return length;
    }

    public boolean isNull(final int column)
    {
        return (buffer.getLong(offset, LE) & (1L << column)) != 0;
    }

    public long getLong(final int column)
    {
        return buffer.getLong(offset + Schema.slotOffset(column), LE);
    }

    public int getInt(final int column)
    {
        return (int)getLong(column);
    }

    public double getDouble(final int column)
    {
        return Double.longBitsToDouble(getLong(column));
    }

    public boolean getBool(final int column)
    {
        return getLong(column) != 0;
    }

    /** The raw 8-byte slot, for copying a fixed-size column without interpreting it. */
    public long rawSlot(final int column)
    {
        return getLong(column);
    }

    /** Absolute offset in {@link #buffer()} of a STRING/BYTES column's bytes. */
    public int varOffset(final int column)
    {
        return offset + buffer.getInt(offset + Schema.slotOffset(column), LE);
    }

    public int varLength(final int column)
    {
        return buffer.getInt(offset + Schema.slotOffset(column) + 4, LE);
    }

    /** Appends a STRING column's text to {@code out} without allocating. */
    public StringBuilder appendString(final int column, final StringBuilder out)
    {
        Utf8.decode(buffer, varOffset(column), varLength(column), out);
        return out;
    }

    /** Allocates: for tests, tools and sinks off the hot path. */
    public String getString(final int column)
    {
        if (isNull(column))
        {
            return null;
        }
        return appendString(column, new StringBuilder(varLength(column))).toString();
    }

    public byte[] getBytes(final int column)
    {
        final byte[] bytes = new byte[varLength(column)];
        buffer.getBytes(varOffset(column), bytes);
        return bytes;
    }

    public long hash()
    {
        return Hashing.hash(buffer, offset, length);
    }

    /** True if both rows have the same bytes (rows are canonical, so: the same values). */
    public boolean contentEquals(final DirectBuffer other, final int otherOffset, final int otherLength)
    {
        if (length != otherLength)
        {
            return false;
        }
        return Bytes.equals(buffer, offset, other, otherOffset, length);
    }

    /** SQL ordering of one column against a column of another row; nulls first. */
    public int compareColumn(final int column, final RowView other, final int otherColumn)
    {
        final boolean aNull = isNull(column);
        final boolean bNull = other.isNull(otherColumn);
        if (aNull || bNull)
        {
            return aNull == bNull ? 0 : (aNull ? -1 : 1);
        }
        switch (schema.type(column))
        {
            case FLOAT64:
                return Double.compare(getDouble(column), other.getDouble(otherColumn));
            case STRING:
            case BYTES:
                return Utf8.compare(buffer, varOffset(column), varLength(column),
                    other.buffer, other.varOffset(otherColumn), other.varLength(otherColumn));
            default:
                return Long.compare(getLong(column), other.getLong(otherColumn));
        }
    }

    /** Human-readable form for logs and test failures (allocates). */
    public String toString()
    {
        if (null == buffer)
        {
            return "RowView{unwrapped}";
        }
        final StringBuilder sb = new StringBuilder("(");
        for (int i = 0; i < schema.columnCount(); i++)
        {
            if (i > 0)
            {
                sb.append(", ");
            }
            if (isNull(i))
            {
                sb.append("NULL");
                continue;
            }
            switch (schema.type(i))
            {
                case FLOAT64:
                    sb.append(getDouble(i));
                    break;
                case BOOL:
                    sb.append(getBool(i));
                    break;
                case STRING:
                    sb.append('\'');
                    appendString(i, sb);
                    sb.append('\'');
                    break;
                case BYTES:
                    sb.append("<").append(varLength(i)).append(" bytes>");
                    break;
                default:
                    sb.append(getLong(i));
            }
        }
        return sb.append(')').toString();
    }
}
