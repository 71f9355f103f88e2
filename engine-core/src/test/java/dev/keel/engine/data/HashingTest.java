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
}
