package dev.keel.engine.api;

import dev.keel.engine.KeelException;
import dev.keel.engine.config.FaultToleranceModel;
import dev.keel.engine.ft.RecoverySettings;
import dev.keel.engine.spi.CheckpointStore;
import dev.keel.engine.spi.CheckpointSync;
import dev.keel.engine.spi.Journal;

import java.nio.file.Path;
import java.util.concurrent.TimeUnit;

import static dev.keel.engine.api.ContextChecks.invalid;
import static dev.keel.engine.api.ContextChecks.requireRange;

/**
 * The fault-tolerance settings of a pipeline (JSON {@code fault_tolerance} and the storage it checkpoints to): the
 * journal, the checkpoint store and sync, the model and the checkpoint schedule. Created by its
 * {@link EngineContext}, reached as {@link EngineContext#faultTolerance()} and concluded by
 * {@link EngineContext#conclude()}; {@link #context()} leads back to it to continue a chain.
 * <p>
 * The journal and the checkpoint store given here are owned by the pipeline from launch on and closed with it.
 */
public final class FaultToleranceContext
{
    /** Default of {@link #replayStallTimeoutNs(long)}: 10 s. */
    public static final long DEFAULT_REPLAY_STALL_TIMEOUT_NS = TimeUnit.SECONDS.toNanos(10);
    /** Default {@link #checkpointOnCloseTimeoutNs()}: 30 s. */
    public static final long DEFAULT_CHECKPOINT_ON_CLOSE_TIMEOUT_NS = TimeUnit.SECONDS.toNanos(30);

    private final EngineContext context;
    private Journal journal;
    private java.util.function.LongSupplier outputReleaseLimit;
    private long journalReplayFromPosition = 0;
    private long replayStallTimeoutNs = DEFAULT_REPLAY_STALL_TIMEOUT_NS;
    private CheckpointStore checkpointStore;
    private CheckpointSync checkpointSync;
    private FaultToleranceModel faultToleranceModel;
    private dev.keel.engine.config.BootstrapPolicy bootstrapPolicy = dev.keel.engine.config.BootstrapPolicy.ALLOW;
    private boolean silentBootstrap;
    private boolean startPaused;
    private long checkpointIntervalNs = 0;
    private Path checkpointRequestsDir;
    private boolean checkpointOnClose = true;
    private long checkpointOnCloseTimeoutNs = DEFAULT_CHECKPOINT_ON_CLOSE_TIMEOUT_NS;

    FaultToleranceContext(final EngineContext context)
    {
        this.context = context;
    }

    /** @return the engine context these settings belong to, to continue a chain of its setters. */
    public EngineContext context()
    {
        return context;
    }

    /**
     * Validates the settings and derives the model; called by {@link EngineContext#conclude()}.
     *
     * @throws KeelException of category CONFIG naming the field, the value and what is allowed.
     */
    void conclude()
    {
        requireRange("journalReplayFromPosition", journalReplayFromPosition, -1, Long.MAX_VALUE);
        if (null == faultToleranceModel)
        {
            faultToleranceModel = null != journal ? FaultToleranceModel.EXACTLY_ONCE :
                null != checkpointStore ? FaultToleranceModel.AT_LEAST_ONCE : FaultToleranceModel.NONE;
        }
        if (faultToleranceModel == FaultToleranceModel.EXACTLY_ONCE && null == journal)
        {
            throw invalid("faultToleranceModel", faultToleranceModel.jsonName(), "exactly_once only with a journal");
        }
        if (faultToleranceModel != FaultToleranceModel.EXACTLY_ONCE && null != journal)
        {
            throw invalid("journal", "set", "a journal only with faultToleranceModel exactly_once, not " +
                faultToleranceModel.jsonName());
        }
        if (faultToleranceModel == FaultToleranceModel.AT_LEAST_ONCE && null == checkpointStore)
        {
            throw invalid("faultToleranceModel", faultToleranceModel.jsonName(),
                "at_least_once only with a checkpoint store (storage)");
        }
        requireRange("checkpointIntervalNs", checkpointIntervalNs, 0, TimeUnit.HOURS.toNanos(24));
        requireRange("checkpointOnCloseTimeoutNs", checkpointOnCloseTimeoutNs, 0, TimeUnit.HOURS.toNanos(1));
        requireRange("replayStallTimeoutNs", replayStallTimeoutNs, 1, TimeUnit.HOURS.toNanos(1));
    }

