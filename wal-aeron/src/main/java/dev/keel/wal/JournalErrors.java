package dev.keel.wal;

import org.agrona.ErrorHandler;

import java.util.concurrent.atomic.AtomicLong;

/**
 * The error handler of the media driver's, archive's and journal clients' threads: keeps the first error so that a
 * later failure of the journal can name its cause, counts them, and forwards each one to the host's handler (the
 * node's crash-surviving error log).
 */
final class JournalErrors implements ErrorHandler
{
    private final AtomicLong count = new AtomicLong();
    private final ErrorHandler hostHandler;
    private volatile Throwable first;

    JournalErrors(final ErrorHandler hostHandler)
    {
        this.hostHandler = hostHandler;
    }

    public void onError(final Throwable throwable)
    {
        if (null == first)
        {
            first = throwable;
        }
        count.incrementAndGet();
        // an embedded archive has no other place to report to: stderr is the node's log
        System.err.println("keel journal: error on an archive thread: " + throwable);
        if (null != hostHandler)
        {
            try
            {
                hostHandler.onError(throwable);
            }
            catch (final Throwable ex)
            {
                // a failing host handler must not kill a driver or archive thread; the error is on stderr already
                System.err.println("keel journal: host error handler failed: " + ex);
            }
        }
    }

    Throwable first()
    {
        return first;
    }

    long count()
    {
        return count.get();
    }
}
