package dev.keel.engine.state;

import org.agrona.ExpandableArrayBuffer;
import org.agrona.UnsafeApi;

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
    private static final boolean NATIVE_LE = ByteOrder.nativeOrder() == LE;
    private static final long BYTE_ARRAY_BASE = UnsafeApi.arrayBaseOffset(byte[].class);
    private static final long INT_ARRAY_BASE = UnsafeApi.arrayBaseOffset(int[].class);
    private static final long LONG_ARRAY_BASE = UnsafeApi.arrayBaseOffset(long[].class);

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
        checkCount(count, values.length);
        putInt(count);
        if (NATIVE_LE)
        {
            // one bulk copy: metadata is written at a checkpoint's freeze, in code run too rarely to be compiled
            putArray(values, INT_ARRAY_BASE, (long)count * Integer.BYTES);
            return this;
        }
        for (int i = 0; i < count; i++)
        {
            putInt(values[i]);
        }
        return this;
    }

    public MetaBuffer putLongArray(final long[] values, final int count)
    {
        checkCount(count, values.length);
        putInt(count);
        if (NATIVE_LE)
        {
            putArray(values, LONG_ARRAY_BASE, (long)count * Long.BYTES);
            return this;
        }
        for (int i = 0; i < count; i++)
        {
            putLong(values[i]);
        }
        return this;
    }

    private static void checkCount(final int count, final int length)
    {
        if (count < 0 || count > length)
        {
            throw new IllegalArgumentException("count " + count + " not in 0.." + length);
        }
    }

    private void putArray(final Object values, final long baseOffset, final long length)
    {
        if (position + length > Integer.MAX_VALUE - 8)
        {
            throw new IllegalStateException("state metadata too large: " + (position + length) + " bytes");
        }
        buffer.checkLimit(position + (int)length);
        UnsafeApi.copyMemory(values, baseOffset, buffer.byteArray(), BYTE_ARRAY_BASE + position, length);
        position += (int)length;
        limit = Math.max(limit, position);
    }

    public MetaBuffer putByteArray(final byte[] values)
    {
        putInt(values.length);
        buffer.putBytes(position, values);
        position += values.length;
        limit = Math.max(limit, position);
        return this;
    }

    /** Appends bytes as they are (no length): an encoding made earlier with this class. */
    public MetaBuffer putBytes(final byte[] bytes)
    {
        buffer.putBytes(position, bytes);
        position += bytes.length;
        limit = Math.max(limit, position);
        return this;
    }

    /** Appends what another buffer holds (0 to its limit) as {@link #putByteArray} would its bytes. */
    public MetaBuffer putMeta(final MetaBuffer other)
    {
        putInt(other.limit);
        buffer.putBytes(position, other.buffer, 0, other.limit);
        position += other.limit;
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
