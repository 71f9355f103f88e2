package dev.keel.engine.circuit;

import dev.keel.engine.data.RowView;
import dev.keel.engine.data.ZSetBatch;
import org.agrona.BitUtil;
import org.agrona.DirectBuffer;
import org.agrona.MutableDirectBuffer;

import java.nio.ByteOrder;

/**
 * Raw bytes of a {@link ZSetBatch}: what a journal carries for a non-replayable input endpoint and what
 * the embedded API's ring buffers carry. The layout is {@code ZSetBatch}'s own, so that a future raw
 * accessor on the batch can replace the re-encoding by one copy without changing journaled data:
 * <pre>
 *   entry (little endian, 8-byte aligned):
 *   | int32 row length | int32 reserved = 0 | int64 weight | row bytes, zero-padded to 8 |
 *   bytes = entry*, length = sum of entry lengths = {@link ZSetBatch#byteLength()}
 * </pre>
 * Allocation-free: callers bring their own reusable cursor.
 */
public final class BatchCodec
{
    /** Length of an entry header. */
    public static final int ENTRY_HEADER_LENGTH = 16;

    private static final ByteOrder LE = ByteOrder.LITTLE_ENDIAN;

    private BatchCodec()
    {
    }

    /**
     * Encoded length of an entry carrying a row of {@code rowLength} bytes.
     *
     * @param rowLength bytes of the row.
     * @return bytes of the entry.
     */
    public static int entryLength(final int rowLength)
    {
        return ENTRY_HEADER_LENGTH + BitUtil.align(rowLength, 8);
    }

    /**
     * Encodes the entries a cursor visits (the cursor is reset first).
     *
     * @param cursor a cursor over the batch to encode.
     * @param dst    destination, with room for {@link ZSetBatch#byteLength()} bytes from {@code offset}.
     * @param offset where to start in {@code dst}.
     * @return bytes written.
     */
    public static int encode(final ZSetBatch.Cursor cursor, final MutableDirectBuffer dst, final int offset)
    {
        int position = offset;
        cursor.reset();
        while (cursor.next())
        {
            position += encodeEntry(cursor.row(), cursor.weight(), dst, position);
        }
        return position - offset;
    }

    /**
     * Encodes one (row, weight) entry.
     *
     * @param row    the row.
     * @param weight its weight.
     * @param dst    destination.
     * @param offset where to write.
     * @return bytes written.
     */
    public static int encodeEntry(final RowView row, final long weight, final MutableDirectBuffer dst, final int offset)
    {
        return encodeEntry(row.buffer(), row.offset(), row.length(), weight, dst, offset);
    }

    /**
     * Encodes one entry from raw row bytes.
     *
     * @param src       row bytes.
     * @param srcOffset start of the row.
     * @param rowLength length of the row.
     * @param weight    its weight.
     * @param dst       destination.
     * @param offset    where to write.
     * @return bytes written.
     */
    public static int encodeEntry(
        final DirectBuffer src,
        final int srcOffset,
        final int rowLength,
        final long weight,
        final MutableDirectBuffer dst,
        final int offset)
    {
        final int entryLength = entryLength(rowLength);
        dst.putInt(offset, rowLength, LE);
        dst.putInt(offset + 4, 0, LE);
        dst.putLong(offset + 8, weight, LE);
        dst.putBytes(offset + ENTRY_HEADER_LENGTH, src, srcOffset, rowLength);
        final int padding = entryLength - ENTRY_HEADER_LENGTH - rowLength;
        if (padding > 0)
        {
            dst.setMemory(offset + ENTRY_HEADER_LENGTH + rowLength, padding, (byte)0);
        }
        return entryLength;
    }

    /**
     * Appends every entry of encoded bytes to a batch.
     *
     * @param src    encoded bytes.
     * @param offset start of the first entry.
     * @param length total length of the entries.
     * @param out    batch to append to.
     * @return the number of entries appended.
     * @throws IllegalArgumentException if the bytes are not a whole number of well-formed entries.
     */
    public static int decode(final DirectBuffer src, final int offset, final int length, final ZSetBatch out)
    {
        final int end = offset + length;
        int position = offset;
        int count = 0;
        while (position < end)
        {
            if (end - position < ENTRY_HEADER_LENGTH)
            {
                throw new IllegalArgumentException("truncated batch entry header at byte " + (position - offset) +
                    " of " + length);
            }
            final int rowLength = src.getInt(position, LE);
            final int entryLength = entryLength(rowLength);
            if (rowLength < 0 || entryLength > end - position)
            {
                throw new IllegalArgumentException("batch entry at byte " + (position - offset) + " of " + length +
                    " has row length " + rowLength + " beyond the data");
            }
            out.add(src, position + ENTRY_HEADER_LENGTH, rowLength, src.getLong(position + 8, LE));
            position += entryLength;
            count++;
        }
        return count;
    }
}
