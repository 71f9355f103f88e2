package dev.keel.engine.operators;

import dev.keel.engine.data.RowWriter;

/**
 * Hands rows out of a {@link RowFlatMapper}: {@link #begin()} returns a reset writer, the mapper puts
 * the columns, {@link #emit()} finishes the row and adds it with the input row's weight.
 */
public interface RowEmitter
{
    RowWriter begin();

    void emit();
}
