package dev.keel.tools;

import java.util.concurrent.TimeUnit;
import java.util.logging.LogManager;

/**
 * The {@code java.util.logging} manager of the {@code keel} command, so that what a node logs while it stops on
 * SIGTERM (the checkpoint on close, {@code -> STOPPED}) is not lost.
 * <p>
 * Why: {@link LogManager} registers a shutdown hook of its own (its {@code Cleaner}) that calls {@link #reset()},
 * closing every handler; JVM shutdown hooks run concurrently in no set order, so the node's hook used to log into
 * closed handlers. This manager ignores {@code reset()} while the JVM shuts down and resets from its own hook once
 * every {@link #hold()} is released (or after {@value #MAX_WAIT_SECONDS} s, so that a leaked hold cannot stop the
 * JVM from exiting). Tomcat's {@code ClassLoaderLogManager} solves the same problem the same way.
 * <p>
 * It takes effect only if it is the JVM's manager: {@code -Djava.util.logging.manager=dev.keel.tools.KeelLogManager}
 * (the {@code keel} launcher passes it, and {@link KeelCli#main(String[])} sets it before anything logs). Otherwise
 * (a host embedding the node) {@link #hold()} does nothing.
 */
public final class KeelLogManager extends LogManager
{
    /** Longest time the final reset waits for holds during shutdown. */
    static final long MAX_WAIT_SECONDS = 120;

    /** Keeps the log handlers open during JVM shutdown until closed; idempotent. */
    public interface Hold extends AutoCloseable
    {
        /** Releases the hold. */
        void close();
    }

    private int holds;

    /** Called by {@link LogManager} when {@code java.util.logging.manager} names this class. */
    public KeelLogManager()
    {
        Runtime.getRuntime().addShutdownHook(new Thread(this::resetOnceReleased, "keel-log-reset"));
    }

    /** Resets as {@link LogManager#reset()} does, except during JVM shutdown (see the class comment). */
    public void reset()
    {
        if (!shuttingDown())
        {
            super.reset();
        }
    }

    /**
     * Keeps the handlers open during a JVM shutdown until the hold is closed.
     *
     * @return the hold; a no-op if this class is not the JVM's log manager.
     */
    public static Hold hold()
    {
        final LogManager manager = LogManager.getLogManager();
        if (!(manager instanceof KeelLogManager))
        {
            return () -> {};
        }
        final KeelLogManager keel = (KeelLogManager)manager;
        synchronized (keel)
        {
            keel.holds++;
        }
        final boolean[] released = { false };
        return () ->
        {
            synchronized (keel)
            {
                if (!released[0])
                {
                    released[0] = true;
                    keel.holds--;
                    keel.notifyAll();
                }
            }
        };
    }

    private void resetOnceReleased()
    {
        final long deadlineNs = System.nanoTime() + TimeUnit.SECONDS.toNanos(MAX_WAIT_SECONDS);
        synchronized (this)
        {
            try
            {
                long remainingNs;
                while (holds > 0 && (remainingNs = deadlineNs - System.nanoTime()) > 0)
                {
                    TimeUnit.NANOSECONDS.timedWait(this, remainingNs);
                }
            }
            catch (final InterruptedException ex)
            {
                Thread.currentThread().interrupt();
            }
        }
        super.reset();
    }

    private static boolean shuttingDown()
    {
        // the documented way to tell: hooks cannot be added once shutdown has begun
        final Thread probe = new Thread(() -> {});
        try
        {
            Runtime.getRuntime().addShutdownHook(probe);
            Runtime.getRuntime().removeShutdownHook(probe);
            return false;
        }
        catch (final IllegalStateException shutdownInProgress)
        {
            return true;
        }
    }
}
