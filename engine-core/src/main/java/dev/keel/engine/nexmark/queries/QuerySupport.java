package dev.keel.engine.nexmark.queries;

import dev.keel.engine.data.RowView;
import org.agrona.DirectBuffer;

import java.nio.charset.StandardCharsets;

/**
 * Allocation-free helpers shared by the query programs' user code.
 */
final class QuerySupport
{
    static final long SECOND = 1_000_000L;

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
}
