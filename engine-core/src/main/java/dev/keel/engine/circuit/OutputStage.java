package dev.keel.engine.circuit;

import dev.keel.engine.connector.OutputEndpoint;
import dev.keel.engine.operators.Operator;
import dev.keel.engine.spi.Journal;
import org.agrona.concurrent.status.AtomicCounter;

import java.util.function.LongSupplier;

/**
 * The emit half of a step, owned by the circuit thread: the output endpoints, the bounded ring of steps whose
 * output not every endpoint has accepted yet, and the highest transaction the journal reports durable.
 * <p>
 * With a journal a step's views are copied into the ring at once and handed to each output, in transaction order,
 * once {@link Journal#durablePosition()} covers the step's record (several steps per sync: group commit). Without
 * one a step is offered straight from the operators and copied only if an output refuses it. An output that
 * {@link OutputEndpoint#holdsUntilDurable() holds} transactions until they are durable is offered a step straight
 * from the operators as soon as it ran, journal or not, and told when the durable transaction advances
 * ({@link OutputEndpoint#onDurable}); when every output holds, a journaled step's slot keeps only its journal
 * position and nothing is copied. A refused offer is retried with the same entries in the same order; nothing is
 * dropped. While the ring is full no new step starts.
 * <p>
 * An optional release limit (a journal position, read on every pass) holds journaled steps beyond durability:
 * a step counts as durable only once both the journal's durable position and the limit cover its record (a node
 * that releases output only once the record is shipped to object storage feeds it).
 */
final class OutputStage
{
    /** An output endpoint bound to a view, with the next transaction to offer it. */
    static final class Binding
    {
        final String name;
        final int viewIndex;
        final OutputEndpoint endpoint;
        final boolean holds;
        long nextTransactionId = 1;

        Binding(final String name, final int viewIndex, final OutputEndpoint endpoint)
        {
            this.name = name;
            this.viewIndex = viewIndex;
            this.endpoint = endpoint;
            this.holds = endpoint.holdsUntilDurable();
        }
    }

    private final Binding[] outputs;
    private final Operator[] views;
    private final Journal journal;
    private final LongSupplier releaseLimit;
    private final PendingSteps pending;
    private final AtomicCounter backPressureCounter;
    private final boolean anyHolds;
    private long durableTransactionId;
    private long notifiedDurableTransactionId;

    OutputStage(
        final Binding[] outputs,
        final Operator[] views,
        final Journal journal,
        final LongSupplier releaseLimit,
        final int pendingStepCapacity,
        final int pendingDeltaInitialBytes,
        final AtomicCounter backPressureCounter)
    {
        this.outputs = outputs;
        this.views = views;
        this.journal = journal;
        this.releaseLimit = releaseLimit;
        this.pending = new PendingSteps(pendingStepCapacity, views, pendingDeltaInitialBytes, 1);
        this.backPressureCounter = backPressureCounter;
        boolean holds = false;
        for (final Binding output : outputs)
        {
            holds |= output.holds;
        }
        this.anyHolds = holds;
    }

    int count()
    {
        return outputs.length;
    }

    Binding binding(final int index)
    {
        return outputs[index];
    }

    void openFresh()
    {
        for (final Binding output : outputs)
        {
            output.endpoint.open();
        }
    }

    /** Each output truncates to its checkpointed position and skips transactions up to its id. */
    void restore(final long[] positions, final long[] transactionIds)
    {
        for (int i = 0; i < outputs.length; i++)
        {
            outputs[i].endpoint.restore(positions[i], transactionIds[i]);
        }
    }

    /** The next step is {@code step + 1}; everything up to {@code step} counts as durable and offered. */
    void startAfter(final long step)
    {
        durableTransactionId = step;
        notifiedDurableTransactionId = step;
        pending.reset(step + 1);
        for (final Binding output : outputs)
        {
            output.nextTransactionId = step + 1;
        }
    }

    boolean isFull()
    {
        return pending.isFull();
    }

    boolean isEmpty()
    {
        return pending.isEmpty();
    }

    int pendingCount()
    {
        return pending.size();
    }

    long durableTransactionId()
    {
        return durableTransactionId;
    }

