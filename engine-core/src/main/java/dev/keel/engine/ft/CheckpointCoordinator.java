package dev.keel.engine.ft;

import dev.keel.engine.spi.CheckpointStatus;

import dev.keel.engine.KeelException;
import dev.keel.engine.circuit.CircuitAgent;
import dev.keel.engine.circuit.DutyCycleHook;
import dev.keel.engine.status.KeelCounters;
import dev.keel.engine.circuit.PipelineState;
import dev.keel.engine.circuit.StepBoundary;
import dev.keel.engine.circuit.StepListener;
import dev.keel.engine.connector.OutputEndpoint;
import dev.keel.engine.program.Program;
import dev.keel.engine.spi.CheckpointInfo;
import dev.keel.engine.spi.CheckpointMetadata;
import dev.keel.engine.spi.CheckpointStore;
import dev.keel.engine.spi.Journal;
import dev.keel.engine.spi.PendingCheckpoint;
import dev.keel.engine.state.MetaBuffer;
import dev.keel.engine.state.PagedArena;

import org.agrona.CloseHelper;
import org.agrona.concurrent.status.AtomicCounter;
import org.agrona.concurrent.status.CountersManager;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.TimeUnit;

/**
 * Takes checkpoints on the circuit thread: periodically, and when requested through {@link #request()}.
 * <p>
 * One checkpoint, as a small state machine driven by the step hook ({@link #onStepEnd}) and the duty-cycle hook
 * ({@link #onDutyCycle}), never blocking: the store's writer writes the pages and performs the commit's fsyncs.
 * <pre>
 *   IDLE --(step boundary, due or requested)--> FROZEN: arena frozen, program metadata saved, inputs' positions
 *        and the journal position noted, outputs flushed
 *   FROZEN --(every output delivered the boundary's transaction)--> WRITING: each output's published
 *        (position, transaction) pair goes into the metadata; store.begin(metadata, snapshot)
 *   WRITING --(pages written)--> snapshot closed; requestCommit() (returns at once) --> COMMITTING
 *   COMMITTING --(manifest, catalog and CURRENT durable, polled)--> the requests it covers succeed; journal
 *        released below the oldest retained checkpoint --> IDLE
 *   any error (writing or committing): abort, close the snapshot, arena.markAllDirty() (the next checkpoint is a
 *        full one), the requests it was to cover fail with the error, the previous checkpoint stays the newest,
 *        the pipeline runs on --> IDLE
 * </pre>
 * Requests made before a checkpoint freezes are all covered by it (coalescing); later ones wait for the next.
 * Replayed steps are not checkpointed (the journal already holds them); progress of the replay is logged.
 */
public final class CheckpointCoordinator implements StepListener, DutyCycleHook
{
    private static final System.Logger LOGGER = System.getLogger("dev.keel.engine.ft");
    private static final long REPLAY_LOG_INTERVAL_NS = TimeUnit.SECONDS.toNanos(1);

    private enum Phase
    {
        IDLE, FROZEN, WRITING, COMMITTING
    }

    private final String pipelineName;
    private final CheckpointStore store;
    private final Journal journal;
    private final String model;
    private final String[] outputNames;
    private final OutputEndpoint[] outputs;
    private final StepListener userListener;
    private final long intervalNs;
    private final CheckpointRequests requests;
    private final AtomicCounter succeededCount;
    private final AtomicCounter failedCount;
    private final AtomicCounter committedStep;
    private volatile Throwable lastFailure;
    private final CheckpointTimings timings = new CheckpointTimings();
    private final LoggedCommit loggedCommit = new LoggedCommit();
    private final MetaBuffer programMetaBuffer = new MetaBuffer();
    private long freezeStartNs;
    private long freezeNs;
    private long beginStartNs;
    private long beginNs;
    private long writtenNs;
    private long commitNs;
    private long pageBytes;

    private CircuitAgent circuit;
    private Program program;
    private Phase phase = Phase.IDLE;
    private long nextDueNs = Long.MIN_VALUE;
    private long lastNowNs;
    private long lastReplayLogNs;
    private long coveredSeq;
    private long coverSeq;
    private PagedArena.Snapshot snapshot;
    private PendingCheckpoint pendingCheckpoint;
    private long step;
    private boolean flushedAfterOffer;
    private long journalPosition;
    private byte[] programMeta;
    private Map<String, Long> inputPositions;
    private Map<String, byte[]> inputTokens;

