package dev.keel.engine.data;

import org.agrona.BitUtil;
import org.agrona.DirectBuffer;
import org.agrona.ExpandableDirectByteBuffer;
import org.agrona.MutableDirectBuffer;
import org.agrona.concurrent.UnsafeBuffer;

import java.nio.ByteOrder;

/**
 * An off-heap run of (row, weight) pairs: a Z-set delta, +1 for an insert and -1 for a retraction
 * (any non-zero weight is allowed). Rows of one batch share a {@link Schema}. The batch is cleared and
 * refilled every step, so after warm-up it allocates nothing.
 * <pre>
 *   entry: | int32 row length | int32 reserved | int64 weight | row bytes, padded to 8 |
 * </pre>
 * Iterate with a {@link Cursor}; equal rows are not combined (operators add weights as they go).
 */
public final class ZSetBatch
{
    private static final ByteOrder LE = ByteOrder.LITTLE_ENDIAN;
    private static final int HEADER_LENGTH = 16;

    private final Schema schema;
    private final ExpandableDirectByteBuffer buffer;
    private final UnsafeBuffer view;
    private int limit;
    private int count;

    public ZSetBatch(final Schema schema)
    {
        this(schema, 64 * 1024);
    }

    public ZSetBatch(final Schema schema, final int initialCapacity)
    {
        this.schema = schema;
        this.buffer = new ExpandableDirectByteBuffer(initialCapacity);
        this.view = new UnsafeBuffer(buffer.byteBuffer());
    }

    public Schema schema()
    {
        return schema;
    }

    public int size()
    {
        return count;
    }

    public boolean isEmpty()
    {
        return count == 0;
    }

    /** Bytes used, for sizing and metrics. */
    public int byteLength()
    {
        return limit;
    }

    public void clear()
    {
        limit = 0;
        count = 0;
    }

    public void add(final DirectBuffer row, final int offset, final int length, final long weight)
    {
        final int entryLength = HEADER_LENGTH + BitUtil.align(length, 8);
        final UnsafeBuffer view = ensureCapacity(limit + entryLength);
        view.putLong(limit, length & 0xFFFF_FFFFL, LE); // int32 length, int32 reserved = 0
        view.putLong(limit + 8, weight, LE);
        view.putBytes(limit + HEADER_LENGTH, row, offset, length);
        limit += entryLength;
        count++;
    }

    /**
     * Writes go through a fixed view of the expandable buffer, re-wrapped only when it grows: the
     * expandable buffer's own puts check its capacity on every call (a measurable share of a step that
     * emits two rows per input row).
     */
    private UnsafeBuffer ensureCapacity(final int required)
    {
        final UnsafeBuffer view = this.view;
        if (required > view.capacity())
        {
            buffer.checkLimit(required);
            view.wrap(buffer.byteBuffer());
        }
        return view;
    }

    /**
     * Appends an entry for a row of {@code length} bytes that the caller then writes in place, straight into
     * {@link #rowBuffer()} at the returned offset, instead of building it elsewhere and having it copied. The
     * caller must write all {@code length} bytes, in the canonical encoding of this batch's schema (see
     * {@link Schema}), before the batch is read or appended to by anyone else.
     *
     * @param length the row's length in bytes, at least the schema's fixed length.
     * @param weight the entry's weight.
     * @return the offset of the row's first byte in {@link #rowBuffer()}.
     * @throws IllegalArgumentException if {@code length} is shorter than the schema's fixed section.
     */
    public int appendRow(final int length, final long weight)
    {
        if (length < schema.fixedLength())
        {
            throw new IllegalArgumentException("a row of " + schema + " has at least " + schema.fixedLength() +
                " bytes, appendRow got " + length);
        }
        final int entryLength = HEADER_LENGTH + BitUtil.align(length, 8);
        final UnsafeBuffer view = ensureCapacity(limit + entryLength);
        view.putLong(limit, length & 0xFFFF_FFFFL, LE); // int32 length, int32 reserved = 0
        view.putLong(limit + 8, weight, LE);
        final int rowOffset = limit + HEADER_LENGTH;
        limit += entryLength;
        count++;
        return rowOffset;
    }

    /**
     * The buffer that {@link #appendRow} offsets point into. It may be replaced when the batch grows: fetch
     * it again after every {@code appendRow} (the offsets stay valid).
     */
    public MutableDirectBuffer rowBuffer()
    {
        return view;
    }

    /**
     * Drops the entries appended since the batch had {@code entries} entries in {@code byteLength} bytes, i.e.
     * since a {@link #size()} and {@link #byteLength()} that the caller read together.
     *
     * @param entries    the earlier {@link #size()}, 0..{@link #size()}.
     * @param byteLength the earlier {@link #byteLength()}, 0..{@link #byteLength()}.
     * @throws IndexOutOfBoundsException if either is out of range or they cannot have been read together.
     */
    public void rewind(final int entries, final int byteLength)
    {
        if (entries < 0 || entries > count || byteLength < 0 || byteLength > limit ||
            (entries == count) != (byteLength == limit) || (entries == 0) != (byteLength == 0))
        {
            throw new IndexOutOfBoundsException("rewind to " + entries + " entries in " + byteLength +
                " bytes of a batch of " + count + " entries in " + limit + " bytes");
        }
        limit = byteLength;
        count = entries;
    }

    public void add(final RowView row, final long weight)
    {
        add(row.buffer(), row.offset(), row.length(), weight);
    }

    /** Adds the row a writer has just finished. */
    public void add(final RowWriter writer, final long weight)
    {
        add(writer.buffer(), 0, writer.length(), weight);
    }

