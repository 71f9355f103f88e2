package dev.keel.engine.api;

import dev.keel.engine.KeelException;

/**
 * The checks {@link EngineContext} and {@link FaultToleranceContext} apply when they conclude: each failure is a
 * {@code CONFIG_INVALID} naming the setting, its value and what is allowed.
 */
final class ContextChecks
{
    private ContextChecks()
    {
    }

    static void requireNonNull(final String field, final Object value)
    {
        if (null == value)
        {
            throw invalid(field, null, "a non-null value");
        }
    }

    static void requireRange(final String field, final long value, final long min, final long max)
    {
        if (value < min || value > max)
        {
            throw invalid(field, value, min + ".." + max);
        }
    }

    static void requireRingLength(final String field, final int length)
    {
        if (length < 1024 || Integer.bitCount(length) != 1 || length > (1 << 30))
        {
            throw invalid(field, length, "a power of two in 1024..2^30");
        }
    }

    static KeelException invalid(final String field, final Object value, final String allowed)
    {
        return new KeelException(KeelException.Category.CONFIG, "CONFIG_INVALID",
            "EngineContext." + field + " = " + value + " is invalid; allowed: " + allowed);
    }

    static void requirePowerOfTwo(final String field, final int value, final int max)
    {
        requireRange(field, value, 1, max);
        if (Integer.bitCount(value) != 1)
        {
            throw invalid(field, value, "a power of two in 1.." + max);
        }
    }

    static void requireMultipleInRange(final String field, final int value, final int multiple, final int max)
    {
        requireRange(field, value, multiple, max);
        if (value % multiple != 0)
        {
            throw invalid(field, value, "a multiple of " + multiple);
        }
    }

    /**
     * CPU numbers are >= 0, at least one per worker when given, and a host that owns the threads (INVOKER) pins
     * them itself.
     */
    static void checkPinning(
        final dev.keel.engine.config.ThreadingMode threadingMode,
        final int[] pinCpus,
        final Boolean pinCircuitThread,
        final int workers)
    {
        if (pinCpus.length > 0 && pinCpus.length < workers)
        {
            throw invalid("pinCpus", java.util.Arrays.toString(pinCpus), "at least one CPU per worker (workers=" +
                workers + ")");
        }
        for (final int cpu : pinCpus)
        {
            if (cpu < 0)
            {
                throw invalid("pinCpus", java.util.Arrays.toString(pinCpus), "CPU numbers >= 0");
            }
        }
        if (threadingMode == dev.keel.engine.config.ThreadingMode.INVOKER &&
            (pinCpus.length > 0 || Boolean.TRUE.equals(pinCircuitThread)))
        {
            throw invalid("pinCpus", java.util.Arrays.toString(pinCpus),
                "no pinning with threadingMode INVOKER: the host owns the threads; pin them in the host");
        }
    }
}