    /**
     * @param pipelineName  for logs.
     * @param store         where checkpoints go.
     * @param journal       the journal (exactly_once), or null.
     * @param model         fault-tolerance model name, recorded in every checkpoint.
     * @param outputNames   output endpoint names, in attachment order.
     * @param outputs       output endpoints, in attachment order.
     * @param userListener  the host's step listener, called first, or null.
     * @param intervalNs    periodic interval, or 0 for manual checkpoints only.
     * @param requests      request sequence numbers and statuses.
     * @param counters      where the checkpoint counters are allocated.
     */
    CheckpointCoordinator(
        final String pipelineName,
        final CheckpointStore store,
        final Journal journal,
        final String model,
        final String[] outputNames,
        final OutputEndpoint[] outputs,
        final StepListener userListener,
        final long intervalNs,
        final CheckpointRequests requests,
        final CountersManager counters)
    {
        this.pipelineName = pipelineName;
        this.store = store;
        this.journal = journal;
        this.model = model;
        this.outputNames = outputNames;
        this.outputs = outputs;
        this.userListener = userListener;
        this.intervalNs = intervalNs;
        this.requests = requests;
        this.coveredSeq = requests.lastIssued();
        this.succeededCount = KeelCounters.newCounter(counters, KeelCounters.CHECKPOINTS_TYPE_ID, pipelineName, null);
        this.failedCount = KeelCounters.newCounter(
            counters, KeelCounters.CHECKPOINT_FAILURES_TYPE_ID, pipelineName, null);
        this.committedStep = KeelCounters.newCounter(
            counters, KeelCounters.CHECKPOINT_STEP_TYPE_ID, pipelineName, null);
        committedStep.setRelease(-1);
    }

    /** Binds the circuit; before any agent runs. */
    void bind(final CircuitAgent circuit)
    {
        this.circuit = circuit;
        this.program = circuit.program();
    }

    /**
     * Asks for a checkpoint; any thread. Returns at once.
     *
     * @return the request's sequence number, for {@link #status(long)}.
     */
    public long request()
    {
        final long seq = requests.issue();
        circuit.requestBoundary();
        return seq;
    }

    /**
     * @param seq a sequence number from {@link #request()}.
     * @return what became of it; any thread.
     */
    public CheckpointStatus status(final long seq)
    {
        return requests.status(seq);
    }

    /** The newest request sequence number a committed checkpoint covers, or 0 if none is known; any thread. */
    public long lastSucceededRequest()
    {
        return requests.lastSucceeded();
    }

    /** The newest failed request with its error, or null; any thread. */
    public CheckpointFailure lastFailedRequest()
    {
        return requests.lastFailure();
    }

    /** Checkpoints committed by this process; any thread. */
    public long succeededCount()
    {
        return succeededCount.get();
    }

    /** Checkpoints that failed in this process; any thread. */
    public long failedCount()
    {
        return failedCount.get();
    }

    /** The last checkpoint error, or null; any thread. */
    public Throwable lastFailure()
    {
        return lastFailure;
    }

    /** What the committed checkpoints cost the circuit thread and the store; any thread. */
    public CheckpointTimings timings()
    {
        return timings;
    }

    /** Step of the last checkpoint this process committed, or -1; any thread. */
    public long lastCommittedStep()
    {
        return committedStep.get();
    }

    /** Frees the counters; after the circuit stopped. */
    public void close()
    {
        CloseHelper.closeAll(succeededCount, failedCount, committedStep);
    }

    public void onStepEnd(final StepBoundary boundary)
    {
        if (null != userListener)
        {
            userListener.onStepEnd(boundary);
        }
        if (boundary.replaying() && circuit.state() == PipelineState.REPLAYING)
        {
            logReplayProgress(boundary);
            return;
        }
        // a boundary requested after the replay may describe the last replayed step: state is consistent there
        if (phase == Phase.IDLE && (requests.lastIssued() > coveredSeq || isDue()))
        {
            freeze(boundary);
        }
    }

    public int onDutyCycle(final long nowNs)
    {
        lastNowNs = nowNs;
        if (Long.MIN_VALUE == nextDueNs)
        {
            nextDueNs = intervalNs > 0 ? nowNs + intervalNs : Long.MAX_VALUE;
        }
        switch (phase)
        {
            case IDLE:
                if (requests.lastIssued() > coveredSeq || isDue())
                {
                    // an idle pipeline runs no step: ask for a boundary describing the last one
                    circuit.requestBoundary();
                }
                return 0;

            case FROZEN:
                return tryBegin();

            case WRITING:
                return pollWriting();

            default:
                return pollCommitting();
        }
    }

