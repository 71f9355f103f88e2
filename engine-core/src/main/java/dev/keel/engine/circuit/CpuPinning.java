package dev.keel.engine.circuit;

import net.openhft.affinity.AffinityLock;

import java.util.concurrent.atomic.AtomicBoolean;

/**
 * Pins the calling thread to a CPU with OpenHFT affinity, if configured. Pinning is an optimisation: a CPU that
 * cannot be had (none reservable, no native support) is logged once per process and the thread runs unpinned.
 */
public final class CpuPinning
{
    /** Do not pin. */
    static final int NO_PINNING = -2;
    /** Pin to any reservable CPU. */
    static final int ANY_CPU = -1;

    private static final System.Logger LOGGER = System.getLogger("dev.keel.engine.circuit");
    private static final AtomicBoolean PIN_FAILURE_LOGGED = new AtomicBoolean();

    private final String roleName;
    private final int cpu;
    private volatile AffinityLock lock;

    /**
     * @param roleName the agent's name, for the log.
     * @param cpu      a CPU number, {@link #ANY_CPU} or {@link #NO_PINNING}.
     */
    CpuPinning(final String roleName, final int cpu)
    {
        this.roleName = roleName;
        this.cpu = cpu;
    }

    /** Pins the calling thread; on the agent's thread, in {@code onStart}. */
    void pin()
    {
        if (NO_PINNING == cpu)
        {
            return;
        }
        AffinityLock acquired = null;
        String reason = "no reservable CPU; see -Daffinity.reserved";
        try
        {
            acquired = ANY_CPU == cpu ? AffinityLock.acquireLock() : AffinityLock.acquireLock(cpu);
        }
        catch (final RuntimeException | LinkageError ex)
        {
            reason = ex.toString();
        }
        if (null != acquired && acquired.isBound())
        {
            lock = acquired;
            LOGGER.log(System.Logger.Level.INFO, "{0} pinned to CPU {1}", roleName, acquired.cpuId());
        }
        else
        {
            if (null != acquired)
            {
                acquired.release();
            }
            if (PIN_FAILURE_LOGGED.compareAndSet(false, true))
            {
                LOGGER.log(System.Logger.Level.WARNING, "{0}: cannot pin to CPU {1} ({2}), running unpinned",
                    roleName, ANY_CPU == cpu ? "any" : cpu, reason);
            }
        }
    }

    /**
     * Pins the calling circuit worker thread for good (the pin ends with the thread); a CPU that cannot be had is
     * logged once, as for the circuit thread.
     *
     * @param pipelineName for the log.
     * @param worker       worker index, 1..N-1 (worker 0 is the circuit thread, pinned by its agent).
     * @param cpu          the CPU.
     */
    public static void pinWorker(final String pipelineName, final int worker, final int cpu)
    {
        new CpuPinning("circuit worker " + worker + " of pipeline '" + pipelineName + "'", cpu).pin();
    }

    /** Releases the CPU; in {@code onClose}. */
    void release()
    {
        final AffinityLock held = lock;
        if (null != held)
        {
            held.release();
            lock = null;
        }
    }

    boolean isPinned()
    {
        return null != lock;
    }
}
