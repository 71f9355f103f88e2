package dev.keel.engine.circuit;

import dev.keel.engine.status.KeelCounters;

/**
 * The lifecycle of a pipeline as users see it: published as the {@link KeelCounters#PIPELINE_STATE_TYPE_ID}
 * counter (value = {@link #code()}) and through the embedded API. Changed only through
 * {@link PipelineLifecycle#transition(PipelineState)}, which logs every change.
 * <pre>
 *   INITIALIZING -> BOOTSTRAPPING -> REPLAYING -> RUNNING <-> PAUSED
 *                   BOOTSTRAPPING <-> AWAITING_APPROVAL (program changed, bootstrap_policy await_approval)
 *   INITIALIZING | BOOTSTRAPPING | REPLAYING -> PAUSED (a pipeline started paused, instead of RUNNING)
 *                                                 RUNNING  -> COMPLETED
 *   STANDBY -> INITIALIZING (activated)
 *   any state other than STOPPED -> FAILED;  any state other than FAILED -> STOPPED
 * </pre>
 * {@link #STANDBY} is a node's state before its pipeline exists (a sync standby following a bucket until
 * activated); a pipeline's own lifecycle starts at {@link #INITIALIZING}.
 */
public enum PipelineState
{
    /** Built, endpoints opened, agents not yet working. */
    INITIALIZING(0),
    /** Loading a checkpoint into operator state. */
    BOOTSTRAPPING(1),
    /** Re-running journaled steps with their original boundaries. */
    REPLAYING(2),
    /** Running steps from live input. */
    RUNNING(3),
    /** Not taking new input; pending output still drains. */
    PAUSED(4),
    /** Every input reached its end and every output delivered the last transaction. */
    COMPLETED(5),
    /** An error stopped the pipeline; the error is kept and reported. */
    FAILED(6),
    /** Closed by the host. */
    STOPPED(7),
    /** A sync standby: following the checkpoints pushed to a bucket, waiting to be activated; no pipeline yet. */
    STANDBY(8),
    /** The program changed since the checkpoint and bootstrap_policy is await_approval: waiting for approve. */
    AWAITING_APPROVAL(9);

    private static final PipelineState[] BY_CODE = values();

    private final int code;

    PipelineState(final int code)
    {
        this.code = code;
    }

    /** Stable numeric code, the value of the state counter. */
    public int code()
    {
        return code;
    }

    /**
     * The state of a counter value.
     *
     * @param code a value of {@link #code()}.
     * @return the state.
     */
    public static PipelineState fromCode(final int code)
    {
        if (code < 0 || code >= BY_CODE.length)
        {
            throw new IllegalArgumentException("no pipeline state with code " + code);
        }
        return BY_CODE[code];
    }

    /**
     * Whether the lifecycle may move from this state to {@code next}.
     *
     * @param next the proposed state.
     * @return true if allowed.
     */
    public boolean canTransitionTo(final PipelineState next)
    {
        switch (this)
        {
            case INITIALIZING:
                return next == BOOTSTRAPPING || next == REPLAYING || next == RUNNING || next == PAUSED ||
                    next == FAILED || next == STOPPED;
            case BOOTSTRAPPING:
                return next == REPLAYING || next == RUNNING || next == PAUSED || next == AWAITING_APPROVAL ||
                    next == FAILED || next == STOPPED;
            case AWAITING_APPROVAL:
                return next == BOOTSTRAPPING || next == FAILED || next == STOPPED;
            case REPLAYING:
                return next == RUNNING || next == PAUSED || next == FAILED || next == STOPPED;
            case RUNNING:
                return next == PAUSED || next == COMPLETED || next == FAILED || next == STOPPED;
            case PAUSED:
                return next == RUNNING || next == FAILED || next == STOPPED;
            case COMPLETED:
                return next == FAILED || next == STOPPED;
            case STANDBY:
                return next == INITIALIZING || next == FAILED || next == STOPPED;
            default:
                return false;
        }
    }

    /** True for states no transition leaves (apart from FAILED's final close). */
    public boolean isTerminal()
    {
        return this == FAILED || this == STOPPED;
    }
}
