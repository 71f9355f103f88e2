package dev.keel.connector.s3;

import dev.keel.engine.KeelException;
import org.agrona.DirectBuffer;
import org.agrona.MutableDirectBuffer;

import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;

/**
 * The position token of an {@code s3_input} endpoint: the object of the last record the circuit took and the
 * byte offset just after that record, with the object's size and ETag to notice an object replaced since.
 * Little endian:
 * <pre>
 *   int32 version (1) | int64 offset | int64 object size | int16 key length | key (UTF-8) |
 *   int16 ETag length | ETag (ASCII)
 * </pre>
 * An empty key means no record was taken yet: reading starts at the first listed object.
 *
 * @param key    the object key's UTF-8 bytes, empty for none.
 * @param offset the byte offset after the last record taken from it.
 * @param size   the object's size when it was read.
 * @param etag   the object's ETag bytes when it was read.
 */
record S3PositionToken(byte[] key, long offset, long size, byte[] etag)
{
    static final int VERSION = 1;
    static final int FIXED_LENGTH = 4 + 8 + 8 + 2 + 2;
    static final S3PositionToken NONE = new S3PositionToken(new byte[0], 0, 0, new byte[0]);

    /** True for the token of an endpoint that took no record yet. */
    boolean isNone()
    {
        return 0 == key.length;
    }

    String keyString()
    {
        return new String(key, StandardCharsets.UTF_8);
    }

    /** True if this token names the same object and offset as {@code key}/{@code offset}. */
    boolean matches(final byte[] otherKey, final long otherOffset)
    {
        return Arrays.equals(key, otherKey) && (isNone() || offset == otherOffset);
    }

    /** Writes a token without allocating; returns its length. */
    static int write(
        final MutableDirectBuffer dst, final byte[] key, final long offset, final long size, final byte[] etag)
    {
        dst.putInt(0, VERSION, ByteOrder.LITTLE_ENDIAN);
        dst.putLong(4, offset, ByteOrder.LITTLE_ENDIAN);
        dst.putLong(12, size, ByteOrder.LITTLE_ENDIAN);
        dst.putShort(20, (short)key.length, ByteOrder.LITTLE_ENDIAN);
        dst.putBytes(22, key);
        final int at = 22 + key.length;
        dst.putShort(at, (short)etag.length, ByteOrder.LITTLE_ENDIAN);
        dst.putBytes(at + 2, etag);
        return at + 2 + etag.length;
    }

    /**
     * Decodes a token (allocates: recovery only).
     *
     * @return the token; {@link #NONE} for an empty one.
     * @throws KeelException (CONNECTOR_BAD_POSITION) naming the endpoint if the token is malformed.
     */
    static S3PositionToken decode(final String endpoint, final DirectBuffer src, final int offset, final int length)
    {
        if (0 == length)
        {
            return NONE;
        }
        if (length < FIXED_LENGTH || src.getInt(offset, ByteOrder.LITTLE_ENDIAN) != VERSION)
        {
            throw bad(endpoint, "unknown token layout (" + length + " bytes)");
        }
        final long at = src.getLong(offset + 4, ByteOrder.LITTLE_ENDIAN);
        final long size = src.getLong(offset + 12, ByteOrder.LITTLE_ENDIAN);
        final int keyLength = src.getShort(offset + 20, ByteOrder.LITTLE_ENDIAN) & 0xFFFF;
        if (FIXED_LENGTH + keyLength > length)
        {
            throw bad(endpoint, "key cut short");
        }
        final byte[] key = new byte[keyLength];
        src.getBytes(offset + 22, key);
        final int etagLength = src.getShort(offset + 22 + keyLength, ByteOrder.LITTLE_ENDIAN) & 0xFFFF;
        if (FIXED_LENGTH + keyLength + etagLength != length || at < 0 || size < 0 || at > size)
        {
            throw bad(endpoint, "malformed (offset " + at + ", size " + size + ")");
        }
        final byte[] etag = new byte[etagLength];
        src.getBytes(offset + 24 + keyLength, etag);
        return new S3PositionToken(key, at, size, etag);
    }

    private static KeelException bad(final String endpoint, final String detail)
    {
        return new KeelException(KeelException.Category.CONNECTOR, "CONNECTOR_BAD_POSITION",
            "endpoint '" + endpoint + "': journaled S3 position token: " + detail);
    }
}
