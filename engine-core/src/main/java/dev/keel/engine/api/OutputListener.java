package dev.keel.engine.api;

import dev.keel.engine.data.ZSetBatch;

/**
 * Receives the change of a view per transaction, in transaction order, on the thread that polls the
 * {@link OutputHandle}. The batch is reused after the call returns: copy what you keep.
 */
@FunctionalInterface
public interface OutputListener
{
    /**
     * @param transactionId the transaction (one per step).
     * @param delta         the view's change in it; may be empty.
     */
    void onTransaction(long transactionId, ZSetBatch delta);
}
