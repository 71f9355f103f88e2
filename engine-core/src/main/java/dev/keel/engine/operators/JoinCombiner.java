package dev.keel.engine.operators;

import dev.keel.engine.data.RowView;
import dev.keel.engine.data.RowWriter;

/**
 * User code of a join: writes the output row of a matching pair. For a left outer join, {@code right}
 * is null when the left row has no match. The operator resets and finishes the writer.
 */
@FunctionalInterface
public interface JoinCombiner
{
    void combine(RowView left, RowView right, RowWriter out);
}
