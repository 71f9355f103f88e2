package dev.keel.engine.data;

import org.agrona.DirectBuffer;
import org.agrona.ExpandableDirectByteBuffer;
import org.agrona.MutableDirectBuffer;
import org.agrona.concurrent.UnsafeBuffer;

import java.nio.ByteOrder;

/**
 * Builds one row of a {@link Schema} in a reusable off-heap buffer (layout: see {@link Schema}).
 * <p>
 * Usage: {@link #reset()}, one {@code put*} per column in any order, then {@link #finish()}, which
 * checks that every non-nullable column was set, makes the encoding canonical and returns the length;
 * the row is then {@code buffer()[0, length)}. Reuse the writer for the next row: no allocation.
 * Not thread safe.
 */
public final class RowWriter
{
    private static final ByteOrder LE = ByteOrder.LITTLE_ENDIAN;

    private final Schema schema;
    private final int fixedLength;
    private final ExpandableDirectByteBuffer buffer;
    /**
     * The fixed section is written through this view of {@link #buffer}: it always fits, and the expandable
     * buffer's own puts check its capacity on every call. Re-wrapped after every variable-length write,
     * which may have moved the buffer.
     */
    private final UnsafeBuffer fixed;
    private ExpandableDirectByteBuffer scratch;
    private long setMask;
    private long nullBits;
    private int limit;
    private int lastVarColumn;
    private boolean varOutOfOrder;

    public RowWriter(final Schema schema)
    {
        this.schema = schema;
        this.fixedLength = schema.fixedLength();
        this.buffer = new ExpandableDirectByteBuffer(Math.max(64, fixedLength * 2));
        this.fixed = new UnsafeBuffer(buffer.byteBuffer());
        reset();
    }

    public Schema schema()
    {
        return schema;
    }

    /** Starts a new row. */
    public RowWriter reset()
    {
        fixed.setMemory(0, fixedLength, (byte)0);
        setMask = 0;
        nullBits = 0;
        limit = fixedLength;
        lastVarColumn = -1;
        varOutOfOrder = false;
        return this;
    }

    public RowWriter putLong(final int column, final long value)
    {
        mark(column);
        fixed.putLong(Schema.slotOffset(column), value, LE);
        return this;
    }

    public RowWriter putInt(final int column, final int value)
    {
        return putLong(column, value);
    }

    public RowWriter putDouble(final int column, final double value)
    {
        mark(column);
        // canonical: -0.0 and 0.0 compare equal in SQL, keep one encoding
        fixed.putLong(Schema.slotOffset(column), Double.doubleToLongBits(value == 0.0 ? 0.0 : value), LE);
        return this;
    }

    public RowWriter putBool(final int column, final boolean value)
    {
        mark(column);
        fixed.putLong(Schema.slotOffset(column), value ? 1 : 0, LE);
        return this;
    }

    public RowWriter putNull(final int column)
    {
        if (!schema.column(column).nullable())
        {
            throw new IllegalArgumentException("column " + schema.column(column).name() + " is not nullable");
        }
        mark(column);
        nullBits |= 1L << column;
        return this;
    }

    /** Encodes {@code value} as UTF-8 into the row without allocating. */
    public RowWriter putString(final int column, final CharSequence value)
    {
        final int start = beginVar(column);
        final int length = Utf8.encode(value, buffer, start);
        return endVar(column, start, length);
    }

    /** Puts raw bytes (or already-encoded UTF-8 for a STRING column). */
    public RowWriter putBytes(final int column, final DirectBuffer src, final int offset, final int length)
    {
        final int start = beginVar(column);
        buffer.putBytes(start, src, offset, length);
        return endVar(column, start, length);
    }

    public RowWriter putBytes(final int column, final byte[] src)
    {
        final int start = beginVar(column);
        buffer.putBytes(start, src);
        return endVar(column, start, src.length);
    }

    /** Copies column {@code srcColumn} of {@code src} (same type) into {@code column} of this row. */
    public RowWriter copyColumn(final int column, final RowView src, final int srcColumn)
    {
        if (src.isNull(srcColumn))
        {
            return putNull(column);
        }
        if (schema.type(column).isVariableLength())
        {
            return putBytes(column, src.buffer(), src.varOffset(srcColumn), src.varLength(srcColumn));
        }
        mark(column);
        fixed.putLong(Schema.slotOffset(column), src.rawSlot(srcColumn), LE);
        return this;
    }

    /** True if the column has been set since {@link #reset()}. */
    public boolean isSet(final int column)
    {
        return (setMask & (1L << column)) != 0;
    }

    /** First non-nullable column not yet set, or -1. */
    public int firstMissingColumn()
    {
        for (int i = 0; i < schema.columnCount(); i++)
        {
            if (!isSet(i) && !schema.column(i).nullable())
            {
                return i;
            }
        }
        return -1;
    }

    /**
     * Completes the row: unset nullable columns become null; an unset non-nullable column is an error.
     *
     * @return the row length in {@link #buffer()} from offset 0.
     */
    public int finish()
    {
        final int columnCount = schema.columnCount();
        final long all = columnCount == 64 ? -1L : (1L << columnCount) - 1;
        if (setMask != all)
        {
            final int missing = firstMissingColumn();
            if (missing >= 0)
            {
                throw new IllegalStateException("column " + schema.column(missing).name() + " was not set");
            }
            nullBits |= all & ~setMask;
        }
        fixed.putLong(0, nullBits, LE);
        if (varOutOfOrder)
        {
            canonicalizeVarSection();
        }
        return limit;
    }

    /** The row's bytes after {@link #finish()}, from offset 0. */
    public MutableDirectBuffer buffer()
    {
        return buffer;
    }

    public int length()
    {
        return limit;
    }

    private void mark(final int column)
    {
        final long bit = 1L << column;
        if ((setMask & bit) != 0)
        {
            throw new IllegalStateException("column " + schema.column(column).name() + " set twice in one row");
        }
        setMask |= bit;
    }

    private int beginVar(final int column)
    {
        if (!schema.type(column).isVariableLength())
        {
            throw new IllegalArgumentException("column " + schema.column(column).name() + " is " +
                schema.type(column) + ", not STRING or BYTES");
        }
        mark(column);
        if (column < lastVarColumn)
        {
            varOutOfOrder = true;
        }
        lastVarColumn = column;
        return limit;
    }

    private RowWriter endVar(final int column, final int start, final int length)
    {
        if (fixed.addressOffset() != buffer.addressOffset())
        {
            fixed.wrap(buffer.byteBuffer());
        }
        final int slot = Schema.slotOffset(column);
        fixed.putInt(slot, start, LE);
        fixed.putInt(slot + 4, length, LE);
        limit = start + length;
        return this;
    }

    private void canonicalizeVarSection()
    {
        if (null == scratch)
        {
            scratch = new ExpandableDirectByteBuffer(256);
        }
        int position = fixedLength;
        for (int i = 0; i < schema.columnCount(); i++)
        {
            if (schema.type(i).isVariableLength() && (nullBits & (1L << i)) == 0)
            {
                final int slot = Schema.slotOffset(i);
                final int offset = buffer.getInt(slot, LE);
                final int length = buffer.getInt(slot + 4, LE);
                scratch.putBytes(position, buffer, offset, length);
                buffer.putInt(slot, position, LE);
                position += length;
            }
        }
        buffer.putBytes(fixedLength, scratch, fixedLength, position - fixedLength);
        limit = position;
        varOutOfOrder = false;
    }
}