    private boolean isDue()
    {
        return intervalNs > 0 && Long.MIN_VALUE != nextDueNs && lastNowNs - nextDueNs >= 0;
    }

    private void freeze(final StepBoundary boundary)
    {
        freezeStartNs = System.nanoTime();
        coverSeq = requests.lastIssued();
        coveredSeq = coverSeq;
        nextDueNs = intervalNs > 0 ? lastNowNs + intervalNs : Long.MAX_VALUE;
        step = boundary.step();
        try
        {
            journalPosition = null == journal ? 0 : boundary.journalPosition();
            inputPositions = new LinkedHashMap<>();
            inputTokens = new LinkedHashMap<>();
            for (int i = 0; i < boundary.inputEndpointCount(); i++)
            {
                inputPositions.put(boundary.inputName(i), boundary.inputPosition(i));
                final int tokenLength = boundary.inputTokenLength(i);
                if (tokenLength > 0)
                {
                    final byte[] token = new byte[tokenLength];
                    boundary.inputToken(i).getBytes(0, token);
                    inputTokens.put(boundary.inputName(i), token);
                }
            }
            // reused: it keeps the capacity the program's metadata needs, so the freeze does not grow it again
            programMetaBuffer.reset();
            program.saveMeta(programMetaBuffer);
            programMeta = programMetaBuffer.toByteArray();
            snapshot = program.arena().freeze();
            pageBytes = (long)snapshot.pageCount() * snapshot.pageSize();
            phase = Phase.FROZEN;
            flushedAfterOffer = false;
            freezeNs = System.nanoTime() - freezeStartNs;
        }
        catch (final RuntimeException ex)
        {
            fail(ex);
        }
    }

    private int tryBegin()
    {
        if (!flushedAfterOffer && circuit.offeredTransactionId() >= step)
        {
            // the boundary's output reached every output (after the journal sync): have them deliver it now
            flushedAfterOffer = true;
            for (final OutputEndpoint output : outputs)
            {
                output.flush();
            }
        }
        for (final OutputEndpoint output : outputs)
        {
            if (step > 0 && output.deliveredTransactionId() < step)
            {
                return 0;
            }
        }
        beginStartNs = System.nanoTime();
        try
        {
            final Map<String, CheckpointMetadata.OutputPosition> outputPositions = new LinkedHashMap<>();
            for (int i = 0; i < outputs.length; i++)
            {
                // transaction first, then the position paired with it (FileOutputEndpoint's sequence lock)
                final long transactionId = outputs[i].deliveredTransactionId();
                final long position = outputs[i].deliveredPosition();
                outputPositions.put(outputNames[i], new CheckpointMetadata.OutputPosition(position, transactionId));
            }
            final CheckpointMetadata metadata = new CheckpointMetadata(program.fingerprint(), step, step,
                journalPosition, inputPositions, outputPositions, programMeta, model, System.currentTimeMillis(),
                inputTokens);
            pendingCheckpoint = store.begin(metadata, snapshot);
            phase = Phase.WRITING;
            writtenNs = 0;
            beginNs = System.nanoTime() - beginStartNs;
        }
        catch (final RuntimeException ex)
        {
            fail(ex);
        }
        return 1;
    }

    private int pollWriting()
    {
        try
        {
            final Throwable failure = pendingCheckpoint.failure();
            if (null != failure)
            {
                throw new KeelException(KeelException.Category.STORAGE, "CHECKPOINT_WRITE_FAILED",
                    "pipeline '" + pipelineName + "': writing the checkpoint of step " + step + " failed: " + failure,
                    failure);
            }
            if (!pendingCheckpoint.isWritten())
            {
                return 0;
            }
            final long requestStartNs = System.nanoTime();
            writtenNs = requestStartNs - beginStartNs;
            closeSnapshot();
            pendingCheckpoint.requestCommit(loggedCommit.wrap(
                requests.commitHooks(pendingCheckpoint.id(), coverSeq), pendingCheckpoint.id(), step));
            phase = Phase.COMMITTING;
            commitNs = System.nanoTime() - requestStartNs;
        }
        catch (final RuntimeException ex)
        {
            fail(ex);
        }
        return 1;
    }

