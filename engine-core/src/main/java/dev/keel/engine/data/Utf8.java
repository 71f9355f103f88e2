package dev.keel.engine.data;

import org.agrona.DirectBuffer;
import org.agrona.MutableDirectBuffer;

/**
 * Allocation-free UTF-8 encoding and decoding between {@link CharSequence}s and buffers.
 */
public final class Utf8
{
    private Utf8()
    {
    }

    /** Encodes {@code value} at {@code offset} (the buffer must be expandable or large enough). */
    public static int encode(final CharSequence value, final MutableDirectBuffer buffer, final int offset)
    {
        int position = offset;
        final int length = value.length();
        for (int i = 0; i < length; i++)
        {
            final char c = value.charAt(i);
            if (c < 0x80)
            {
                buffer.putByte(position++, (byte)c);
            }
            else if (c < 0x800)
            {
                buffer.putByte(position++, (byte)(0xC0 | (c >> 6)));
                buffer.putByte(position++, (byte)(0x80 | (c & 0x3F)));
            }
            else if (Character.isHighSurrogate(c) && i + 1 < length && Character.isLowSurrogate(value.charAt(i + 1)))
            {
                final int cp = Character.toCodePoint(c, value.charAt(++i));
                buffer.putByte(position++, (byte)(0xF0 | (cp >> 18)));
                buffer.putByte(position++, (byte)(0x80 | ((cp >> 12) & 0x3F)));
                buffer.putByte(position++, (byte)(0x80 | ((cp >> 6) & 0x3F)));
                buffer.putByte(position++, (byte)(0x80 | (cp & 0x3F)));
            }
            else
            {
                final char ch = Character.isSurrogate(c) ? '\uFFFD' : c;
                buffer.putByte(position++, (byte)(0xE0 | (ch >> 12)));
                buffer.putByte(position++, (byte)(0x80 | ((ch >> 6) & 0x3F)));
                buffer.putByte(position++, (byte)(0x80 | (ch & 0x3F)));
            }
        }
        return position - offset;
    }

    /** Decodes {@code length} bytes of UTF-8 and appends the characters to {@code out}. */
    public static void decode(final DirectBuffer buffer, final int offset, final int length, final StringBuilder out)
    {
        final int end = offset + length;
        int i = offset;
        while (i < end)
        {
            final int b = buffer.getByte(i) & 0xFF;
            if (b < 0x80)
            {
                out.append((char)b);
                i++;
            }
            else if (b < 0xE0 && i + 1 < end)
            {
                out.append((char)(((b & 0x1F) << 6) | (buffer.getByte(i + 1) & 0x3F)));
                i += 2;
            }
            else if (b < 0xF0 && i + 2 < end)
            {
                out.append((char)(((b & 0x0F) << 12) | ((buffer.getByte(i + 1) & 0x3F) << 6) |
                    (buffer.getByte(i + 2) & 0x3F)));
                i += 3;
            }
            else if (i + 3 < end)
            {
                final int cp = ((b & 0x07) << 18) | ((buffer.getByte(i + 1) & 0x3F) << 12) |
                    ((buffer.getByte(i + 2) & 0x3F) << 6) | (buffer.getByte(i + 3) & 0x3F);
                out.appendCodePoint(cp);
                i += 4;
            }
            else
            {
                out.append('\uFFFD');
                i++;
            }
        }
    }

    /** Compares two UTF-8 byte ranges in code point order (which is unsigned byte order for UTF-8). */
    public static int compare(
        final DirectBuffer a, final int aOffset, final int aLength,
        final DirectBuffer b, final int bOffset, final int bLength)
    {
        final int n = Math.min(aLength, bLength);
        for (int i = 0; i < n; i++)
        {
            final int x = a.getByte(aOffset + i) & 0xFF;
            final int y = b.getByte(bOffset + i) & 0xFF;
            if (x != y)
            {
                return x - y;
            }
        }
        return Integer.compare(aLength, bLength);
    }
}
