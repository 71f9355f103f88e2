package dev.keel.engine.operators;

import dev.keel.engine.data.RowView;
import dev.keel.engine.data.ZSetBatch;

/**
 * Keeps the rows a predicate accepts, with their weights. Stateless.
 */
public final class FilterOperator extends RowwiseOperator
{
    private final RowPredicate predicate;

    public FilterOperator(final String name, final Operator input, final RowPredicate predicate, final String version)
    {
        super(name, input, input.outputSchema(), version);
        this.predicate = predicate;
    }

    public String kind()
    {
        return "filter";
    }

    void onRow(final RowView row, final long weight, final ZSetBatch output)
    {
        if (predicate.test(row))
        {
            output.add(row, weight);
        }
    }
}
