package dev.keel.nexmark.queries;

import dev.keel.engine.data.RowView;
import org.agrona.DirectBuffer;
import org.agrona.MutableDirectBuffer;

import java.nio.charset.StandardCharsets;

/**
 * Allocation-free helpers shared by the query programs' user code.
 */
final class QuerySupport
{
    static final long SECOND = 1_000_000L;
    static final long HOUR = 3600 * SECOND;
    static final long DAY = 24 * HOUR;

    private QuerySupport()
    {
    }

    /** Checks a query's lateness parameter. */
    static long lateness(final String query, final long lateness)
    {
        if (lateness < 0)
        {
            throw new IllegalArgumentException(query + ": lateness=" + lateness + " must be >= 0 (micros)");
        }
        return lateness;
    }

    static byte[] ascii(final String text)
    {
        return text.getBytes(StandardCharsets.US_ASCII);
    }

    /** True if the STRING column holds exactly {@code expected} (UTF-8 bytes). */
    static boolean equalsAscii(final RowView row, final int column, final byte[] expected)
    {
        if (row.isNull(column) || row.varLength(column) != expected.length)
        {
            return false;
        }
        final DirectBuffer buffer = row.buffer();
        final int offset = row.varOffset(column);
        for (int i = 0; i < expected.length; i++)
        {
            if (buffer.getByte(offset + i) != expected[i])
            {
                return false;
            }
        }
        return true;
    }

    /** True if the STRING column equals {@code lowerCase} ignoring ASCII case ({@code lower(column) = ...}). */
    static boolean equalsIgnoreAsciiCase(final RowView row, final int column, final byte[] lowerCase)
    {
        if (row.isNull(column) || row.varLength(column) != lowerCase.length)
        {
            return false;
        }
        final DirectBuffer buffer = row.buffer();
        final int offset = row.varOffset(column);
        for (int i = 0; i < lowerCase.length; i++)
        {
            byte b = buffer.getByte(offset + i);
            if (b >= 'A' && b <= 'Z')
            {
                b += 'a' - 'A';
            }
            if (b != lowerCase[i])
            {
                return false;
            }
        }
        return true;
    }

    /** Occurrences of one ASCII character in a STRING column. */
    static long countChar(final RowView row, final int column, final byte c)
    {
        if (row.isNull(column))
        {
            return 0;
        }
        final DirectBuffer buffer = row.buffer();
        final int offset = row.varOffset(column);
        long count = 0;
        for (int i = 0, length = row.varLength(column); i < length; i++)
        {
            if (buffer.getByte(offset + i) == c)
            {
                count++;
            }
        }
        return count;
    }

    /**
     * Writes {@code yyyy-MM-dd} of a TIMESTAMP (micros since the epoch, UTC) into {@code out[0, 10)}: the
     * proleptic Gregorian civil date (H. Hinnant's days-to-civil), years 0..9999.
     */
    static void formatDate(final long micros, final MutableDirectBuffer out)
    {
        final long z = Math.floorDiv(micros, DAY) + 719_468;
        final long era = Math.floorDiv(z, 146_097);
        final long dayOfEra = z - era * 146_097;
        final long yearOfEra = (dayOfEra - dayOfEra / 1460 + dayOfEra / 36_524 - dayOfEra / 146_096) / 365;
        final long dayOfYear = dayOfEra - (365 * yearOfEra + yearOfEra / 4 - yearOfEra / 100);
        final long mp = (5 * dayOfYear + 2) / 153;
        final long day = dayOfYear - (153 * mp + 2) / 5 + 1;
        final long month = mp < 10 ? mp + 3 : mp - 9;
        final long year = yearOfEra + era * 400 + (month <= 2 ? 1 : 0);
        digits(out, 0, year, 4);
        out.putByte(4, (byte)'-');
        digits(out, 5, month, 2);
        out.putByte(7, (byte)'-');
        digits(out, 8, day, 2);
    }

    /** Writes {@code HH:mm} of a TIMESTAMP (micros since the epoch, UTC) into {@code out[0, 5)}. */
    static void formatHourMinute(final long micros, final MutableDirectBuffer out)
    {
        final long minuteOfDay = Math.floorMod(Math.floorDiv(micros, 60 * SECOND), 24 * 60);
        digits(out, 0, minuteOfDay / 60, 2);
        out.putByte(2, (byte)':');
        digits(out, 3, minuteOfDay % 60, 2);
    }

    private static void digits(final MutableDirectBuffer out, final int offset, final long value, final int width)
    {
        long rest = value;
        for (int i = width - 1; i >= 0; i--)
        {
            out.putByte(offset + i, (byte)('0' + rest % 10));
            rest /= 10;
        }
    }
}
