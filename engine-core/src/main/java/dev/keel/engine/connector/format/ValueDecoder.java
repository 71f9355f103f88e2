package dev.keel.engine.connector.format;

import org.agrona.DirectBuffer;

/**
 * Allocation-free decoding of scalar text values from byte ranges, shared by the JSON and CSV parsers.
 * Each {@code parse*} method returns true and leaves the value in {@link #longValue} or
 * {@link #doubleValue}, or returns false and leaves a constant description in {@link #problem}.
 * <p>
 * Text forms: integers {@code -?[0-9]+}; decimals {@code -?[0-9]+(.[0-9]+)?} with at most {@code scale}
 * significant fraction digits (extra trailing zeros are fine), exact into a long scaled by 10^scale;
 * doubles in JSON number syntax or {@code NaN}, {@code Infinity}, {@code -Infinity}; timestamps
 * {@code YYYY-MM-DD HH:MM:SS[.f]} (or {@code T} between date and time), up to 9 fraction digits of
 * which those past the microsecond must be 0, UTC, to microseconds since the epoch.
 */
final class ValueDecoder
{
    private static final double[] POWERS_OF_TEN = {
        1e0, 1e1, 1e2, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9, 1e10, 1e11,
        1e12, 1e13, 1e14, 1e15, 1e16, 1e17, 1e18, 1e19, 1e20, 1e21, 1e22 };
    private static final long[] LONG_POWERS_OF_TEN = new long[19];

    static
    {
        long p = 1;
        for (int i = 0; i < LONG_POWERS_OF_TEN.length; i++)
        {
            LONG_POWERS_OF_TEN[i] = p;
            p *= 10;
        }
    }

    long longValue;
    double doubleValue;
    String problem;
    private final StringBuilder fallback = new StringBuilder(32);

    static long powerOfTen(final int exponent)
    {
        return LONG_POWERS_OF_TEN[exponent];
    }

    boolean parseLong(final DirectBuffer buffer, final int start, final int end)
    {
        return parseScaled(buffer, start, end, 0, false);
    }

    boolean parseInt(final DirectBuffer buffer, final int start, final int end)
    {
        if (!parseScaled(buffer, start, end, 0, false))
        {
            return false;
        }
        if (longValue < Integer.MIN_VALUE || longValue > Integer.MAX_VALUE)
        {
            problem = "out of the INT32 range";
            return false;
        }
        return true;
    }

    boolean parseDecimal(final DirectBuffer buffer, final int start, final int end, final int scale)
    {
        return parseScaled(buffer, start, end, scale, true);
    }

    /** Digits with an optional sign and, if {@code allowFraction}, an optional fraction, scaled exactly. */
    private boolean parseScaled(
        final DirectBuffer buffer, final int start, final int end, final int scale, final boolean allowFraction)
    {
        int i = start;
        if (i >= end)
        {
            problem = "empty";
            return false;
        }
        boolean negative = false;
        final byte first = buffer.getByte(i);
        if (first == '-' || first == '+')
        {
            negative = first == '-';
            i++;
        }
        // accumulate negatively, like Long.parseLong, so that Long.MIN_VALUE parses
        final long limit = negative ? Long.MIN_VALUE : -Long.MAX_VALUE;
        final long multMin = limit / 10;
        long acc = 0;
        int digits = 0;
        for (; i < end; i++)
        {
            final int d = buffer.getByte(i) - '0';
            if (d < 0 || d > 9)
            {
                break;
            }
            if (acc < multMin || acc * 10 < limit + d)
            {
                problem = "out of range";
                return false;
            }
            acc = acc * 10 - d;
            digits++;
        }
        if (digits == 0)
        {
            problem = allowFraction ? "not a decimal number" : "not an integer";
            return false;
        }
        int fractionDigits = 0;
        if (i < end && buffer.getByte(i) == '.')
        {
            if (!allowFraction)
            {
                problem = "not an integer";
                return false;
            }
            i++;
            final int fractionStart = i;
            for (; i < end; i++)
            {
                final int d = buffer.getByte(i) - '0';
                if (d < 0 || d > 9)
                {
                    break;
                }
                if (fractionDigits < scale)
                {
                    if (acc < multMin || acc * 10 < limit + d)
                    {
                        problem = "out of range for the column's scale";
                        return false;
                    }
                    acc = acc * 10 - d;
                    fractionDigits++;
                }
                else if (d != 0)
                {
                    problem = "has more fraction digits than the column's scale";
                    return false;
                }
            }
            if (i == fractionStart)
            {
                problem = "not a decimal number";
                return false;
            }
        }
        if (i != end)
        {
            problem = allowFraction ? "not a decimal number" : "not an integer";
            return false;
        }
        for (; fractionDigits < scale; fractionDigits++)
        {
            if (acc < multMin)
            {
                problem = "out of range for the column's scale";
                return false;
            }
            acc *= 10;
        }
        longValue = negative ? acc : -acc;
        if (!negative && acc == Long.MIN_VALUE)
        {
            problem = "out of range";
            return false;
        }
        return true;
    }