    private int pollCommitting()
    {
        try
        {
            final Throwable failure = pendingCheckpoint.failure();
            if (null != failure)
            {
                // the store's error names the checkpoint, the directory and the checkpoint that stays the newest
                fail(failure);
                return 1;
            }
            if (!pendingCheckpoint.isCommitted())
            {
                return 0;
            }
            final long completeStartNs = System.nanoTime();
            completeCommit();
            final long endNs = System.nanoTime();
            commitNs += endNs - completeStartNs;
            timings.record(freezeNs, beginNs, commitNs, endNs - freezeStartNs, writtenNs, pageBytes);
        }
        catch (final RuntimeException ex)
        {
            fail(ex);
        }
        return 1;
    }

    private void completeCommit()
    {
        pendingCheckpoint = null;
        phase = Phase.IDLE;
        // the writer's afterCommit hook wrote it down
        requests.settle(coverSeq);
        succeededCount.incrementRelease();
        committedStep.setRelease(step);
        releaseJournal();
    }

    private void releaseJournal()
    {
        if (null == journal)
        {
            return;
        }
        final List<CheckpointInfo> retained = store.list();
        if (!retained.isEmpty())
        {
            // the oldest retained checkpoint may be the one recovery falls back to: keep what it needs
            journal.releaseBefore(retained.get(0).journalPosition());
        }
    }

    private void fail(final Throwable error)
    {
        final PendingCheckpoint failed = pendingCheckpoint;
        pendingCheckpoint = null;
        if (null != failed)
        {
            failed.abort();
        }
        final boolean snapshotTaken = null != snapshot || phase != Phase.IDLE;
        closeSnapshot();
        if (snapshotTaken)
        {
            // pages the writer took are no longer dirty: the next checkpoint must write everything
            program.arena().markAllDirty();
        }
        phase = Phase.IDLE;
        failedCount.incrementRelease();
        lastFailure = error;
        LOGGER.log(System.Logger.Level.WARNING, "pipeline ''" + pipelineName + "'': checkpoint of step " + step +
            " failed, the pipeline runs on: " + error, error);
        requests.failed(requests.succeeded() + 1, coverSeq, String.valueOf(error.getMessage()));
    }

    /**
     * The checkpoint requests' commit hooks plus the "committed" log line, which the writer thread writes once the
     * commit is durable: formatting and logging it cost the circuit thread ~0.1 ms a checkpoint. One instance,
     * reused: a checkpoint begins only once the previous one committed or failed.
     */
    private final class LoggedCommit implements PendingCheckpoint.CommitHooks
    {
        private PendingCheckpoint.CommitHooks requestHooks;
        private UUID id;
        private long step;

        PendingCheckpoint.CommitHooks wrap(final PendingCheckpoint.CommitHooks requestHooks, final UUID id,
            final long step)
        {
            this.requestHooks = requestHooks;
            this.id = id;
            this.step = step;
            return this;
        }

        @Override
        public void beforeCommit()
        {
            requestHooks.beforeCommit();
        }

        @Override
        public void afterCommit()
        {
            LOGGER.log(System.Logger.Level.INFO, "pipeline ''{0}'': checkpoint {1} committed at step {2}",
                pipelineName, id, step);
            requestHooks.afterCommit();
        }
    }

    private void closeSnapshot()
    {
        if (null != snapshot)
        {
            final PagedArena.Snapshot toClose = snapshot;
            snapshot = null;
            toClose.close();
        }
    }

    private void logReplayProgress(final StepBoundary boundary)
    {
        final long nowNs = System.nanoTime();
        if (nowNs - lastReplayLogNs >= REPLAY_LOG_INTERVAL_NS)
        {
            lastReplayLogNs = nowNs;
            LOGGER.log(System.Logger.Level.INFO, "pipeline ''{0}'': replaying: step {1} replayed, journal position " +
                "{2} of {3}", pipelineName, boundary.step(), boundary.journalPosition(),
                null == journal ? 0 : journal.position());
        }
    }

    /**
     * Aborts a checkpoint in progress (pipeline closing). A commit already requested is waited for, and counts if
     * it succeeded. Circuit thread, or after it stopped.
     */
    public void abortInProgress()
    {
        if (phase == Phase.COMMITTING)
        {
            pendingCheckpoint.abort();
            if (pendingCheckpoint.isCommitted())
            {
                completeCommit();
                return;
            }
        }
        if (phase != Phase.IDLE)
        {
            final PendingCheckpoint pending = pendingCheckpoint;
            pendingCheckpoint = null;
            if (null != pending)
            {
                pending.abort();
            }
            closeSnapshot();
            phase = Phase.IDLE;
        }
    }
}
