package dev.keel.connector.delta;

import dev.keel.engine.data.ColumnType;
import dev.keel.engine.data.RowView;
import dev.keel.engine.data.Schema;
import io.delta.kernel.data.ColumnVector;
import io.delta.kernel.data.ColumnarBatch;
import io.delta.kernel.types.DataType;
import io.delta.kernel.types.StructType;

import java.math.BigDecimal;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;

/**
 * The changes of the steps of one pending Delta commit, column by column, as a kernel {@link ColumnarBatch}: the
 * view's columns, then {@link DeltaSchemas#OP_COLUMN} and {@link DeltaSchemas#TRANSACTION_COLUMN}. Owned by the
 * output endpoint's agent. The batch shows only the records of complete steps (up to the last {@link #endStep()});
 * records of a step still arriving stay behind and {@link #removeEnded()} moves them to the front after a commit,
 * so a commit never holds part of a step. The arrays are kept, so a steady state of similar commits allocates only
 * what the kernel's Parquet writer asks for (strings and decimals are materialized when it reads them).
 */
final class ChangeColumns implements ColumnarBatch
{
    private final Schema schema;
    private final StructType deltaSchema;
    private final int columns;
    private final Vector[] vectors;
    private long[][] longs;
    private boolean[][] nulls;
    private int[][] varOffsets;
    private byte[] varBytes = new byte[4096];
    private int varLength;
    private boolean[] deletes;
    private long[] transactions;
    private int size;
    private int ended;
    private int varEnded;
    private int capacity;

    ChangeColumns(final Schema schema)
    {
        this.schema = schema;
        this.deltaSchema = DeltaSchemas.outputSchema(schema);
        this.columns = schema.columnCount();
        this.vectors = new Vector[columns + 2];
        for (int i = 0; i < vectors.length; i++)
        {
            vectors[i] = new Vector(i);
        }
        grow(1024);
    }

    private void grow(final int newCapacity)
    {
        final long[][] newLongs = new long[columns][];
        final boolean[][] newNulls = new boolean[columns][];
        final int[][] newVarOffsets = new int[columns][];
        for (int c = 0; c < columns; c++)
        {
            newLongs[c] = null == longs ? new long[newCapacity] : Arrays.copyOf(longs[c], newCapacity);
            newNulls[c] = null == nulls ? new boolean[newCapacity] : Arrays.copyOf(nulls[c], newCapacity);
            if (schema.type(c).isVariableLength())
            {
                newVarOffsets[c] = null == varOffsets ?
                    new int[newCapacity] : Arrays.copyOf(varOffsets[c], newCapacity);
            }
        }
        longs = newLongs;
        nulls = newNulls;
        varOffsets = newVarOffsets;
        deletes = null == deletes ? new boolean[newCapacity] : Arrays.copyOf(deletes, newCapacity);
        transactions = null == transactions ? new long[newCapacity] : Arrays.copyOf(transactions, newCapacity);
        capacity = newCapacity;
    }

    /** Appends |weight| records of {@code row} (inserts for a positive weight, deletes for a negative one). */
    void add(final RowView row, final long weight, final long transactionId)
    {
        for (long k = Math.abs(weight); k > 0; k--)
        {
            if (size == capacity)
            {
                grow(capacity * 2);
            }
            final int i = size;
            for (int c = 0; c < columns; c++)
            {
                final boolean isNull = row.isNull(c);
                nulls[c][i] = isNull;
                if (schema.type(c).isVariableLength())
                {
                    final int length = isNull ? 0 : row.varLength(c);
                    if (varLength + length > varBytes.length)
                    {
                        varBytes = Arrays.copyOf(varBytes, Math.max(varBytes.length * 2, varLength + length));
                    }
                    if (!isNull)
                    {
                        row.buffer().getBytes(row.varOffset(c), varBytes, varLength, length);
                    }
                    varOffsets[c][i] = varLength;
                    longs[c][i] = length;
                    varLength += length;
                }
                else
                {
                    longs[c][i] = isNull ? 0 : row.getLong(c);
                }
            }
            deletes[i] = weight < 0;
            transactions[i] = transactionId;
            size++;
        }
    }

    /** Marks the records so far as complete steps: the batch shows them. */
    void endStep()
    {
        ended = size;
        varEnded = varLength;
    }

    /** Drops the records of complete steps (committed), keeping those of a step still arriving. */
    void removeEnded()
    {
        final int rest = size - ended;
        if (rest > 0)
        {
            for (int c = 0; c < columns; c++)
            {
                System.arraycopy(longs[c], ended, longs[c], 0, rest);
                System.arraycopy(nulls[c], ended, nulls[c], 0, rest);
                if (null != varOffsets[c])
                {
                    final int[] offsets = varOffsets[c];
                    for (int i = 0; i < rest; i++)
                    {
                        offsets[i] = offsets[ended + i] - varEnded;
                    }
                }
            }
            System.arraycopy(deletes, ended, deletes, 0, rest);
            System.arraycopy(transactions, ended, transactions, 0, rest);
            System.arraycopy(varBytes, varEnded, varBytes, 0, varLength - varEnded);
        }
        size = rest;
        varLength -= varEnded;
        ended = 0;
        varEnded = 0;
    }

    /** @return true if no complete step has a record here. */
    boolean isEmpty()
    {
        return 0 == ended;
    }

    public StructType getSchema()
    {
        return deltaSchema;
    }

    public ColumnVector getColumnVector(final int ordinal)
    {
        return vectors[ordinal];
    }

    /** @return the records of complete steps. */
    public int getSize()
    {
        return ended;
    }

    /** One column of the batch. */
    private final class Vector implements ColumnVector
    {
        private final int ordinal;
        private final DataType type;
        private final ColumnType keelType;

        Vector(final int ordinal)
        {
            this.ordinal = ordinal;
            this.type = deltaSchema.at(ordinal).getDataType();
            this.keelType = ordinal < columns ? schema.type(ordinal) : null;
        }

        public DataType getDataType()
        {
            return type;
        }

        public int getSize()
        {
            return ended;
        }

        public void close()
        {
        }

        public boolean isNullAt(final int rowId)
        {
            return ordinal < columns && nulls[ordinal][rowId];
        }

        public boolean getBoolean(final int rowId)
        {
            return longs[ordinal][rowId] != 0;
        }

        public int getInt(final int rowId)
        {
            return (int)longs[ordinal][rowId];
        }

        public long getLong(final int rowId)
        {
            return ordinal == columns + 1 ? transactions[rowId] : longs[ordinal][rowId];
        }

        public double getDouble(final int rowId)
        {
            return Double.longBitsToDouble(longs[ordinal][rowId]);
        }

        public BigDecimal getDecimal(final int rowId)
        {
            return BigDecimal.valueOf(longs[ordinal][rowId], schema.column(ordinal).scale());
        }

        public String getString(final int rowId)
        {
            if (ordinal == columns)
            {
                return deletes[rowId] ? "d" : "i";
            }
            return new String(varBytes, varOffsets[ordinal][rowId], (int)longs[ordinal][rowId], StandardCharsets.UTF_8);
        }

        public byte[] getBinary(final int rowId)
        {
            final int offset = varOffsets[ordinal][rowId];
            return Arrays.copyOfRange(varBytes, offset, offset + (int)longs[ordinal][rowId]);
        }

        public String toString()
        {
            return "ChangeColumns.Vector{" + deltaSchema.at(ordinal).getName() + " " + keelType + "}";
        }
    }
}
