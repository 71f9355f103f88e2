package dev.keel.engine.api;

import dev.keel.engine.circuit.PipelineLifecycle;
import org.agrona.concurrent.Agent;

/**
 * Runs an endpoint's agent only while the pipeline has not failed or stopped: after its first error
 * (counted and kept by the lifecycle) a failing agent is not called again, so one fault is one error,
 * not one per duty cycle.
 */
final class GuardedAgent implements Agent
{
    private final Agent delegate;
    private final PipelineLifecycle lifecycle;

    GuardedAgent(final Agent delegate, final PipelineLifecycle lifecycle)
    {
        this.delegate = delegate;
        this.lifecycle = lifecycle;
    }

    public void onStart()
    {
        delegate.onStart();
    }

    public int doWork() throws Exception
    {
        if (lifecycle.state().isTerminal())
        {
            return 0;
        }
        return delegate.doWork();
    }

    public void onClose()
    {
        delegate.onClose();
    }

    public String roleName()
    {
        return delegate.roleName();
    }
}