    /**
     * A double in JSON number syntax (or the special names when {@code allowNames}). Exact decimal inputs
     * with at most 15 significant digits and a small exponent take the allocation-free Clinger fast path
     * (one correctly rounded IEEE operation); longer ones fall back to {@link Double#parseDouble}.
     */
    boolean parseDouble(final DirectBuffer buffer, final int start, final int end, final boolean allowNames)
    {
        if (allowNames && parseSpecialDouble(buffer, start, end))
        {
            return true;
        }
        int i = start;
        boolean negative = false;
        if (i < end && buffer.getByte(i) == '-')
        {
            negative = true;
            i++;
        }
        long mantissa = 0;
        int significant = 0;
        int exponent = 0;
        int intDigits = 0;
        for (; i < end; i++)
        {
            final int d = buffer.getByte(i) - '0';
            if (d < 0 || d > 9)
            {
                break;
            }
            intDigits++;
            if (significant < 19)
            {
                mantissa = mantissa * 10 + d;
                if (mantissa != 0)
                {
                    significant++;
                }
            }
            else
            {
                exponent++;
                significant++;
            }
        }
        if (intDigits == 0)
        {
            problem = "not a number";
            return false;
        }
        if (i < end && buffer.getByte(i) == '.')
        {
            i++;
            int fractionDigits = 0;
            for (; i < end; i++)
            {
                final int d = buffer.getByte(i) - '0';
                if (d < 0 || d > 9)
                {
                    break;
                }
                fractionDigits++;
                if (significant < 19)
                {
                    mantissa = mantissa * 10 + d;
                    exponent--;
                    if (mantissa != 0)
                    {
                        significant++;
                    }
                }
                else
                {
                    significant++;
                }
            }
            if (fractionDigits == 0)
            {
                problem = "not a number";
                return false;
            }
        }
        if (i < end && (buffer.getByte(i) == 'e' || buffer.getByte(i) == 'E'))
        {
            i++;
            boolean negativeExponent = false;
            if (i < end && (buffer.getByte(i) == '-' || buffer.getByte(i) == '+'))
            {
                negativeExponent = buffer.getByte(i) == '-';
                i++;
            }
            int e = 0;
            int exponentDigits = 0;
            for (; i < end; i++)
            {
                final int d = buffer.getByte(i) - '0';
                if (d < 0 || d > 9)
                {
                    break;
                }
                exponentDigits++;
                if (e < 100_000)
                {
                    e = e * 10 + d;
                }
            }
            if (exponentDigits == 0)
            {
                problem = "not a number";
                return false;
            }
            exponent += negativeExponent ? -e : e;
        }
        if (i != end)
        {
            problem = "not a number";
            return false;
        }
        if (significant <= 15 && exponent >= -22 && exponent <= 22)
        {
            final double m = mantissa;
            final double value = exponent >= 0 ? m * POWERS_OF_TEN[exponent] : m / POWERS_OF_TEN[-exponent];
            doubleValue = negative ? -value : value;
            return true;
        }
        fallback.setLength(0);
        for (int j = start; j < end; j++)
        {
            fallback.append((char)buffer.getByte(j));
        }
        doubleValue = Double.parseDouble(fallback.toString());
        return true;
    }

