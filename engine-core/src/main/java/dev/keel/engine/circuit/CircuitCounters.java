package dev.keel.engine.circuit;

import dev.keel.engine.status.KeelCounters;

import dev.keel.engine.operators.Operator;
import org.agrona.CloseHelper;
import org.agrona.concurrent.status.AtomicCounter;
import org.agrona.concurrent.status.CountersManager;

/**
 * The counters one circuit publishes (see {@link KeelCounters} for their type ids), allocated together and freed
 * together. Written on the circuit thread only, read by anyone (the exporter, the API).
 */
final class CircuitCounters implements AutoCloseable
{
    final AtomicCounter state;
    final AtomicCounter errors;
    final AtomicCounter steps;
    final AtomicCounter recordsIn;
    final AtomicCounter[] recordsOut;
    final AtomicCounter stepNanosTotal;
    final AtomicCounter stepNanosMax;
    final AtomicCounter pendingSteps;
    final AtomicCounter backPressure;
    final AtomicCounter replayedSteps;
    final AtomicCounter replayJournalBytes;
    final AtomicCounter replayedJournalBytes;
    final AtomicCounter durableTransaction;

    CircuitCounters(final CountersManager countersManager, final String pipelineName, final String[] viewNames)
    {
        state = KeelCounters.newCounter(countersManager, KeelCounters.PIPELINE_STATE_TYPE_ID, pipelineName, null);
        errors = KeelCounters.newCounter(countersManager, KeelCounters.ERRORS_TYPE_ID, pipelineName, null);
        steps = KeelCounters.newCounter(countersManager, KeelCounters.STEPS_TYPE_ID, pipelineName, null);
        recordsIn = KeelCounters.newCounter(countersManager, KeelCounters.RECORDS_IN_TYPE_ID, pipelineName, null);
        recordsOut = new AtomicCounter[viewNames.length];
        for (int i = 0; i < viewNames.length; i++)
        {
            recordsOut[i] = KeelCounters.newCounter(
                countersManager, KeelCounters.RECORDS_OUT_TYPE_ID, pipelineName, "view=" + viewNames[i]);
        }
        stepNanosTotal = KeelCounters.newCounter(
            countersManager, KeelCounters.STEP_NANOS_TOTAL_TYPE_ID, pipelineName, null);
        stepNanosMax = KeelCounters.newCounter(countersManager, KeelCounters.STEP_NANOS_MAX_TYPE_ID, pipelineName, null);
        pendingSteps = KeelCounters.newCounter(countersManager, KeelCounters.PENDING_STEPS_TYPE_ID, pipelineName, null);
        backPressure = KeelCounters.newCounter(
            countersManager, KeelCounters.OUTPUT_BACK_PRESSURE_TYPE_ID, pipelineName, null);
        replayedSteps = KeelCounters.newCounter(
            countersManager, KeelCounters.REPLAYED_STEPS_TYPE_ID, pipelineName, null);
        replayJournalBytes = KeelCounters.newCounter(
            countersManager, KeelCounters.REPLAY_JOURNAL_BYTES_TYPE_ID, pipelineName, null);
        replayedJournalBytes = KeelCounters.newCounter(
            countersManager, KeelCounters.REPLAYED_JOURNAL_BYTES_TYPE_ID, pipelineName, null);
        durableTransaction = KeelCounters.newCounter(
            countersManager, KeelCounters.DURABLE_TRANSACTION_TYPE_ID, pipelineName, null);
    }

    /** Adds each view's output of the step just run to its records-out counter. */
    void countViewOutput(final Operator[] views)
    {
        for (int i = 0; i < views.length; i++)
        {
            final int size = views[i].output().size();
            if (size > 0)
            {
                recordsOut[i].getAndAddRelease(size);
            }
        }
    }

    public void close()
    {
        CloseHelper.closeAll(steps, recordsIn);
        CloseHelper.closeAll(recordsOut);
        CloseHelper.closeAll(stepNanosTotal, stepNanosMax, pendingSteps, backPressure, replayedSteps,
            replayJournalBytes, replayedJournalBytes, durableTransaction, state, errors);
    }
}
