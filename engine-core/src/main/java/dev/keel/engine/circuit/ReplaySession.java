package dev.keel.engine.circuit;

import dev.keel.engine.KeelException;
import dev.keel.engine.spi.Journal;
import dev.keel.engine.spi.StepRecord;

import java.util.concurrent.TimeUnit;

/**
 * Re-runs the journaled steps after a checkpoint (state REPLAYING), polled once per duty cycle by the
 * {@link CircuitAgent} and never blocking, as aeron-cluster's {@code LogReplay} is polled by its election.
 * <p>
 * Each journaled step keeps its original boundaries: replayable endpoints are polled up to the positions the
 * journal recorded (over as many duty cycles as their agents need to read), non-replayable ones are fed the
 * records the journal kept, and the step's input count and hash must match the journal, or recovery fails naming
 * the step. A step runs only when the output ring has room; replayed output goes to the outputs, which skip
 * transactions they already delivered. A duty cycle replays as many steps as are ready, at most
 * {@link #MAX_STEPS_PER_DUTY_CYCLE}, so that the cycle stays bounded.
 * <p>
 * No progress for {@code replayStallTimeoutNs} (an input that does not reach its journaled position, outputs that
 * accept nothing) fails recovery with {@code RECOVERY_INPUT_STALLED} or {@code RECOVERY_OUTPUT_STALLED}.
 */
final class ReplaySession implements Journal.StepRecordHandler, AutoCloseable
{
    /** Bound on the steps one duty cycle replays. */
    static final int MAX_STEPS_PER_DUTY_CYCLE = 256;

    private final CircuitAgent circuit;
    private final Journal.Replay replay;
    private final InputStage inputs;
    private final OutputStage outputs;
    private final String pipelineName;
    private final long stallTimeoutNs;
    private StepRecord record;
    private long recordEndPosition;
    private long expectedStep;
    private long lastProgressNs;
    private boolean started;

    ReplaySession(
        final CircuitAgent circuit,
        final Journal.Replay replay,
        final InputStage inputs,
        final OutputStage outputs,
        final String pipelineName,
        final long firstStep,
        final long stallTimeoutNs)
    {
        this.circuit = circuit;
        this.replay = replay;
        this.inputs = inputs;
        this.outputs = outputs;
        this.pipelineName = pipelineName;
        this.expectedStep = firstStep;
        this.stallTimeoutNs = stallTimeoutNs;
    }

    /** True once every journaled step was replayed. */
    boolean isDone()
    {
        return null == record && replay.isDone();
    }

    /** Journal position after the last replayed step. */
    long position()
    {
        return replay.position();
    }

    /**
     * Advances the replay as far as it can without waiting.
     *
     * @param nowNs the duty cycle's clock.
     * @return work done.
     */
    int doWork(final long nowNs)
    {
        if (!started)
        {
            started = true;
            lastProgressNs = nowNs;
        }

        int workCount = 0;
        for (int steps = 0; steps < MAX_STEPS_PER_DUTY_CYCLE; )
        {
            if (null == record && 0 == replay.poll(this))
            {
                break;
            }
            workCount += pollInputs();
            workCount += outputs.emit();
            if (!inputsReached() || outputs.isFull())
            {
                break;
            }
            runStep(nowNs);
            workCount++;
            steps++;
        }

        if (workCount > 0)
        {
            lastProgressNs = nowNs;
        }
        else if (null != record && nowNs - lastProgressNs > stallTimeoutNs)
        {
            throw stalled();
        }
        return workCount;
    }

