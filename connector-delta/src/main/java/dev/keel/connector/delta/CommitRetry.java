package dev.keel.connector.delta;

import dev.keel.engine.config.ConfigException;
import dev.keel.engine.config.ConfigObject;
import io.delta.kernel.exceptions.CommitStateUnknownException;
import io.delta.kernel.exceptions.ConcurrentWriteException;
import io.delta.kernel.exceptions.KernelEngineException;
import io.delta.kernel.exceptions.MaxCommitRetryLimitReachedException;
import io.delta.kernel.exceptions.MetadataChangedException;
import io.delta.kernel.exceptions.ProtocolChangedException;
import io.delta.kernel.exceptions.TableAlreadyExistsException;
import software.amazon.awssdk.core.exception.SdkException;
import software.amazon.awssdk.services.s3.model.S3Exception;

import java.io.IOException;
import java.io.UncheckedIOException;

/**
 * The retry state of the Delta output's pending commit, owned by its writer agent (and of the Delta input's failed
 * read, owned by its reader agent): bounded exponential backoff
 * ({@code initial << (attempt - 1)}, at most {@code max}) over at most {@code maxRetries} retries, and which failures
 * are worth a retry at all. The agent never sleeps: it asks {@link #waiting(long)} on each duty cycle.
 */
final class CommitRetry
{
    private final int maxRetries;
    private final long initialBackoffNs;
    private final long maxBackoffNs;
    private int failures;
    private long retryAtNs;
    private long flushRequested;

    CommitRetry(final int maxRetries, final long initialBackoffMs, final long maxBackoffMs)
    {
        this.maxRetries = maxRetries;
        this.initialBackoffNs = initialBackoffMs * 1_000_000L;
        this.maxBackoffNs = maxBackoffMs * 1_000_000L;
    }

    /** @return true while the last attempt failed and is not yet committed (its outcome may be unknown). */
    boolean pending()
    {
        return failures > 0;
    }

    /** @return true while a failed commit waits for its retry time. */
    boolean waiting(final long nowNs)
    {
        return failures > 0 && nowNs - retryAtNs < 0;
    }

    /** @return failed attempts of the pending commit so far. */
    int failures()
    {
        return failures;
    }

    int maxRetries()
    {
        return maxRetries;
    }

    /** @return the flush request the pending commit answers (kept across its retries). */
    long flushRequested()
    {
        return flushRequested;
    }

    /**
     * Records a failed attempt.
     *
     * @return the backoff in ns before the next attempt, or -1 when the retries are exhausted.
     */
    long failed(final long nowNs, final long flushRequested)
    {
        failures++;
        this.flushRequested = flushRequested;
        if (failures > maxRetries)
        {
            return -1;
        }
        final long backoff = Math.min(maxBackoffNs, initialBackoffNs << Math.min(30, failures - 1));
        retryAtNs = nowNs + backoff;
        return backoff;
    }

    /** The pending commit is in the table: the next commit starts with a fresh budget. */
    void succeeded()
    {
        failures = 0;
    }

    /**
     * Reads and validates {@code <prefix>_retry_initial_backoff_ms} (default 100) and
     * {@code <prefix>_retry_max_backoff_ms} (default 5000, not below the initial one).
     *
     * @return {initial, max} in ms.
     */
    static long[] backoffMs(final ConfigObject settings, final String prefix)
    {
        final String initialKey = prefix + "_retry_initial_backoff_ms";
        final String maxKey = prefix + "_retry_max_backoff_ms";
        final long initialBackoffMs = settings.longValue(initialKey, 100, 1, 600_000);
        final long maxBackoffMs = settings.longValue(maxKey, 5_000, 1, 600_000);
        if (maxBackoffMs < initialBackoffMs)
        {
            throw new ConfigException(ConfigException.INVALID, null, settings.path() + "." + maxKey,
                maxBackoffMs + " is below " + initialKey + " (" + initialBackoffMs + ")");
        }
        return new long[]{ initialBackoffMs, maxBackoffMs };
    }

    /**
     * Whether {@code e} may go away by trying again: I/O and S3 errors (5xx, throttling, reset or refused
     * connections, timeouts), a commit whose state the kernel does not know, a lost race for a log version. Not:
     * Keel's own errors, a table whose schema or protocol another writer changed, an S3 answer that cannot change
     * (400, 403, 404, 405, redirect).
     */
    static boolean transientFailure(final Throwable e)
    {
        boolean transientCause = false;
        for (Throwable t = e; null != t; t = t.getCause() == t ? null : t.getCause())
        {
            if (t instanceof MetadataChangedException || t instanceof ProtocolChangedException)
            {
                return false;
            }
            if (t instanceof S3Exception s3 && permanent(s3.statusCode()))
            {
                return false;
            }
            if (t instanceof IOException || t instanceof UncheckedIOException || t instanceof SdkException ||
                t instanceof CommitStateUnknownException || t instanceof ConcurrentWriteException ||
                t instanceof MaxCommitRetryLimitReachedException || t instanceof TableAlreadyExistsException ||
                t instanceof KernelEngineException)
            {
                transientCause = true;
            }
        }
        return transientCause;
    }

    /**
     * The failure's messages from the outside in, each once, so the root cause (an S3 status, a refused
     * connection) shows even when the kernel wraps it in exceptions that only name the file.
     */
    static String describe(final Throwable e)
    {
        final StringBuilder text = new StringBuilder();
        String previous = "";
        for (Throwable t = e; null != t; t = t.getCause() == t ? null : t.getCause())
        {
            final String message = null == t.getMessage() ? t.getClass().getSimpleName() : t.getMessage();
            if (!previous.contains(message))
            {
                if (text.length() > 0)
                {
                    text.append(" <- ");
                }
                text.append(t.getClass().getSimpleName()).append(": ").append(message);
            }
            previous = message;
        }
        return text.toString();
    }

    private static boolean permanent(final int status)
    {
        return 301 == status || 400 == status || 403 == status || 404 == status || 405 == status;
    }
}
