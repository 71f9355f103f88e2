package dev.keel.engine.operators;

import dev.keel.engine.data.RowView;
import dev.keel.engine.data.RowWriter;

/**
 * User code of a map: writes one output row for an input row. The operator resets the writer before
 * and finishes it after the call, so the mapper only puts columns. Must be a pure function of the row
 * and must not allocate if the program is to stay allocation-free.
 */
@FunctionalInterface
public interface RowMapper
{
    void map(RowView in, RowWriter out);
}
