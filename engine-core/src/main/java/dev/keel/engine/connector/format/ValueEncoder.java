package dev.keel.engine.connector.format;

import org.agrona.ExpandableDirectByteBuffer;

/**
 * Allocation-free text encoding of scalar values into an expandable buffer, shared by the encoders.
 * <ul>
 *   <li>DECIMAL: plain decimal with exactly {@code scale} fraction digits ({@code -1.05}, scale 0: {@code 7}).</li>
 *   <li>TIMESTAMP (Feldera/chrono {@code %F %T%.f} style): {@code YYYY-MM-DD HH:MM:SS}, then {@code .fff} if
 *   the value has whole milliseconds, {@code .ffffff} otherwise, nothing on a whole second. Years outside
 *   1..9999 have no such form and are written as the integer microseconds, which the parsers accept.</li>
 *   <li>DOUBLE: a value that is {@code m / 10^k} exactly as the parser computes it, with an integer
 *   {@code m < 2^53} and {@code k <= 18} (prices, quantities, most human data), is written as the shortest
 *   such plain decimal ({@code 1.5}, {@code 0.00000015}, {@code 10000000000.0}) without allocating; any
 *   other value in Java's round-trip form ({@code 1.0E-300}) through a reused {@link StringBuilder},
 *   which on JDK 17 allocates for such hard values. NaN and the infinities as the names {@code NaN},
 *   {@code Infinity}, {@code -Infinity}. Every form reads back to the same double.</li>
 * </ul>
 */
final class ValueEncoder
{
    private static final long MICROS_PER_DAY = 86_400_000_000L;
    private static final long MIN_TEXT_TIMESTAMP = ValueDecoder.daysFromCivil(1, 1, 1) * MICROS_PER_DAY;
    private static final long MAX_TEXT_TIMESTAMP = ValueDecoder.daysFromCivil(10_000, 1, 1) * MICROS_PER_DAY;

    private final StringBuilder scratch = new StringBuilder(32);

    /** True if the value has a text form; false if it is written as integer micros. */
    static boolean hasTimestampText(final long micros)
    {
        return micros >= MIN_TEXT_TIMESTAMP && micros < MAX_TEXT_TIMESTAMP;
    }

    static int putDecimal(final ExpandableDirectByteBuffer out, final int offset, final long value, final int scale)
    {
        if (scale == 0)
        {
            return offset + out.putLongAscii(offset, value);
        }
        final long divisor = ValueDecoder.powerOfTen(scale);
        // quotient and remainder keep the sign, so Long.MIN_VALUE needs no negation of the whole value
        final long quotient = value / divisor;
        final long remainder = value % divisor;
        int position = offset;
        if (value < 0)
        {
            out.putByte(position++, (byte)'-');
        }
        position += out.putNaturalLongAscii(position, Math.abs(quotient));
        out.putByte(position++, (byte)'.');
        out.checkLimit(position + scale);
        long fraction = Math.abs(remainder);
        for (int i = scale - 1; i >= 0; i--)
        {
            out.putByte(position + i, (byte)('0' + (fraction % 10)));
            fraction /= 10;
        }
        return position + scale;
    }

    /** Writes the text form; the caller checks {@link #hasTimestampText(long)} first. */
    static int putTimestamp(final ExpandableDirectByteBuffer out, final int offset, final long micros)
    {
        final long days = Math.floorDiv(micros, MICROS_PER_DAY);
        final long microOfDay = Math.floorMod(micros, MICROS_PER_DAY);
        // H. Hinnant's civil_from_days
        final long z = days + 719_468;
        final long era = (z >= 0 ? z : z - 146_096) / 146_097;
        final long doe = z - era * 146_097;
        final long yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
        final long doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
        final long mp = (5 * doy + 2) / 153;
        final int day = (int)(doy - (153 * mp + 2) / 5 + 1);
        final int month = (int)(mp < 10 ? mp + 3 : mp - 9);
        final int year = (int)(yoe + era * 400 + (month <= 2 ? 1 : 0));
        final long secondOfDay = microOfDay / 1_000_000;
        final int fraction = (int)(microOfDay % 1_000_000);

        out.checkLimit(offset + 26);
        int position = offset;
        out.putNaturalPaddedIntAscii(position, 4, year);
        out.putByte(position + 4, (byte)'-');
        out.putNaturalPaddedIntAscii(position + 5, 2, month);
        out.putByte(position + 7, (byte)'-');
        out.putNaturalPaddedIntAscii(position + 8, 2, day);
        out.putByte(position + 10, (byte)' ');
        out.putNaturalPaddedIntAscii(position + 11, 2, (int)(secondOfDay / 3600));
        out.putByte(position + 13, (byte)':');
        out.putNaturalPaddedIntAscii(position + 14, 2, (int)(secondOfDay / 60 % 60));
        out.putByte(position + 16, (byte)':');
        out.putNaturalPaddedIntAscii(position + 17, 2, (int)(secondOfDay % 60));
        position += 19;
        if (fraction != 0)
        {
            out.putByte(position++, (byte)'.');
            if (fraction % 1000 == 0)
            {
                out.putNaturalPaddedIntAscii(position, 3, fraction / 1000);
                position += 3;
            }
            else
            {
                out.putNaturalPaddedIntAscii(position, 6, fraction);
                position += 6;
            }
        }
        return position;
    }

    int putDouble(final ExpandableDirectByteBuffer out, final int offset, final double value)
    {
        if (Double.isNaN(value))
        {
            return offset + out.putStringWithoutLengthAscii(offset, "NaN");
        }
        if (Double.isInfinite(value))
        {
            return offset + out.putStringWithoutLengthAscii(offset, value > 0 ? "Infinity" : "-Infinity");
        }
        final int plain = putPlainDouble(out, offset, value);
        if (plain >= 0)
        {
            return plain;
        }
        scratch.setLength(0);
        scratch.append(value);
        return offset + out.putStringWithoutLengthAscii(offset, scratch);
    }

    private static final double TWO_TO_53 = 9_007_199_254_740_992.0;

    /**
     * Writes {@code value} as {@code m / 10^k} with the smallest {@code k} for which the parser's exact
     * fast path ({@code (double)m / 10^k}, one correctly rounded division) gives back {@code value};
     * returns -1 if there is none with {@code m < 2^53, k <= 18}.
     */
    static int putPlainDouble(final ExpandableDirectByteBuffer out, final int offset, final double value)
    {
        final double magnitude = Math.abs(value);
        if (magnitude >= TWO_TO_53)
        {
            return -1;
        }
        for (int k = 0; k <= 18; k++)
        {
            final double power = ValueDecoder.powerOfTen(k);
            final double scaled = magnitude * power;
            if (scaled >= TWO_TO_53)
            {
                return -1;
            }
            final double m = Math.rint(scaled);
            if (m / power == magnitude)
            {
                final long digits = (long)m;
                int position = offset;
                if (value < 0)
                {
                    out.putByte(position++, (byte)'-');
                }
                final long divisor = ValueDecoder.powerOfTen(k);
                position += out.putNaturalLongAscii(position, digits / divisor);
                out.putByte(position++, (byte)'.');
                if (k == 0)
                {
                    out.putByte(position++, (byte)'0');
                    return position;
                }
                long fraction = digits % divisor;
                out.checkLimit(position + k);
                for (int i = k - 1; i >= 0; i--)
                {
                    out.putByte(position + i, (byte)('0' + (fraction % 10)));
                    fraction /= 10;
                }
                return position + k;
            }
        }
        return -1;
    }
}
