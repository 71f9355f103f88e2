package dev.keel.engine.operators;

import dev.keel.engine.KeelException;
import dev.keel.engine.data.ColumnType;
import dev.keel.engine.data.Schema;

/**
 * Window parameter checks shared by the window operators: windows start at multiples of the hop and a
 * row at event time t belongs to the size/hop windows [s, s + size) with s <= t < s + size.
 */
final class Windows
{
    private Windows()
    {
    }

    static int timeColumn(final String operator, final Schema schema, final String timeColumn)
    {
        final int column = schema.require(timeColumn);
        final ColumnType type = schema.type(column);
        if (type != ColumnType.INT64 && type != ColumnType.TIMESTAMP)
        {
            throw new KeelException(KeelException.Category.PROGRAM, "PROGRAM_WINDOW_TIME",
                operator + ": event-time column '" + timeColumn + "' is " + type + ", not INT64 or TIMESTAMP");
        }
        if (schema.column(column).nullable())
        {
            throw new KeelException(KeelException.Category.PROGRAM, "PROGRAM_WINDOW_TIME",
                operator + ": event-time column '" + timeColumn + "' must not be nullable");
        }
        return column;
    }

    static void check(final String operator, final long size, final long hop)
    {
        if (size <= 0 || hop <= 0 || hop > size || size % hop != 0)
        {
            throw new KeelException(KeelException.Category.PROGRAM, "PROGRAM_WINDOW_SIZE",
                operator + ": window size=" + size + " hop=" + hop +
                " must be positive with hop <= size and size a multiple of hop");
        }
    }

    /** Start of the latest window containing {@code time}. */
    static long lastStart(final long time, final long hop)
    {
        return Math.floorDiv(time, hop) * hop;
    }
}
