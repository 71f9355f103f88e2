package dev.keel.engine.operators;

import dev.keel.engine.data.RowView;
import dev.keel.engine.data.Schema;
import dev.keel.engine.data.ZSetBatch;

/**
 * Base of the stateless one-input operators (map, filter, flatMap): each input row is handled on its
 * own, with its weight, so the operator is linear and its output is append-only when its input is.
 * User code cannot be hashed, so a user-given {@code version} enters the program fingerprint.
 */
abstract class RowwiseOperator extends Operator
{
    private final Operator input;
    private final ZSetBatch.Cursor cursor;
    private final String version;

    RowwiseOperator(final String name, final Operator input, final Schema out, final String version)
    {
        super(name, out);
        this.input = input;
        this.cursor = input.output().cursor();
        this.version = version;
    }

    public final boolean appendOnly()
    {
        return input.appendOnly();
    }

    protected final long fingerprintParameters(final long h)
    {
        return Params.mix(Params.mix(h, input.name()), version);
    }

    public final void step()
    {
        final ZSetBatch output = output();
        final ZSetBatch.Cursor cursor = this.cursor.reset();
        while (cursor.next())
        {
            onRow(cursor.row(), cursor.weight(), output);
        }
    }

    /** Handles one input row of this step. */
    abstract void onRow(RowView row, long weight, ZSetBatch output);

    /** Stateless: runs on every worker over its part of the delta. */
    public boolean shardable()
    {
        return true;
    }
}
