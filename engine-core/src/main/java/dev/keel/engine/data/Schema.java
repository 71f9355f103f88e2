package dev.keel.engine.data;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * An ordered list of columns, at most {@link #MAX_COLUMNS}. Rows of a schema are laid out by
 * {@link RowWriter} and read by {@link RowView}:
 * <pre>
 *   0                   8                 8 + 8n
 *   +-------------------+-----------------+--------------------+
 *   | null bits (int64) | n fixed slots   | variable section   |
 *   +-------------------+-----------------+--------------------+
 *   slot i (8 bytes, little endian): INT32/INT64/TIMESTAMP/DECIMAL as int64, FLOAT64 as double bits,
 *   BOOL as 0/1, STRING/BYTES as (int32 offset from row start, int32 length).
 * </pre>
 * The encoding is canonical (null slots are zero, variable data is in column order), so two rows are
 * equal exactly when their bytes are equal; hashing and equality work on bytes.
 */
public final class Schema
{
    public static final int MAX_COLUMNS = 64;
    public static final int NULL_BITS_LENGTH = 8;
    public static final int SLOT_LENGTH = 8;

    private final Column[] columns;
    private final Map<String, Integer> indexByName = new HashMap<>();
    private final int fixedLength;
    private final boolean hasVariableColumns;

    public Schema(final List<Column> columns)
    {
        if (columns.isEmpty() || columns.size() > MAX_COLUMNS)
        {
            throw new IllegalArgumentException("a schema has 1.." + MAX_COLUMNS + " columns, got " + columns.size());
        }
        this.columns = columns.toArray(new Column[0]);
        boolean variable = false;
        for (int i = 0; i < this.columns.length; i++)
        {
            if (null != indexByName.put(this.columns[i].name(), i))
            {
                throw new IllegalArgumentException("duplicate column name: " + this.columns[i].name());
            }
            variable |= this.columns[i].type().isVariableLength();
        }
        this.fixedLength = NULL_BITS_LENGTH + SLOT_LENGTH * this.columns.length;
        this.hasVariableColumns = variable;
    }

    public static Schema of(final Column... columns)
    {
        return new Schema(Arrays.asList(columns));
    }

    public int columnCount()
    {
        return columns.length;
    }

    public Column column(final int index)
    {
        return columns[index];
    }

    public ColumnType type(final int index)
    {
        return columns[index].type();
    }

    public List<Column> columns()
    {
        return Collections.unmodifiableList(Arrays.asList(columns));
    }

    /** Index of the named column, or -1. */
    public int indexOf(final String name)
    {
        final Integer index = indexByName.get(name);
        return null == index ? -1 : index;
    }

    /** Index of the named column; fails naming the column and the schema when absent. */
    public int require(final String name)
    {
        final int index = indexOf(name);
        if (index < 0)
        {
            throw new IllegalArgumentException("no column '" + name + "' in " + this);
        }
        return index;
    }

    /** Length of the null bits and fixed slots: the whole row when there are no variable columns. */
    public int fixedLength()
    {
        return fixedLength;
    }

    public boolean hasVariableColumns()
    {
        return hasVariableColumns;
    }

    /** Offset of a column's fixed slot from the start of a row. */
    public static int slotOffset(final int column)
    {
        return NULL_BITS_LENGTH + SLOT_LENGTH * column;
    }

    /** A schema of the given columns of this one, in the given order. */
    public Schema project(final int... indexes)
    {
        final List<Column> projected = new ArrayList<>(indexes.length);
        for (final int index : indexes)
        {
            projected.add(columns[index]);
        }
        return new Schema(projected);
    }

    /** A stable 64-bit fingerprint of names and types, used to detect program changes. */
    public long fingerprint()
    {
        long h = 0x9E3779B97F4A7C15L;
        for (final Column column : columns)
        {
            h = Hashing.mix(h ^ column.name().hashCode());
            h = Hashing.mix(h ^ (column.type().ordinal() * 31L + column.scale() * 7L + (column.nullable() ? 1 : 0)));
        }
        return h;
    }

    public boolean equals(final Object o)
    {
        return this == o || (o instanceof Schema && Arrays.equals(columns, ((Schema)o).columns));
    }

    public int hashCode()
    {
        return Arrays.hashCode(columns);
    }

    public String toString()
    {
        return "Schema" + Arrays.toString(columns);
    }
}