    private boolean parseSpecialDouble(final DirectBuffer buffer, final int start, final int end)
    {
        if (matches(buffer, start, end, "NaN"))
        {
            doubleValue = Double.NaN;
            return true;
        }
        if (matches(buffer, start, end, "Infinity"))
        {
            doubleValue = Double.POSITIVE_INFINITY;
            return true;
        }
        if (matches(buffer, start, end, "-Infinity"))
        {
            doubleValue = Double.NEGATIVE_INFINITY;
            return true;
        }
        return false;
    }

    static boolean matches(final DirectBuffer buffer, final int start, final int end, final String ascii)
    {
        final int length = ascii.length();
        if (end - start != length)
        {
            return false;
        }
        for (int i = 0; i < length; i++)
        {
            if (buffer.getByte(start + i) != ascii.charAt(i))
            {
                return false;
            }
        }
        return true;
    }

    /** {@code YYYY-MM-DD HH:MM:SS[.fffffffff]} to microseconds since the epoch (UTC). */
    boolean parseTimestamp(final DirectBuffer buffer, final int start, final int end)
    {
        problem = "not a timestamp 'YYYY-MM-DD HH:MM:SS[.ffffff]'";
        if (end - start < 19)
        {
            return false;
        }
        final int year = digits(buffer, start, 4);
        final int month = digits(buffer, start + 5, 2);
        final int day = digits(buffer, start + 8, 2);
        final int hour = digits(buffer, start + 11, 2);
        final int minute = digits(buffer, start + 14, 2);
        final int second = digits(buffer, start + 17, 2);
        final byte separator = buffer.getByte(start + 10);
        if (year < 0 || month < 0 || day < 0 || hour < 0 || minute < 0 || second < 0 ||
            buffer.getByte(start + 4) != '-' || buffer.getByte(start + 7) != '-' ||
            (separator != ' ' && separator != 'T') ||
            buffer.getByte(start + 13) != ':' || buffer.getByte(start + 16) != ':')
        {
            return false;
        }
        if (month < 1 || month > 12 || day < 1 || day > daysInMonth(year, month) || hour > 23 || minute > 59 ||
            second > 59)
        {
            problem = "has a date or time field out of range";
            return false;
        }
        long micros = 0;
        int i = start + 19;
        if (i < end)
        {
            if (buffer.getByte(i) != '.')
            {
                return false;
            }
            i++;
            int fractionDigits = 0;
            for (; i < end; i++)
            {
                final int d = buffer.getByte(i) - '0';
                if (d < 0 || d > 9 || fractionDigits == 9)
                {
                    return false;
                }
                if (fractionDigits < 6)
                {
                    micros = micros * 10 + d;
                }
                else if (d != 0)
                {
                    problem = "has sub-microsecond precision";
                    return false;
                }
                fractionDigits++;
            }
            if (fractionDigits == 0)
            {
                return false;
            }
            for (int k = Math.min(fractionDigits, 6); k < 6; k++)
            {
                micros *= 10;
            }
        }
        final long days = daysFromCivil(year, month, day);
        longValue = (days * 86_400L + hour * 3_600L + minute * 60L + second) * 1_000_000L + micros;
        return true;
    }

    private static int digits(final DirectBuffer buffer, final int offset, final int count)
    {
        int value = 0;
        for (int i = 0; i < count; i++)
        {
            final int d = buffer.getByte(offset + i) - '0';
            if (d < 0 || d > 9)
            {
                return -1;
            }
            value = value * 10 + d;
        }
        return value;
    }

    static int daysInMonth(final int year, final int month)
    {
        switch (month)
        {
            case 2:
                return (year % 4 == 0 && (year % 100 != 0 || year % 400 == 0)) ? 29 : 28;
            case 4:
            case 6:
            case 9:
            case 11:
                return 30;
            default:
                return 31;
        }
    }

    /** Days since 1970-01-01 of a proleptic Gregorian date (H. Hinnant's days_from_civil). */
    static long daysFromCivil(final int year, final int month, final int day)
    {
        final long y = month <= 2 ? year - 1 : year;
        final long era = (y >= 0 ? y : y - 399) / 400;
        final long yoe = y - era * 400;
        final long doy = (153L * (month + (month > 2 ? -3 : 9)) + 2) / 5 + day - 1;
        final long doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
        return era * 146_097 + doe - 719_468;
    }
}
