package dev.keel.engine.state;

import org.agrona.ExpandableArrayBuffer;

import java.nio.ByteOrder;
import java.util.Arrays;

/**
 * A small sequential buffer for the metadata of stateful components (sizes, table page indexes,
 * allocator heads): written at a checkpoint, read back in the same order at restore. The pages
 * themselves are not in here; they go to page files.
 */
public final class MetaBuffer
{
    private static final ByteOrder LE = ByteOrder.LITTLE_ENDIAN;

    private final ExpandableArrayBuffer buffer;
    private int position;
    private int limit;

    public MetaBuffer()
    {
        this.buffer = new ExpandableArrayBuffer(256);
    }

    /** Wraps existing bytes for reading. */
    public MetaBuffer(final byte[] bytes)
    {
        this.buffer = new ExpandableArrayBuffer(Math.max(1, bytes.length));
        buffer.putBytes(0, bytes);
        this.limit = bytes.length;
    }

    public MetaBuffer putLong(final long value)
    {
        buffer.putLong(position, value, LE);
        position += 8;
        limit = Math.max(limit, position);
        return this;
    }

    public MetaBuffer putInt(final int value)
    {
        buffer.putInt(position, value, LE);
        position += 4;
        limit = Math.max(limit, position);
        return this;
    }

    public MetaBuffer putIntArray(final int[] values, final int count)
    {
        putInt(count);
        for (int i = 0; i < count; i++)
        {
            putInt(values[i]);
        }
        return this;
    }

    public MetaBuffer putLongArray(final long[] values, final int count)
    {
        putInt(count);
        for (int i = 0; i < count; i++)
        {
            putLong(values[i]);
        }
        return this;
    }

    public MetaBuffer putByteArray(final byte[] values)
    {
        putInt(values.length);
        buffer.putBytes(position, values);
        position += values.length;
        limit = Math.max(limit, position);
        return this;
    }

    public MetaBuffer putString(final String value)
    {
        return putByteArray(value.getBytes(java.nio.charset.StandardCharsets.UTF_8));
    }

    public byte[] getByteArray()
    {
        final int length = getInt();
        if (length < 0)
        {
            throw new IllegalStateException("state metadata corrupt: negative length " + length + " at " + position);
        }
        check(length);
        final byte[] values = new byte[length];
        buffer.getBytes(position, values);
        position += length;
        return values;
    }

    public String getString()
    {
        return new String(getByteArray(), java.nio.charset.StandardCharsets.UTF_8);
    }

    public long getLong()
    {
        check(8);
        final long value = buffer.getLong(position, LE);
        position += 8;
        return value;
    }

    public int getInt()
    {
        check(4);
        final int value = buffer.getInt(position, LE);
        position += 4;
        return value;
    }

    public int[] getIntArray()
    {
        final int count = getInt();
        final int[] values = new int[count];
        for (int i = 0; i < count; i++)
        {
            values[i] = getInt();
        }
        return values;
    }

    public long[] getLongArray()
    {
        final int count = getInt();
        final long[] values = new long[count];
        for (int i = 0; i < count; i++)
        {
            values[i] = getLong();
        }
        return values;
    }

    /** Empties the buffer for writing again. */
    public MetaBuffer reset()
    {
        position = 0;
        limit = 0;
        return this;
    }

    public int remaining()
    {
        return limit - position;
    }

    /**
     * Peeks at the {@code index}-th int from the read position without consuming it.
     *
     * @param index ints to skip.
     * @return the int, or 0 if the metadata ends before it.
     */
    public int peekInt(final int index)
    {
        final int at = position + index * 4;
        return at + 4 > limit ? 0 : buffer.getInt(at, LE);
    }

    public byte[] toByteArray()
    {
        return Arrays.copyOf(buffer.byteArray(), limit);
    }

    private void check(final int length)
    {
        if (position + length > limit)
        {
            throw new IllegalStateException("state metadata truncated: need " + length + " bytes at " + position +
                ", have " + (limit - position));
        }
    }
}
