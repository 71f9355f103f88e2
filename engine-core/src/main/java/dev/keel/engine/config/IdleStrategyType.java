package dev.keel.engine.config;

/**
 * What an agent thread does when a duty cycle found no work ({@code idle_strategy}), named after the Agrona idle
 * strategies. Lower latency costs CPU: {@code busy_spin} burns a core.
 */
public enum IdleStrategyType
{
    /** Spin without yielding. JSON {@code "busy_spin"}. */
    BUSY_SPIN,

    /** Yield the thread. JSON {@code "yielding"}. */
    YIELDING,

    /** Spin, then yield, then park with growing pauses. JSON {@code "backoff"}. */
    BACKOFF,

    /** Park for a fixed period. JSON {@code "sleeping"}. */
    SLEEPING;

    /**
     * A new idle strategy of this type (one per thread: they keep state).
     *
     * @param sleepingPeriodNs the park period of {@link #SLEEPING}.
     * @return the idle strategy.
     */
    public org.agrona.concurrent.IdleStrategy newIdleStrategy(final long sleepingPeriodNs)
    {
        switch (this)
        {
            case BUSY_SPIN:
                return new org.agrona.concurrent.BusySpinIdleStrategy();
            case YIELDING:
                return new org.agrona.concurrent.YieldingIdleStrategy();
            case SLEEPING:
                return new org.agrona.concurrent.SleepingIdleStrategy(sleepingPeriodNs);
            default:
                return new org.agrona.concurrent.BackoffIdleStrategy();
        }
    }

    /**
     * The name used in JSON.
     *
     * @return the name used in JSON.
     */
    public String jsonName()
    {
        return ConfigObject.jsonName(this);
    }
}
