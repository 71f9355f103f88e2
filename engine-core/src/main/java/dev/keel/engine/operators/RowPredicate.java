package dev.keel.engine.operators;

import dev.keel.engine.data.RowView;

/**
 * User code of a filter: keeps a row when it returns true. Must be a pure function of the row, otherwise
 * retractions would not cancel the inserts they retract.
 */
@FunctionalInterface
public interface RowPredicate
{
    boolean test(RowView row);
}
