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

    @Test
    void rowContentHashReadsOnlyTheRowsBytesAndSeesEveryOne()
    {
        final java.nio.ByteBuffer memory = java.nio.ByteBuffer.allocateDirect(128);
        final org.agrona.concurrent.UnsafeBuffer buffer = new org.agrona.concurrent.UnsafeBuffer(memory);
        final java.util.Set<Long> seen = new java.util.HashSet<>();
        for (int length = 0; length <= 40; length++)
        {
            buffer.setMemory(0, 128, (byte)0);
            for (int i = 0; i < length; i++)
            {
                buffer.putByte(i, (byte)(i + 1));
            }
            final long hash = Hashing.rowContentHash(buffer.addressOffset(), length, 1);
            // the bytes past the row (the padding to 8) do not count
            buffer.setMemory(length, 128 - length, (byte)0x5A);
            assertEquals(hash, Hashing.rowContentHash(buffer.addressOffset(), length, 1), "length " + length);
            assertTrue(seen.add(hash), "length " + length + " collides with a shorter prefix");
            assertNotEquals(hash, Hashing.rowContentHash(buffer.addressOffset(), length, -1), "weight counts");
            for (int i = 0; i < length; i++)
            {
                buffer.putByte(i, (byte)(buffer.getByte(i) ^ 0x10));
                assertNotEquals(hash, Hashing.rowContentHash(buffer.addressOffset(), length, 1),
                    "byte " + i + " of " + length);
                buffer.putByte(i, (byte)(buffer.getByte(i) ^ 0x10));
            }
        }
    }

    @Test
    void contentHashIgnoresRowOrderAndSeesContent()
    {
        final Schema schema = Schema.of(Column.of("id", ColumnType.INT64), Column.of("name", ColumnType.STRING));
        final RowWriter writer = new RowWriter(schema);
        final ZSetBatch ab = new ZSetBatch(schema);
        final ZSetBatch ba = new ZSetBatch(schema);
        final ZSetBatch other = new ZSetBatch(schema);
        writer.reset().putLong(0, 1).putString(1, "a fairly long name of more than sixteen bytes").finish();
        ab.add(writer, 1);
        other.add(writer, 1);
        writer.reset().putLong(0, 2).putString(1, "b").finish();
        ab.add(writer, 1);
        ba.add(writer, 1);
        other.add(writer, 2);
        writer.reset().putLong(0, 1).putString(1, "a fairly long name of more than sixteen bytes").finish();
        ba.add(writer, 1);
        assertEquals(ab.contentHash(), ba.contentHash(), "order of rows in a step is not part of it");
        assertNotEquals(ab.contentHash(), other.contentHash(), "a weight differs");
        assertEquals(ab.legacyContentHash(), ba.legacyContentHash());
    }
}
