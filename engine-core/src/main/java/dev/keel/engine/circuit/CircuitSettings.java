package dev.keel.engine.circuit;

import dev.keel.engine.spi.Journal;
import org.agrona.ErrorHandler;
import org.agrona.concurrent.NanoClock;

/**
 * The concluded settings a {@link CircuitAgent} runs with, as {@code EngineContext.circuitSettings()} derives them:
 * the circuit reads no context of the layer above it.
 *
 * @param pipelineName              the pipeline's name (logs, counters, thread names).
 * @param nanoClock                 the clock read once per duty cycle.
 * @param journal                   the input journal, or null (no journal: steps are durable when run).
 * @param stepListener              told of every step boundary, or null.
 * @param housekeepingIntervalNs    at least this long between two housekeeping passes.
 * @param replayStallTimeoutNs      how long a replay may wait for a replayable input before it fails.
 * @param journalReplayFromPosition where the replay starts (-1: no replay), unless recovery sets another.
 * @param startPaused               true to enter PAUSED instead of RUNNING once live.
 * @param pinCpu                    the CPU to pin the circuit thread to, {@code -1} for any, {@code -2} for none.
 * @param inputStagingInitialBytes  initial size of each input's staging batch.
 * @param maxBatchSizeRecords       most records one step takes from all inputs.
 * @param minBatchSizeRecords       fewest records a step waits for (up to the buffering delay).
 * @param maxBufferingDelayNs       longest a step waits for {@code minBatchSizeRecords}.
 * @param pendingStepCapacity       steps that may wait for the journal and the outputs.
 * @param pendingDeltaInitialBytes  initial size of a pending step's view delta.
 * @param errorHandler              where agent errors go, or null.
 * @param outputReleaseLimit        with a journal, the journal position up to which output may be released
 *                                  besides the durable position, or null for none (see
 *                                  {@code FaultToleranceContext.outputReleaseLimit}).
 */
public record CircuitSettings(
    String pipelineName,
    NanoClock nanoClock,
    Journal journal,
    StepListener stepListener,
    long housekeepingIntervalNs,
    long replayStallTimeoutNs,
    long journalReplayFromPosition,
    boolean startPaused,
    int pinCpu,
    int inputStagingInitialBytes,
    int maxBatchSizeRecords,
    long minBatchSizeRecords,
    long maxBufferingDelayNs,
    int pendingStepCapacity,
    int pendingDeltaInitialBytes,
    ErrorHandler errorHandler,
    java.util.function.LongSupplier outputReleaseLimit)
{
    /** Value of {@link #pinCpu()}: pin to whichever CPU the thread runs on. */
    public static final int ANY_CPU = CpuPinning.ANY_CPU;
    /** Value of {@link #pinCpu()}: do not pin. */
    public static final int NO_PINNING = CpuPinning.NO_PINNING;
}
