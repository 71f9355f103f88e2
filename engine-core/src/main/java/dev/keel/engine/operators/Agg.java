package dev.keel.engine.operators;

import dev.keel.engine.KeelException;
import dev.keel.engine.data.Column;
import dev.keel.engine.data.ColumnType;
import dev.keel.engine.data.Schema;

/**
 * An aggregate function of a group, named by its output column. Types of the output columns:
 * <ul>
 * <li>{@code count}: number of rows of the group (SQL COUNT(*)), BIGINT (INT64);</li>
 * <li>{@code sum}: INT32/INT64 sum to INT64, DECIMAL(s) to DECIMAL(s), FLOAT64 to FLOAT64. Integral
 * sums wrap on overflow (two's complement), which keeps them exact under retraction. FLOAT64 sums are
 * kept incrementally, so their rounding can differ from a recomputation in another order;</li>
 * <li>{@code min}/{@code max}: the input column's type (integral, TIMESTAMP, DECIMAL or FLOAT64);</li>
 * <li>{@code avg}: FLOAT64, sum / non-null count (a DECIMAL input is unscaled first).</li>
 * </ul>
 * NULL inputs are ignored by sum/min/max/avg; their output is NULL when a group has no non-null value,
 * and nullable exactly when the input column is.
 */
public final class Agg
{
    /** The function. */
    public enum Kind
    {
        COUNT, SUM, MIN, MAX, AVG
    }

    private final Kind kind;
    private final String column;
    private final String out;

    private Agg(final Kind kind, final String column, final String out)
    {
        this.kind = kind;
        this.column = column;
        this.out = out;
    }

    public static Agg count(final String out)
    {
        return new Agg(Kind.COUNT, null, out);
    }

    public static Agg sum(final String column, final String out)
    {
        return new Agg(Kind.SUM, column, out);
    }

    public static Agg min(final String column, final String out)
    {
        return new Agg(Kind.MIN, column, out);
    }

    public static Agg max(final String column, final String out)
    {
        return new Agg(Kind.MAX, column, out);
    }

    public static Agg avg(final String column, final String out)
    {
        return new Agg(Kind.AVG, column, out);
    }

    public Kind kind()
    {
        return kind;
    }

    /** Input column, null for count. */
    public String column()
    {
        return column;
    }

    public String out()
    {
        return out;
    }

    /** The output column for an input schema; fails naming the aggregate when the input type does not fit. */
    Column outputColumn(final Schema input)
    {
        if (kind == Kind.COUNT)
        {
            return Column.of(out, ColumnType.INT64);
        }
        final Column in = input.column(input.require(column));
        final ColumnType type = in.type();
        final boolean numeric = type.isIntegral() || type == ColumnType.FLOAT64;
        if (!numeric || ((kind == Kind.SUM || kind == Kind.AVG) && type == ColumnType.TIMESTAMP))
        {
            throw new KeelException(KeelException.Category.PROGRAM, "PROGRAM_AGGREGATE_TYPE",
                kind + "(" + column + ") cannot aggregate a " + type + " column");
        }
        switch (kind)
        {
            case SUM:
                if (type == ColumnType.DECIMAL)
                {
                    return new Column(out, ColumnType.DECIMAL, in.scale(), in.nullable());
                }
                return new Column(out, type == ColumnType.FLOAT64 ? ColumnType.FLOAT64 : ColumnType.INT64, 0,
                    in.nullable());
            case AVG:
                return new Column(out, ColumnType.FLOAT64, 0, in.nullable());
            default:
                return new Column(out, type, in.scale(), in.nullable());
        }
    }

    public String toString()
    {
        return kind.name().toLowerCase() + "(" + (null == column ? "*" : column) + ") as " + out;
    }
}