    /**
     * The input journal; setting one makes the pipeline {@code exactly_once}: every step is journaled and its
     * output held until durable. Default: none ({@code fault_tolerance.model: none}).
     *
     * @param journal the journal, owned by the pipeline from launch.
     * @return this.
     */
    public FaultToleranceContext journal(final Journal journal)
    {
        checkNotConcluded();
        this.journal = journal;
        return this;
    }

    /** @return the journal, or null. */
    public Journal journal()
    {
        return journal;
    }

    /**
     * Holds output further than the journal's durability: with a journal, a step's output is offered (and held
     * outputs told it is durable, and inputs that it is) only once both the journal's durable position and
     * {@code limit} cover the step's journal record. The circuit thread reads {@code limit} in every emit pass,
     * so it must be cheap and thread-safe (a volatile or atomic read); it should only grow, and return
     * {@link Long#MAX_VALUE} for "no limit beyond durability". Without a journal it is ignored. Default: none.
     * <p>
     * Used by a node that ships its journal to object storage and releases output only once a step's record is
     * there ({@code sync.release_output: "shipped"}).
     *
     * @param limit the journal position up to which output may be released, or null for none.
     * @return this.
     */
    public FaultToleranceContext outputReleaseLimit(final java.util.function.LongSupplier limit)
    {
        checkNotConcluded();
        this.outputReleaseLimit = limit;
        return this;
    }

    /** @return the output release limit, or null. */
    public java.util.function.LongSupplier outputReleaseLimit()
    {
        return outputReleaseLimit;
    }

    /**
     * Journal position to replay from when the pipeline starts (a checkpoint's journal position); -1 to
     * skip replay. Default 0: replay every journaled step, which recovers a pipeline without checkpoints.
     *
     * @param position a position returned by the journal, 0, or -1.
     * @return this.
     */
    public FaultToleranceContext journalReplayFromPosition(final long position)
    {
        checkNotConcluded();
        this.journalReplayFromPosition = position;
        return this;
    }

    /** @return the replay start position, or -1. */
    public long journalReplayFromPosition()
    {
        return journalReplayFromPosition;
    }

    /**
     * During replay, how long a replayable endpoint may make no progress towards a journaled position
     * before recovery fails naming it.
     *
     * @param timeoutNs 1 ns..1 h; default 10 s.
     * @return this.
     */
    public FaultToleranceContext replayStallTimeoutNs(final long timeoutNs)
    {
        checkNotConcluded();
        this.replayStallTimeoutNs = timeoutNs;
        return this;
    }

    /** @return the replay stall timeout. */
    public long replayStallTimeoutNs()
    {
        return replayStallTimeoutNs;
    }

    /**
     * Where checkpoints go; with one the pipeline recovers from the newest checkpoint when it launches, takes
     * checkpoints every {@link #checkpointIntervalNs()} and on request, and one when closed cleanly. Owned by
     * the pipeline from launch. Default: none.
     *
     * @param store the store, or null.
     * @return this.
     */
    public FaultToleranceContext checkpointStore(final CheckpointStore store)
    {
        checkNotConcluded();
        this.checkpointStore = store;
        return this;
    }

    /** @return the checkpoint store, or null. */
    public CheckpointStore checkpointStore()
    {
        return checkpointStore;
    }

    /**
     * Where {@code KeelPipeline.syncCheckpoint()} sends checkpoints (object storage). Not owned by the pipeline:
     * whoever set it closes it after the pipeline. Default: none (the sync methods then fail).
     *
     * @param sync the sync, or null.
     * @return this.
     */
    public FaultToleranceContext checkpointSync(final CheckpointSync sync)
    {
        checkNotConcluded();
        this.checkpointSync = sync;
        return this;
    }

    /** @return the checkpoint sync, or null. */
    public CheckpointSync checkpointSync()
    {
        return checkpointSync;
    }

    /**
     * The fault-tolerance model. Default: exactly_once with a journal, else at_least_once with a checkpoint
     * store, else none. exactly_once needs a journal; at_least_once a checkpoint store; none may have a store
     * (a clean stop checkpoints, a restart resumes there).
     *
     * @param model the model.
     * @return this.
     */
    public FaultToleranceContext faultToleranceModel(final FaultToleranceModel model)
    {
        checkNotConcluded();
        this.faultToleranceModel = model;
        return this;
    }

    /** @return the model; set by {@link EngineContext#conclude()}. */
    public FaultToleranceModel faultToleranceModel()
    {
        return faultToleranceModel;
    }

