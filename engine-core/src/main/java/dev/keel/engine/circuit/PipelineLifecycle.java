package dev.keel.engine.circuit;

import dev.keel.engine.KeelException;
import org.agrona.ErrorHandler;
import org.agrona.concurrent.status.AtomicCounter;

import java.util.concurrent.TimeUnit;

/**
 * Owner of a pipeline's {@link PipelineState} and of its errors: the one place a state changes
 * ({@link #transition(PipelineState)}, which validates, logs and publishes the change as a counter) and
 * the one place errors of the circuit, of endpoints and of their agents go ({@link #onError(Throwable)}:
 * counted, the first one kept, the pipeline failed). Any thread may read; transitions are rare and
 * serialised on this object, so waiting hosts can be woken.
 */
public final class PipelineLifecycle
{
    private static final System.Logger LOGGER = System.getLogger("dev.keel.engine.pipeline");

    private final String pipelineName;
    private final AtomicCounter stateCounter;
    private final AtomicCounter errorCounter;
    private final ErrorHandler hostErrorHandler;
    private volatile PipelineState state = PipelineState.INITIALIZING;
    private volatile Throwable failure;

    /**
     * @param pipelineName name used in logs.
     * @param stateCounter counter publishing the state code.
     * @param errorCounter counter of every error reported.
     * @param hostErrorHandler also told of every error after it was recorded, or null.
     */
    public PipelineLifecycle(
        final String pipelineName,
        final AtomicCounter stateCounter,
        final AtomicCounter errorCounter,
        final ErrorHandler hostErrorHandler)
    {
        this.pipelineName = pipelineName;
        this.hostErrorHandler = hostErrorHandler;
        this.stateCounter = stateCounter;
        this.errorCounter = errorCounter;
        stateCounter.setRelease(PipelineState.INITIALIZING.code());
    }

    /** Current state, from any thread. */
    public PipelineState state()
    {
        return state;
    }

    /** The first error that failed the pipeline, or null. */
    public Throwable failure()
    {
        return failure;
    }

    /** Number of errors reported so far. */
    public long errorCount()
    {
        return errorCounter.get();
    }

    /**
     * Moves to {@code next}, logging the change and publishing it.
     *
     * @param next the new state.
     * @throws IllegalStateException if the lifecycle does not allow the change.
     */
    public synchronized void transition(final PipelineState next)
    {
        final PipelineState current = state;
        if (!current.canTransitionTo(next))
        {
            throw new IllegalStateException(
                "pipeline '" + pipelineName + "' cannot go from " + current + " to " + next);
        }
        state = next;
        stateCounter.setRelease(next.code());
        LOGGER.log(next == PipelineState.FAILED ? System.Logger.Level.ERROR : System.Logger.Level.INFO,
            "pipeline ''{0}'': {1} -> {2}", pipelineName, current, next);
        notifyAll();
    }

    /**
     * Moves to {@code next} if allowed from the current state.
     *
     * @param next the new state.
     * @return true if the state changed.
     */
    public synchronized boolean tryTransition(final PipelineState next)
    {
        if (state.canTransitionTo(next))
        {
            transition(next);
            return true;
        }
        return false;
    }

    /**
     * Records an error from any agent or endpoint: counts it, keeps the first one and fails the pipeline.
     * Never throws, so that it can be an Agrona {@link org.agrona.ErrorHandler}.
     *
     * @param error what went wrong.
     */
    public void onError(final Throwable error)
    {
        synchronized (this)
        {
            errorCounter.incrementRelease();
            if (null == failure)
            {
                failure = error;
            }
            if (error instanceof KeelException && ((KeelException)error).category() != KeelException.Category.INTERNAL)
            {
                // a classified error names what and where in its message: a stack trace adds only noise (keel.debug
                // or DEBUG logging shows it)
                LOGGER.log(System.Logger.Level.ERROR, "pipeline '" + pipelineName + "' error: " + error.getMessage());
                LOGGER.log(System.Logger.Level.DEBUG, "pipeline '" + pipelineName + "' error", error);
            }
            else
            {
                LOGGER.log(System.Logger.Level.ERROR, "pipeline '" + pipelineName + "' error", error);
            }
            tryTransition(PipelineState.FAILED);
        }
        if (null != hostErrorHandler)
        {
            try
            {
                hostErrorHandler.onError(error);
            }
            catch (final Throwable ex)
            {
                // the host's handler failing must not hide the pipeline's error: log both, keep the first
                LOGGER.log(System.Logger.Level.ERROR, "pipeline '" + pipelineName + "': host error handler failed", ex);
            }
        }
    }

    /**
     * Waits until the state is one of {@code targets} or the pipeline failed.
     *
     * @param timeout longest wait.
     * @param unit    unit of {@code timeout}.
     * @param targets states to wait for.
     * @return the state reached, or the current state on time-out.
     * @throws InterruptedException if interrupted while waiting.
     */
    public synchronized PipelineState await(final long timeout, final TimeUnit unit, final PipelineState... targets)
        throws InterruptedException
    {
        final long deadlineNs = System.nanoTime() + unit.toNanos(timeout);
        while (true)
        {
            final PipelineState current = state;
            if (current == PipelineState.FAILED || contains(targets, current))
            {
                return current;
            }
            final long remainingNs = deadlineNs - System.nanoTime();
            if (remainingNs <= 0)
            {
                return current;
            }
            TimeUnit.NANOSECONDS.timedWait(this, remainingNs);
        }
    }

    /**
     * Throws a {@link KeelException} carrying the failure if the pipeline failed.
     *
     * @param action what the caller tried to do, for the message.
     */
    public void throwIfFailed(final String action)
    {
        final Throwable error = failure;
        if (state == PipelineState.FAILED)
        {
            throw new KeelException(
                error instanceof KeelException ? ((KeelException)error).category() : KeelException.Category.INTERNAL,
                "PIPELINE_FAILED",
                "cannot " + action + ": pipeline '" + pipelineName + "' failed: " +
                    (null == error ? "unknown error" : error.getMessage()),
                error);
        }
    }

    private static boolean contains(final PipelineState[] states, final PipelineState state)
    {
        for (final PipelineState s : states)
        {
            if (s == state)
            {
                return true;
            }
        }
        return false;
    }
}
