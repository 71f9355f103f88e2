package dev.keel.engine.data;

import java.util.Objects;

/**
 * A named, typed column. {@code scale} is meaningful for {@link ColumnType#DECIMAL} only (0..18).
 */
public final class Column
{
    private final String name;
    private final ColumnType type;
    private final int scale;
    private final boolean nullable;

    public Column(final String name, final ColumnType type, final int scale, final boolean nullable)
    {
        if (name == null || name.isEmpty())
        {
            throw new IllegalArgumentException("column name must not be empty");
        }
        Objects.requireNonNull(type, "type");
        if (scale < 0 || scale > 18 || (scale != 0 && type != ColumnType.DECIMAL))
        {
            throw new IllegalArgumentException("column " + name + ": scale=" + scale +
                " is allowed only for DECIMAL, in 0..18");
        }
        this.name = name;
        this.type = type;
        this.scale = scale;
        this.nullable = nullable;
    }

    public static Column of(final String name, final ColumnType type)
    {
        return new Column(name, type, 0, false);
    }

    public static Column nullable(final String name, final ColumnType type)
    {
        return new Column(name, type, 0, true);
    }

    public static Column decimal(final String name, final int scale)
    {
        return new Column(name, ColumnType.DECIMAL, scale, false);
    }

    public String name()
    {
        return name;
    }

    public ColumnType type()
    {
        return type;
    }

    public int scale()
    {
        return scale;
    }

    public boolean nullable()
    {
        return nullable;
    }

    public boolean equals(final Object o)
    {
        if (this == o)
        {
            return true;
        }
        if (!(o instanceof Column))
        {
            return false;
        }
        final Column that = (Column)o;
        return scale == that.scale && nullable == that.nullable && name.equals(that.name) && type == that.type;
    }

    public int hashCode()
    {
        return Objects.hash(name, type, scale, nullable);
    }

    public String toString()
    {
        return name + " " + type + (type == ColumnType.DECIMAL ? "(" + scale + ")" : "") + (nullable ? " NULL" : "");
    }
}
