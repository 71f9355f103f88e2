package dev.keel.engine.data;

import org.agrona.DirectBuffer;

import java.nio.ByteOrder;

/**
 * Byte-range helpers over Agrona buffers.
 */
public final class Bytes
{
    private Bytes()
    {
    }

    public static boolean equals(
        final DirectBuffer a, final int aOffset, final DirectBuffer b, final int bOffset, final int length)
    {
        int i = 0;
        final int longEnd = length & ~7;
        for (; i < longEnd; i += 8)
        {
            if (a.getLong(aOffset + i, ByteOrder.LITTLE_ENDIAN) != b.getLong(bOffset + i, ByteOrder.LITTLE_ENDIAN))
            {
                return false;
            }
        }
        for (; i < length; i++)
        {
            if (a.getByte(aOffset + i) != b.getByte(bOffset + i))
            {
                return false;
            }
        }
        return true;
    }
}
