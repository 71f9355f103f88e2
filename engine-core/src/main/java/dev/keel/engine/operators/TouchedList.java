package dev.keel.engine.operators;

import dev.keel.engine.state.PagedArena;
import org.agrona.DirectBuffer;
import org.agrona.ExpandableDirectByteBuffer;
import org.agrona.concurrent.UnsafeBuffer;

import java.nio.ByteOrder;

/**
 * Off-heap scratch list of the state records an operator touched in the current step: record address,
 * key hash and a copy of the record's value area as it was before the first touch (what the operator
 * emitted for it so far). It grows to the largest step seen and is then reused without allocation.
 * Not state: it is empty between steps.
 */
final class TouchedList
{
    private static final ByteOrder LE = ByteOrder.LITTLE_ENDIAN;
    private static final int RECORD = 0;
    private static final int HASH = 8;
    private static final int OLD_VALUE = 16;

    private final ExpandableDirectByteBuffer buffer;
    private final UnsafeBuffer view;
    private final int stride;
    private final int valueLength;
    private int size;

    TouchedList(final int valueLength, final int expected)
    {
        this.valueLength = valueLength;
        this.stride = OLD_VALUE + ((valueLength + 7) & ~7);
        this.buffer = new ExpandableDirectByteBuffer(Math.max(stride, stride * expected));
        this.view = new UnsafeBuffer(buffer.byteBuffer());
    }

    void clear()
    {
        size = 0;
    }

    int size()
    {
        return size;
    }

    /**
     * Appends an entry and copies {@code valueLength} bytes of the old value from the arena at
     * {@code valueAddress}: word by word (values are a few words; a bulk copy call costs more than the words).
     */
    void add(final long record, final long hash, final PagedArena arena, final long valueAddress)
    {
        final int offset = size * stride;
        final UnsafeBuffer view = this.view;
        if (offset + stride > view.capacity())
        {
            // writes go through a view re-wrapped on growth: the expandable buffer checks capacity on every put
            buffer.checkLimit(offset + stride);
            view.wrap(buffer.byteBuffer());
        }
        view.putLong(offset + RECORD, record, LE);
        view.putLong(offset + HASH, hash, LE);
        final int words = valueLength & ~7;
        for (int i = 0; i < words; i += 8)
        {
            view.putLong(offset + OLD_VALUE + i, arena.getLong(valueAddress + i), LE);
        }
        if (words < valueLength)
        {
            arena.getBytes(valueAddress + words, view, offset + OLD_VALUE + words, valueLength - words);
        }
        size++;
    }

    long record(final int index)
    {
        return buffer.getLong(index * stride + RECORD, LE);
    }

    long hash(final int index)
    {
        return buffer.getLong(index * stride + HASH, LE);
    }

    /** The buffer holding the old values; the index-th one starts at {@link #oldValueOffset(int)}. */
    DirectBuffer oldValues()
    {
        return buffer;
    }

    int oldValueOffset(final int index)
    {
        return index * stride + OLD_VALUE;
    }
}
