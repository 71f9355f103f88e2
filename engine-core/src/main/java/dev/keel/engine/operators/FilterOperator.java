package dev.keel.engine.operators;

import dev.keel.engine.data.ZSetBatch;
import dev.keel.engine.program.Operator;

/**
 * Keeps the rows a predicate accepts, with their weights. Stateless.
 */
public final class FilterOperator extends Operator
{
    private final Operator input;
    private final ZSetBatch.Cursor cursor;
    private final RowPredicate predicate;
    private final String version;

    public FilterOperator(final String name, final Operator input, final RowPredicate predicate, final String version)
    {
        super(name, input.outputSchema());
        this.input = input;
        this.cursor = input.output().cursor();
        this.predicate = predicate;
        this.version = version;
    }

    public String kind()
    {
        return "filter";
    }

    public boolean appendOnly()
    {
        return input.appendOnly();
    }

    protected long fingerprintParameters(final long h)
    {
        return Params.mix(Params.mix(h, input.name()), version);
    }

    public void step()
    {
        final ZSetBatch output = output();
        final ZSetBatch.Cursor cursor = this.cursor.reset();
        while (cursor.next())
        {
            if (predicate.test(cursor.row()))
            {
                output.add(cursor.row(), cursor.weight());
            }
        }
    }
}
