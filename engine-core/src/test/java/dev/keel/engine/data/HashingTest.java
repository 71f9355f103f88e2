package dev.keel.engine.data;

import org.agrona.concurrent.UnsafeBuffer;
import org.junit.jupiter.api.Test;

import java.util.HashSet;
import java.util.Set;

import static org.junit.jupiter.api.Assertions.*;

class HashingTest
{
    @Test
    void keysOfDifferentLengthsDoNotCollideStructurally()
    {
        final UnsafeBuffer buffer = new UnsafeBuffer(new byte[32]);
        final Set<Long> hashes = new HashSet<>();
        int count = 0;
        for (int length = 1; length <= 24; length++)
        {
            for (int first = 0; first < 64; first++)
            {
                buffer.setMemory(0, 32, (byte)0);
                buffer.putByte(0, (byte)first);
                hashes.add(Hashing.hash(buffer, 0, length));
                count++;
            }
        }
        assertEquals(count, hashes.size(), "distinct (first byte, length) pairs hash apart");
    }

    /**
     * The hash is persisted (journaled step hashes, hash tables in checkpoints): the fast path must give exactly the
     * values of the plain definition, reading the words little-endian, on heap and off-heap buffers at any offset.
     */
    @Test
    void hashIsTheLittleEndianWordDefinitionOnHeapAndDirectBuffers()
    {
        final java.util.Random random = new java.util.Random(5);
        final byte[] bytes = new byte[300];
        random.nextBytes(bytes);
        final UnsafeBuffer heap = new UnsafeBuffer(bytes);
        final UnsafeBuffer direct = new UnsafeBuffer(java.nio.ByteBuffer.allocateDirect(bytes.length));
        direct.putBytes(0, bytes);
        final org.agrona.ExpandableDirectByteBuffer expandable = new org.agrona.ExpandableDirectByteBuffer(bytes.length);
        expandable.putBytes(0, bytes);
        for (int n = 0; n < 2_000; n++)
        {
            final int offset = random.nextInt(100);
            final int length = random.nextInt(150);
            final long expected = definition(heap, offset, length);
            assertEquals(expected, Hashing.hash(heap, offset, length));
            assertEquals(expected, Hashing.hash(direct, offset, length));
            assertEquals(expected, Hashing.hash(expandable, offset, length));
        }
        assertThrows(IndexOutOfBoundsException.class, () -> Hashing.hash(heap, 290, 20));
    }

    private static long definition(final UnsafeBuffer buffer, final int offset, final int length)
    {
        final long seed = 0x9E3779B97F4A7C15L;
        long h = Hashing.mix(seed + length);
        int i = 0;
        for (; i + 8 <= length; i += 8)
        {
            h = Hashing.mix(h ^ buffer.getLong(offset + i, java.nio.ByteOrder.LITTLE_ENDIAN)) + seed;
        }
        if (i < length)
        {
            long tail = 0;
            for (int shift = 0; i < length; i++, shift += 8)
            {
                tail |= (buffer.getByte(offset + i) & 0xFFL) << shift;
            }
            h = Hashing.mix(h ^ tail) + seed;
        }
        return Hashing.mix(h);
    }
}