    /** A step with no journal to wait for (live without a journal, or replayed) is durable at once. */
    void markDurable(final long transactionId)
    {
        durableTransactionId = transactionId;
    }

    long emittedTransactionId()
    {
        return pending.headTransactionId() - 1;
    }

    /** Highest transaction id handed to every output, at most {@code lastStep}. */
    long offeredTransactionId(final long lastStep)
    {
        long min = lastStep;
        for (final Binding output : outputs)
        {
            min = Math.min(min, output.nextTransactionId - 1);
        }
        return min;
    }

    /**
     * Queues a step's view deltas: offered straight from the operators to every output that may take it now (it is
     * durable, or the output holds it until it is, and the output has taken every earlier step), copied into the
     * ring only if an output did not take it. A journaled step always gets a slot, for its journal position.
     *
     * @param step            the step just run.
     * @param journalPosition the journal position after its record (0 without a journal).
     * @param durable         true if the step is durable already (no journal, live).
     */
    void add(final long step, final long journalPosition, final boolean durable)
    {
        boolean allTaken = true;
        for (final Binding output : outputs)
        {
            if (output.nextTransactionId == step && (durable || output.holds))
            {
                if (output.endpoint.offer(step, views[output.viewIndex].output()))
                {
                    output.nextTransactionId = step + 1;
                }
                else
                {
                    backPressureCounter.incrementRelease();
                    allTaken = false;
                }
            }
            else
            {
                allTaken = false;
            }
        }
        if (allTaken && durable && pending.isEmpty())
        {
            pending.reset(step + 1);
        }
        else
        {
            pending.add(step, journalPosition, allTaken ? null : views);
        }
    }

    /**
     * Advances the durable transaction from the journal's durable position and offers every output the durable
     * steps it has not taken yet, in order; releases what every output took.
     *
     * @return offers accepted.
     */
    int emit()
    {
        final long lastQueued = pending.tailTransactionId() - 1;
        if (null != journal && durableTransactionId < lastQueued)
        {
            final long durablePosition = null == releaseLimit ? journal.durablePosition() :
                Math.min(journal.durablePosition(), releaseLimit.getAsLong());
            while (durableTransactionId < lastQueued &&
                pending.slot(durableTransactionId + 1).journalPosition <= durablePosition)
            {
                durableTransactionId++;
            }
        }

        int workCount = 0;
        final long durable = durableTransactionId;
        long releaseBefore = durable + 1;
        for (final Binding output : outputs)
        {
            final long limit = output.holds ? lastQueued : durable;
            while (output.nextTransactionId <= limit)
            {
                final long transactionId = output.nextTransactionId;
                final PendingSteps.Slot slot = pending.slot(transactionId);
                if (!slot.copied)
                {
                    throw new IllegalStateException("output '" + output.name + "': transaction " + transactionId +
                        " was not kept for it (taken by every output when it ran)");
                }
                if (!output.endpoint.offer(transactionId, slot.deltas[output.viewIndex]))
                {
                    backPressureCounter.incrementRelease();
                    break;
                }
                output.nextTransactionId = transactionId + 1;
                workCount++;
            }
            releaseBefore = Math.min(releaseBefore, output.nextTransactionId);
        }
        pending.releaseBefore(releaseBefore);
        if (anyHolds && durable > notifiedDurableTransactionId)
        {
            notifiedDurableTransactionId = durable;
            for (final Binding output : outputs)
            {
                if (output.holds)
                {
                    output.endpoint.onDurable(durable);
                }
            }
            workCount++;
        }
        return workCount;
    }

    /** Fails if an output's agent hit an error. */
    void checkErrors()
    {
        for (final Binding output : outputs)
        {
            output.endpoint.checkError();
        }
    }

    void flushAll()
    {
        for (final Binding output : outputs)
        {
            output.endpoint.flush();
        }
    }

    /** True if every output durably delivered {@code transactionId}. */
    boolean allDelivered(final long transactionId)
    {
        for (final Binding output : outputs)
        {
            if (output.endpoint.deliveredTransactionId() < transactionId)
            {
                return false;
            }
        }
        return true;
    }
}
