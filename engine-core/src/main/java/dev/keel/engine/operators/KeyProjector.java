package dev.keel.engine.operators;

import dev.keel.engine.data.Hashing;
import dev.keel.engine.data.RowView;
import dev.keel.engine.data.RowWriter;
import dev.keel.engine.data.Schema;
import org.agrona.MutableDirectBuffer;

/**
 * Projects chosen columns of a row into a key row (a row of the projected schema) in a reusable
 * buffer, and hashes it: the key form every stateful operator indexes by. Allocation-free.
 */
public final class KeyProjector
{
    private final int[] columns;
    private final Schema keySchema;
    private final RowWriter writer;
    private int length;
    private long hash;

    public KeyProjector(final Schema schema, final int... columns)
    {
        this.columns = columns.clone();
        this.keySchema = columns.length == 0 ? null : schema.project(columns);
        this.writer = columns.length == 0 ? null : new RowWriter(keySchema);
    }

    public static KeyProjector of(final Schema schema, final String... columnNames)
    {
        final int[] columns = new int[columnNames.length];
        for (int i = 0; i < columnNames.length; i++)
        {
            columns[i] = schema.require(columnNames[i]);
        }
        return new KeyProjector(schema, columns);
    }

    /** Schema of the key rows; null for the empty key (a global group). */
    public Schema keySchema()
    {
        return keySchema;
    }

    public int[] columns()
    {
        return columns.clone();
    }

    /** Projects {@code row}; then read {@link #buffer()}[0, {@link #length()}) and {@link #hash()}. */
    public KeyProjector project(final RowView row)
    {
        if (null == writer)
        {
            length = 0;
            hash = Hashing.hashLong(0);
            return this;
        }
        writer.reset();
        for (int i = 0; i < columns.length; i++)
        {
            writer.copyColumn(i, row, columns[i]);
        }
        length = writer.finish();
        hash = Hashing.hash(writer.buffer(), 0, length);
        return this;
    }

    public MutableDirectBuffer buffer()
    {
        return null == writer ? EMPTY : writer.buffer();
    }

    public int length()
    {
        return length;
    }

    public long hash()
    {
        return hash;
    }

    private static final MutableDirectBuffer EMPTY = new org.agrona.concurrent.UnsafeBuffer(new byte[8]);
}
