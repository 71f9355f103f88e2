package dev.keel.engine.circuit;

import dev.keel.engine.data.ZSetBatch;
import dev.keel.engine.operators.Operator;

/**
 * Bounded queue of steps whose view deltas are not yet handed to every output: waiting for the journal
 * to make them durable (group commit) or for outputs under back pressure. A ring of pre-allocated
 * slots indexed by transaction id (transaction ids are consecutive), each holding an off-heap copy of
 * every view's delta, so steady state allocates nothing. Circuit thread only.
 */
final class PendingSteps
{
    /** One queued step. */
    static final class Slot
    {
        long transactionId;
        long journalPosition;
        /** False when every output took the step straight from the operators: only the position is kept. */
        boolean copied;
        final ZSetBatch[] deltas;

        Slot(final Operator[] views, final int initialBytes)
        {
            deltas = new ZSetBatch[views.length];
            for (int i = 0; i < views.length; i++)
            {
                deltas[i] = new ZSetBatch(views[i].outputSchema(), initialBytes);
            }
        }
    }

    private final Slot[] slots;
    private final int mask;
    private long headTransactionId;
    private long tailTransactionId;

    PendingSteps(final int capacity, final Operator[] views, final int initialBytes, final long firstTransactionId)
    {
        if (Integer.bitCount(capacity) != 1)
        {
            throw new IllegalArgumentException("pending step capacity must be a power of two, got " + capacity);
        }
        slots = new Slot[capacity];
        for (int i = 0; i < capacity; i++)
        {
            slots[i] = new Slot(views, initialBytes);
        }
        mask = capacity - 1;
        reset(firstTransactionId);
    }

    /** Empties the queue; the next step to be added has {@code nextTransactionId}. */
    void reset(final long nextTransactionId)
    {
        headTransactionId = nextTransactionId;
        tailTransactionId = nextTransactionId;
    }

    int capacity()
    {
        return slots.length;
    }

    int size()
    {
        return (int)(tailTransactionId - headTransactionId);
    }

    boolean isFull()
    {
        return tailTransactionId - headTransactionId >= slots.length;
    }

    boolean isEmpty()
    {
        return tailTransactionId == headTransactionId;
    }

    /** Oldest queued transaction id (== {@link #tailTransactionId()} when empty). */
    long headTransactionId()
    {
        return headTransactionId;
    }

    /** Transaction id the next added step must have. */
    long tailTransactionId()
    {
        return tailTransactionId;
    }

    /** Copies the views' deltas of a step into the next slot, or, with {@code views} null, only its position. */
    Slot add(final long transactionId, final long journalPosition, final Operator[] views)
    {
        if (transactionId != tailTransactionId || isFull())
        {
            throw new IllegalStateException("pending steps: cannot add transaction " + transactionId +
                ", head=" + headTransactionId + " tail=" + tailTransactionId + " capacity=" + slots.length);
        }
        final Slot slot = slots[(int)(transactionId & mask)];
        slot.transactionId = transactionId;
        slot.journalPosition = journalPosition;
        slot.copied = null != views;
        if (null != views)
        {
            for (int i = 0; i < views.length; i++)
            {
                final ZSetBatch delta = slot.deltas[i];
                delta.clear();
                delta.addAll(views[i].output(), 1);
            }
        }
        tailTransactionId++;
        return slot;
    }

    /** The slot of a queued transaction. */
    Slot slot(final long transactionId)
    {
        return slots[(int)(transactionId & mask)];
    }

    /** Drops every step below {@code transactionId}. */
    void releaseBefore(final long transactionId)
    {
        if (transactionId > headTransactionId)
        {
            headTransactionId = Math.min(transactionId, tailTransactionId);
        }
    }
}