    /**
     * What the start does when the program differs from the checkpoint's (Feldera's {@code bootstrap_policy}):
     * allow (default), reject, or await_approval; see {@link dev.keel.engine.config.BootstrapPolicy}.
     *
     * @param policy the policy.
     * @return this.
     */
    public FaultToleranceContext bootstrapPolicy(final dev.keel.engine.config.BootstrapPolicy policy)
    {
        checkNotConcluded();
        this.bootstrapPolicy = java.util.Objects.requireNonNull(policy, "bootstrapPolicy");
        return this;
    }

    /**
     * Enter PAUSED instead of RUNNING once bootstrapped and replayed (a node restarting a pipeline that was paused
     * when it stopped, from its {@code status.json}); no live step runs before. Default false.
     *
     * @param paused true to start paused.
     * @return this.
     */
    public FaultToleranceContext startPaused(final boolean paused)
    {
        checkNotConcluded();
        this.startPaused = paused;
        return this;
    }

    /** @return whether the pipeline starts paused. */
    public boolean startPaused()
    {
        return startPaused;
    }

    /** @return the bootstrap policy. */
    public dev.keel.engine.config.BootstrapPolicy bootstrapPolicy()
    {
        return bootstrapPolicy;
    }

    /**
     * Bootstrap with the outputs silent (Feldera's {@code silent_bootstrap}): a program change's recompute step
     * updates the state of the new and modified views but sends none of their contents to the outputs, which then
     * carry only the changes after it. For sinks that hold the right contents already (e.g. a change that does not
     * alter a view's result). Default false: the new and modified views' whole contents are sent.
     *
     * @param silent true to send nothing from the recompute step.
     * @return this.
     */
    public FaultToleranceContext silentBootstrap(final boolean silent)
    {
        checkNotConcluded();
        this.silentBootstrap = silent;
        return this;
    }

    /** @return whether a bootstrap's recompute step is silent. */
    public boolean silentBootstrap()
    {
        return silentBootstrap;
    }

    /**
     * Interval of periodic checkpoints; 0 (the default) for none (manual and on-close checkpoints only).
     *
     * @param intervalNs 0..24 h.
     * @return this.
     */
    public FaultToleranceContext checkpointIntervalNs(final long intervalNs)
    {
        checkNotConcluded();
        this.checkpointIntervalNs = intervalNs;
        return this;
    }

    /** @return the periodic checkpoint interval, 0 for none. */
    public long checkpointIntervalNs()
    {
        return checkpointIntervalNs;
    }

    /**
     * Directory where checkpoint request sequence numbers and statuses are kept durably (the node uses
     * {@code <storage>/checkpoints}); null (the default) keeps them in memory, so they do not survive a restart.
     *
     * @param dir an existing directory, or null.
     * @return this.
     */
    public FaultToleranceContext checkpointRequestsDir(final Path dir)
    {
        checkNotConcluded();
        this.checkpointRequestsDir = dir;
        return this;
    }

    /** @return the request status directory, or null. */
    public Path checkpointRequestsDir()
    {
        return checkpointRequestsDir;
    }

    /**
     * The settings recovery bootstraps with, derived from this context and its engine context (concluding it).
     *
     * @return recovery's settings.
     */
    public RecoverySettings recoverySettings()
    {
        context.conclude();
        return new RecoverySettings(context.pipelineName(), checkpointStore(), journal(), faultToleranceModel(),
            bootstrapPolicy(), silentBootstrap(), checkpointRequestsDir(), context.stepListener(),
            checkpointIntervalNs());
    }

    /**
     * Whether {@code KeelPipeline.close()} takes a checkpoint first (with a store, while the pipeline is healthy).
     * Default true.
     *
     * @param checkpoint true to checkpoint on close.
     * @return this.
     */
    public FaultToleranceContext checkpointOnClose(final boolean checkpoint)
    {
        checkNotConcluded();
        this.checkpointOnClose = checkpoint;
        return this;
    }

    /** @return whether close checkpoints first. */
    public boolean checkpointOnClose()
    {
        return checkpointOnClose;
    }

    /**
     * Longest wait of {@code close()} for its checkpoint; on time-out the pipeline closes without it (logged).
     *
     * @param timeoutNs 0..1 h.
     * @return this.
     */
    public FaultToleranceContext checkpointOnCloseTimeoutNs(final long timeoutNs)
    {
        checkNotConcluded();
        this.checkpointOnCloseTimeoutNs = timeoutNs;
        return this;
    }

    /** @return the on-close checkpoint time-out. */
    public long checkpointOnCloseTimeoutNs()
    {
        return checkpointOnCloseTimeoutNs;
    }

    private void checkNotConcluded()
    {
        if (context.isConcluded())
        {
            throw new IllegalStateException("EngineContext already concluded: settings are fixed");
        }
    }
}
