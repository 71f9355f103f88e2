package dev.keel.engine.data;

import org.agrona.DirectBuffer;
import org.agrona.UnsafeApi;

import java.nio.ByteOrder;

/**
 * Fast, allocation-free 64-bit hashing of byte ranges and longs. Not cryptographic; stable across
 * runs and JVMs because hashes are used in journaled step hashes and persistent hash tables.
 */
public final class Hashing
{
    private static final long M1 = 0xBF58476D1CE4E5B9L;
    private static final long M2 = 0x94D049BB133111EBL;
    private static final long SEED = 0x9E3779B97F4A7C15L;
    private static final boolean NATIVE_LITTLE_ENDIAN = ByteOrder.nativeOrder() == ByteOrder.LITTLE_ENDIAN;

    private Hashing()
    {
    }

    /** SplitMix64 finalizer: a bijective avalanche of a long. */
    public static long mix(final long value)
    {
        long z = value;
        z = (z ^ (z >>> 30)) * M1;
        z = (z ^ (z >>> 27)) * M2;
        return z ^ (z >>> 31);
    }

    public static long hashLong(final long value)
    {
        return mix(value + SEED);
    }

    public static long hash(final DirectBuffer buffer, final int offset, final int length)
    {
        // one bounds check for the range (Agrona's per-read checks were most of the cost), then plain reads
        buffer.boundsCheck(offset, length);
        final byte[] array = buffer.byteArray();
        final long address = buffer.addressOffset() + offset;
        // the length goes through the mixer on its own: XORed into the first word it let keys of different
        // lengths collide (e.g. 0x01 of length 9 and 0x02 of length 10)
        long h = mix(SEED + length);
        int i = 0;
        final int longEnd = length & ~7;
        for (; i < longEnd; i += 8)
        {
            h = mix(h ^ littleEndianLong(array, address + i)) + SEED;
        }
        if (i < length)
        {
            long tail = 0;
            for (int shift = 0; i < length; i++, shift += 8)
            {
                tail |= (UnsafeApi.getByte(array, address + i) & 0xFFL) << shift;
            }
            h = mix(h ^ tail) + SEED;
        }
        return mix(h);
    }

    private static long littleEndianLong(final byte[] array, final long address)
    {
        final long value = UnsafeApi.getLong(array, address);
        return NATIVE_LITTLE_ENDIAN ? value : Long.reverseBytes(value);
    }

    /**
     * Hash of one row of a step's input content (see {@code ZSetBatch.contentHash}): one multiply per 8 bytes in two
     * independent lanes, one {@link #mix} per row. Several times cheaper than {@link #hash} on wide rows (Nexmark's
     * bids), which it need not equal: it detects a replay that read other input, nothing adversarial, and is
     * never stored in a hash table. Stable across runs and JVMs: the journal stores it.
     *
     * @param address off-heap address of the row; the bytes up to the next multiple of 8 past its end must be
     *                readable (batch rows are 8-aligned).
     * @param length  row length in bytes.
     * @param weight  the row's weight.
     * @return the row's hash.
     */
    public static long rowContentHash(final long address, final int length, final long weight)
    {
        long a = SEED + length;
        long b = weight;
        int i = 0;
        final int words = length & ~7;
        for (; i + 16 <= words; i += 16)
        {
            a = (a + littleEndianLong(null, address + i)) * M1;
            b = (b + littleEndianLong(null, address + i + 8)) * M2;
        }
        if (i < words)
        {
            a = (a + littleEndianLong(null, address + i)) * M1;
            i += 8;
        }
        if (i < length)
        {
            final long tail = littleEndianLong(null, address + i) & (-1L >>> ((8 - (length - i)) << 3));
            b = (b + tail) * M2;
        }
        return mix(a ^ Long.rotateLeft(b, 29));
    }

    /** Order-dependent combination, e.g. for a step's input hash. */
    public static long combine(final long h, final long value)
    {
        return mix(h * 31 + value);
    }
}
