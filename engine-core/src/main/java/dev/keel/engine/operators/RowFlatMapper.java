package dev.keel.engine.operators;

import dev.keel.engine.data.RowView;

/**
 * User code of a flatMap: writes 0..n output rows for an input row through the emitter. Must be a pure
 * function of the row (same rows for an insert and for its retraction).
 */
@FunctionalInterface
public interface RowFlatMapper
{
    void flatMap(RowView in, RowEmitter out);
}