    public void onStepRecord(final long endPosition, final StepRecord record)
    {
        final long step = record.step();
        if (step != expectedStep)
        {
            throw recovery("RECOVERY_STEP_GAP", "the journal holds step " + step + " where step " + expectedStep +
                " was expected (journal position " + endPosition + ")");
        }
        if (record.transactionId() != step)
        {
            throw recovery("RECOVERY_TRANSACTION_MISMATCH", "step " + step + " was journaled with transaction id " +
                record.transactionId() + ", expected " + step);
        }
        if (record.endpointCount() != inputs.count())
        {
            throw recovery("RECOVERY_ENDPOINTS_CHANGED", "step " + step + " was journaled with " +
                record.endpointCount() + " input endpoints, the pipeline has " + inputs.count() + ": " +
                inputs.names());
        }

        for (int i = 0; i < inputs.count(); i++)
        {
            final InputStage.Binding input = inputs.binding(i);
            final long journaledPosition = record.position(i);
            if (input.replayable)
            {
                if (journaledPosition == StepRecord.NO_POSITION)
                {
                    throw recovery("RECOVERY_ENDPOINTS_CHANGED", "input endpoint '" + input.name + "' is " +
                        "replayable but step " + step + " journaled its records, not a position");
                }
                if (input.usesToken)
                {
                    if (0 == record.tokenLength(i))
                    {
                        throw recovery("RECOVERY_ENDPOINTS_CHANGED", "input endpoint '" + input.name + "' uses " +
                            "position tokens but step " + step + " journaled none for it");
                    }
                    inputs.replayBound(input, journaledPosition, record.token(i), record.tokenLength(i));
                }
            }
            else
            {
                if (journaledPosition != StepRecord.NO_POSITION)
                {
                    throw recovery("RECOVERY_ENDPOINTS_CHANGED", "input endpoint '" + input.name + "' is not " +
                        "replayable but step " + step + " journaled a position for it");
                }
                try
                {
                    BatchCodec.decode(record.data(i), 0, record.dataLength(i), input.staging);
                }
                catch (final IllegalArgumentException ex)
                {
                    throw recovery("RECOVERY_CORRUPT_RECORD", "step " + step + ", input endpoint '" + input.name +
                        "': journaled records are malformed: " + ex.getMessage());
                }
            }
        }
        this.record = record;
        this.recordEndPosition = endPosition;
    }

    public void close()
    {
        replay.close();
    }

    private int pollInputs()
    {
        int work = 0;
        for (int i = 0; i < inputs.count(); i++)
        {
            final InputStage.Binding input = inputs.binding(i);
            if (input.replayable)
            {
                final long before = input.endpoint.position();
                final int sizeBefore = input.staging.size();
                inputs.pollTowards(input, record.position(i), record.step(), pipelineName);
                if (input.endpoint.position() != before || input.staging.size() != sizeBefore)
                {
                    work++;
                }
            }
        }
        return work;
    }

    private boolean inputsReached()
    {
        for (int i = 0; i < inputs.count(); i++)
        {
            final InputStage.Binding input = inputs.binding(i);
            if (input.replayable && input.endpoint.position() != record.position(i))
            {
                return false;
            }
        }
        return true;
    }

    private void runStep(final long nowNs)
    {
        final long step = record.step();
        for (int i = 0; i < inputs.count(); i++)
        {
            final InputStage.Binding input = inputs.binding(i);
            if (input.usesToken)
            {
                inputs.replayedToken(input, record.token(i), record.tokenLength(i));
            }
        }
        // the replayed input is always hashed: it is checked against the journal
        inputs.seal(null, true, true);
        if (inputs.stepCount() != record.inputCount() ||
            (inputs.stepHash() != record.inputHash() && inputs.legacyStepHash() != record.inputHash()))
        {
            inputs.clearStaging();
            throw recovery("RECOVERY_STEP_MISMATCH", "replay of step " + step + " (transaction " + step +
                ") does not reproduce the journal: journaled " + record.inputCount() + " records with hash " +
                Long.toHexString(record.inputHash()) + ", replay read " + inputs.stepCount() + " records with hash " +
                Long.toHexString(inputs.stepHash()) + " from endpoints " + inputs.names());
        }
        record = null;
        expectedStep = step + 1;
        circuit.runReplayedStep(step, recordEndPosition, nowNs);
        outputs.emit();
    }

    private KeelException stalled()
    {
        for (int i = 0; i < inputs.count(); i++)
        {
            final InputStage.Binding input = inputs.binding(i);
            if (input.replayable && input.endpoint.position() != record.position(i))
            {
                return recovery("RECOVERY_INPUT_STALLED", "input endpoint '" + input.name + "' made no " +
                    "progress from position " + input.endpoint.position() + " towards position " +
                    record.position(i) + " of step " + record.step() + " for " +
                    TimeUnit.NANOSECONDS.toMillis(stallTimeoutNs) + " ms");
            }
        }
        return recovery("RECOVERY_OUTPUT_STALLED", "outputs accepted no replayed output for " +
            TimeUnit.NANOSECONDS.toMillis(stallTimeoutNs) + " ms before step " + record.step());
    }

    private KeelException recovery(final String code, final String message)
    {
        return new KeelException(KeelException.Category.RECOVERY, code, "pipeline '" + pipelineName + "': " + message);
    }
}