    /** Appends every entry of {@code other}, multiplying weights by {@code sign}. */
    public void addAll(final ZSetBatch other, final long sign)
    {
        if (sign == 1)
        {
            // entries are self-contained: appending the other batch's bytes appends its entries unchanged
            ensureCapacity(limit + other.limit).putBytes(limit, other.buffer, 0, other.limit);
            limit += other.limit;
            count += other.count;
            return;
        }
        int position = 0;
        while (position < other.limit)
        {
            final int length = other.buffer.getInt(position, LE);
            final long weight = other.buffer.getLong(position + 8, LE);
            add(other.buffer, position + HEADER_LENGTH, length, weight * sign);
            position += HEADER_LENGTH + BitUtil.align(length, 8);
        }
    }

    /**
     * Appends entries {@code [from, to)} of {@code other} (by position) in one copy; the entries before
     * {@code from} are skipped by their headers only.
     *
     * @param other the batch to copy from (not this one).
     * @param from  first entry, 0..{@code other.size()}.
     * @param to    end entry, {@code from}..{@code other.size()}.
     */
    public void addRange(final ZSetBatch other, final int from, final int to)
    {
        if (from < 0 || to < from || to > other.count)
        {
            throw new IndexOutOfBoundsException("entries [" + from + ", " + to + ") of a batch of " + other.count);
        }
        final int start = other.offsetOf(from, 0, 0);
        final int end = other.offsetOf(to, from, start);
        ensureCapacity(limit + end - start).putBytes(limit, other.buffer, start, end - start);
        limit += end - start;
        count += to - from;
    }

    /**
     * Keeps the first {@code entries} entries and drops the rest.
     *
     * @param entries 0..{@link #size()}.
     */
    public void truncate(final int entries)
    {
        if (entries < 0 || entries > count)
        {
            throw new IndexOutOfBoundsException("truncate to " + entries + " entries of a batch of " + count);
        }
        limit = offsetOf(entries, 0, 0);
        count = entries;
    }

    private int offsetOf(final int entry, final int fromEntry, final int fromOffset)
    {
        int position = fromOffset;
        for (int i = fromEntry; i < entry; i++)
        {
            position += HEADER_LENGTH + BitUtil.align(buffer.getInt(position, LE), 8);
        }
        return position;
    }

    /** Order-independent hash of the (row, weight) pairs, for step verification on replay. */
    public long contentHash()
    {
        // one bounds check for the whole content, then plain reads (every row is 8-aligned, so a row's last word
        // is readable whole)
        buffer.boundsCheck(0, limit);
        final long base = buffer.addressOffset();
        long h = 0;
        int position = 0;
        while (position < limit)
        {
            final int length = buffer.getInt(position, LE);
            final long weight = buffer.getLong(position + 8, LE);
            h += Hashing.rowContentHash(base + position + HEADER_LENGTH, length, weight);
            position += HEADER_LENGTH + BitUtil.align(length, 8);
        }
        return h;
    }

    /**
     * The content hash journals written before 2026-12-03 carry (a {@link Hashing#hash} of every row): replay
     * checks it when a journaled step does not match {@link #contentHash()}, so a journal written by an earlier
     * version still replays.
     *
     * @return the order-independent legacy hash of rows and weights.
     */
    public long legacyContentHash()
    {
        long h = 0;
        int position = 0;
        while (position < limit)
        {
            final int length = buffer.getInt(position, LE);
            final long weight = buffer.getLong(position + 8, LE);
            h += Hashing.mix(Hashing.hash(buffer, position + HEADER_LENGTH, length) ^ weight);
            position += HEADER_LENGTH + BitUtil.align(length, 8);
        }
        return h;
    }

    /** A new cursor over this batch (allocate once, {@link Cursor#reset()} per pass). */
    public Cursor cursor()
    {
        return new Cursor(this);
    }

    public String toString()
    {
        final StringBuilder sb = new StringBuilder("ZSetBatch{");
        final Cursor cursor = cursor();
        while (cursor.next())
        {
            sb.append(cursor.row()).append(" x").append(cursor.weight()).append("; ");
        }
        return sb.append('}').toString();
    }

    /** Reusable iterator over a batch. */
    public static final class Cursor
    {
        private ZSetBatch batch;
        private final RowView row;
        private int position;
        private int next;
        private long weight;

        Cursor(final ZSetBatch batch)
        {
            this.batch = batch;
            this.row = new RowView(batch.schema);
        }

        public Cursor reset()
        {
            position = 0;
            next = 0;
            return this;
        }

        /**
         * Points this cursor at another batch of the same schema, from its first row: one cursor serves every batch a
         * consumer is handed (e.g. a view's delta straight from the operators, then a pending step's copy of it)
         * without allocating.
         *
         * @param other a batch whose schema is this cursor's.
         * @return this cursor.
         * @throws IllegalArgumentException if the schemas differ.
         */
        public Cursor reset(final ZSetBatch other)
        {
            if (other.schema != batch.schema && !other.schema.equals(batch.schema))
            {
                throw new IllegalArgumentException("a cursor over " + batch.schema + " cannot read a batch of " +
                    other.schema);
            }
            batch = other;
            return reset();
        }

        public boolean next()
        {
            position = next;
            if (position >= batch.limit)
            {
                return false;
            }
            final ExpandableDirectByteBuffer buffer = batch.buffer;
            final int length = buffer.getInt(position, LE);
            weight = buffer.getLong(position + 8, LE);
            row.wrap(buffer, position + HEADER_LENGTH, length);
            next = position + HEADER_LENGTH + BitUtil.align(length, 8);
            return true;
        }

        public RowView row()
        {
            return row;
        }

        public long weight()
        {
            return weight;
        }
    }
}
