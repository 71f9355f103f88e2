package dev.keel.engine.operators;

import dev.keel.engine.data.Schema;
import dev.keel.engine.data.ZSetBatch;
import dev.keel.engine.state.PagedArena;
import org.agrona.DirectBuffer;
import org.agrona.MutableDirectBuffer;

import java.nio.ByteOrder;

/**
 * Writes the output rows of {@link AggregateState}'s groups straight into the output batch
 * ({@link ZSetBatch#appendRow}): the key row's slots and variable section are copied from the arena, the
 * aggregate slots are computed from a group record's value area (the current one in the arena or the old
 * copy a {@link TouchedList} keeps). The bytes are those a {@code RowWriter} would produce (see {@link Schema}):
 * <pre>
 *   | null bits | key slots (var offsets shifted by the extra fixed slots) | [window_end] | aggregate slots |
 *   | key's variable section                                                                               |
 * </pre>
 * Null slots are zero and doubles are canonical (-0.0 as 0.0, one NaN), so two rows of a group are equal
 * exactly when their null bits and aggregate slots are ({@link #sameAggregates}).
 */
final class AggregateRows
{
    private static final ByteOrder LE = ByteOrder.LITTLE_ENDIAN;

    private final int keyColumns;
    private final int keyFixedLength;
    private final boolean[] variableKey;
    private final long windowSize;
    private final int aggBase;
    private final int outFixedLength;
    private final Agg.Kind[] kinds;
    private final int[] offsets;
    private final boolean[] doubles;
    private final boolean[] nullableOut;
    private final double[] avgDivisors;

    AggregateRows(
        final Schema keySchema,
        final Schema output,
        final long windowSize,
        final Agg.Kind[] kinds,
        final int[] offsets,
        final boolean[] doubles,
        final boolean[] nullableOut,
        final double[] avgDivisors)
    {
        this.keyColumns = null == keySchema ? 0 : keySchema.columnCount();
        this.keyFixedLength = null == keySchema ? 0 : keySchema.fixedLength();
        this.variableKey = new boolean[keyColumns];
        for (int i = 0; i < keyColumns; i++)
        {
            variableKey[i] = keySchema.type(i).isVariableLength();
        }
        this.windowSize = windowSize;
        this.aggBase = keyColumns + (windowSize > 0 ? 1 : 0);
        this.outFixedLength = output.fixedLength();
        if (output.columnCount() != aggBase + kinds.length)
        {
            throw new IllegalArgumentException("output " + output + " has " + output.columnCount() +
                " columns, expected " + aggBase + " key/window columns and " + kinds.length + " aggregates");
        }
        this.kinds = kinds;
        this.offsets = offsets;
        this.doubles = doubles;
        this.nullableOut = nullableOut;
        this.avgDivisors = avgDivisors;
    }

    /**
     * Appends the output row of a group with a weight.
     *
     * @param keyAddress  the group's key row in the arena ({@code keyLength} bytes, 0 for the global group).
     * @param value       the buffer holding the group's value area (accumulators).
     * @param valueOffset where the value area starts in {@code value}.
     * @return the row's offset in {@link ZSetBatch#rowBuffer()}.
     */
    int append(
        final ZSetBatch batch, final long weight, final PagedArena arena, final long keyAddress, final int keyLength,
        final DirectBuffer value, final int valueOffset)
    {
        final int varLength = keyLength - keyFixedLength;
        final int at = batch.appendRow(outFixedLength + varLength, weight);
        final MutableDirectBuffer row = batch.rowBuffer();
        long nullBits = 0;
        if (keyColumns > 0)
        {
            nullBits = arena.getLong(keyAddress);
            final int shift = outFixedLength - keyFixedLength;
            for (int i = 0; i < keyColumns; i++)
            {
                long slot = arena.getLong(keyAddress + Schema.slotOffset(i));
                if (variableKey[i] && (nullBits & (1L << i)) == 0)
                {
                    slot += shift; // the low int32 (little endian) is the offset from the row start
                }
                row.putLong(at + Schema.slotOffset(i), slot, LE);
            }
            if (windowSize > 0)
            {
                final long start = arena.getLong(keyAddress + Schema.slotOffset(keyColumns - 1));
                row.putLong(at + Schema.slotOffset(keyColumns), start + windowSize, LE);
            }
            if (varLength > 0)
            {
                row.putBytes(
                    at + outFixedLength, arena.pageOf(keyAddress), PagedArena.offset(keyAddress) + keyFixedLength,
                    varLength);
            }
        }
        final long count = value.getLong(valueOffset + AggregateState.COUNT, LE);
        for (int a = 0; a < kinds.length; a++)
        {
            final int column = aggBase + a;
            final int address = valueOffset + offsets[a];
            long bits = 0;
            boolean isNull = false;
            switch (kinds[a])
            {
                case COUNT:
                    bits = count;
                    break;
                case AVG:
                {
                    final long nonNull = value.getLong(address + AggregateState.NON_NULL, LE);
                    if (nonNull == 0)
                    {
                        isNull = true;
                    }
                    else
                    {
                        final long acc = value.getLong(address + AggregateState.ACC, LE);
                        final double sum = doubles[a] ? Double.longBitsToDouble(acc) : (double)acc;
                        final double divisor = avgDivisors[a];
                        bits = doubleBits(divisor == 1 ? sum / nonNull : sum / divisor / nonNull);
                    }
                    break;
                }
                case SUM:
                    if (value.getLong(address + AggregateState.NON_NULL, LE) == 0)
                    {
                        isNull = true;
                    }
                    else
                    {
                        final long acc = value.getLong(address + AggregateState.ACC, LE);
                        bits = doubles[a] ? doubleBits(Double.longBitsToDouble(acc)) : acc;
                    }
                    break;
                default:
                    if (value.getLong(address + AggregateState.HAS, LE) == 0)
                    {
                        isNull = true;
                    }
                    else
                    {
                        bits = value.getLong(address + AggregateState.ACC, LE);
                    }
            }
            // a non-nullable input column leaves no group without values unless the input itself went negative:
            // then the column is 0, not null
            if (isNull && nullableOut[a])
            {
                nullBits |= 1L << column;
            }
            row.putLong(at + Schema.slotOffset(column), bits, LE);
        }
        row.putLong(at, nullBits, LE);
        return at;
    }

    /** True if the rows at {@code first} and {@code second} (of the same group) have equal aggregate columns. */
    boolean sameAggregates(final DirectBuffer rows, final int first, final int second)
    {
        if (rows.getLong(first, LE) != rows.getLong(second, LE))
        {
            return false;
        }
        for (int offset = Schema.slotOffset(aggBase); offset < outFixedLength; offset += Schema.SLOT_LENGTH)
        {
            if (rows.getLong(first + offset, LE) != rows.getLong(second + offset, LE))
            {
                return false;
            }
        }
        return true;
    }

    private static long doubleBits(final double value)
    {
        // canonical as RowWriter.putDouble: -0.0 and 0.0 compare equal in SQL, and one NaN
        return Double.doubleToLongBits(value == 0.0 ? 0.0 : value);
    }
}
