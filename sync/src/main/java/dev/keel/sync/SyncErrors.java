package dev.keel.sync;

import dev.keel.engine.KeelException;

/**
 * Codes of the {@link KeelException}s ({@link KeelException.Category#SYNC}) raised by this module, and the
 * redaction of causes: a server's or library's message may echo credentials, so every cause kept in a sync
 * error is a copy whose messages went through {@link SyncSettings#redact(String)}.
 */
public final class SyncErrors
{
    /** The server refused the credentials or the request (HTTP 401/403); not retried. */
    public static final String AUTH = "SYNC_AUTH";
    /** A transient error (5xx, timeout, connection reset) persisted through every attempt. */
    public static final String RETRIES_EXHAUSTED = "SYNC_RETRIES_EXHAUSTED";
    /** Any other error answer of the server, or a client-side failure. */
    public static final String REMOTE = "SYNC_REMOTE";
    /** The bucket does not exist. */
    public static final String NO_BUCKET = "SYNC_NO_BUCKET";
    /** Another writer owns the bucket prefix. */
    public static final String OWNER_CONFLICT = "SYNC_OWNER_CONFLICT";
    /** The catalog changed under a conditional write: another writer or a manual edit. */
    public static final String CATALOG_CONFLICT = "SYNC_CATALOG_CONFLICT";
    /** The prefix holds objects but no catalog: refusing to call that "no checkpoint". */
    public static final String CATALOG_MISSING = "SYNC_CATALOG_MISSING";
    /** The catalog cannot be decoded. */
    public static final String CATALOG_CORRUPT = "SYNC_CATALOG_CORRUPT";
    /** The requested checkpoint is not in the catalog. */
    public static final String CHECKPOINT_NOT_FOUND = "SYNC_CHECKPOINT_NOT_FOUND";
    /** A file listed by the catalog is missing in the bucket. */
    public static final String REMOTE_FILE_MISSING = "SYNC_REMOTE_FILE_MISSING";
    /** A file's size differs from what the catalog or checkpoint says (names are immutable). */
    public static final String SIZE_MISMATCH = "SYNC_SIZE_MISMATCH";
    /** A local file could not be read or written. */
    public static final String LOCAL_IO = "SYNC_LOCAL_IO";
    /** A write was attempted through a read-only sync (a standby or {@code read_bucket}). */
    public static final String READ_ONLY = "SYNC_READ_ONLY";
    /** The sync was closed. */
    public static final String CLOSED = "SYNC_CLOSED";
    /** The journal chunks shipped after a checkpoint do not form one contiguous range from its position. */
    public static final String JOURNAL_GAP = "SYNC_JOURNAL_GAP";

    private SyncErrors()
    {
    }

    static KeelException error(final String code, final String message)
    {
        return new KeelException(KeelException.Category.SYNC, code, message);
    }

    static KeelException error(final String code, final String message, final Throwable cause,
        final SyncSettings settings)
    {
        return new KeelException(KeelException.Category.SYNC, code, settings.redact(message),
            redactedCopy(cause, settings, 0));
    }

    /**
     * A copy of a throwable chain whose messages are redacted; the class names are kept in the messages and the
     * stack traces are kept as they were.
     */
    static Throwable redactedCopy(final Throwable t, final SyncSettings settings, final int depth)
    {
        if (null == t)
        {
            return null;
        }
        if (t instanceof KeelException)
        {
            // Built by this module from redacted text and redacted causes.
            return t;
        }
        final Throwable cause = depth < 16 && t.getCause() != t ? redactedCopy(t.getCause(), settings, depth + 1) : null;
        final RedactedCause copy = new RedactedCause(
            t.getClass().getName() + ": " + settings.redact(String.valueOf(t.getMessage())), cause);
        copy.setStackTrace(t.getStackTrace());
        return copy;
    }

    /**
     * A cause whose message was redacted; it names the original exception class.
     */
    static final class RedactedCause extends Exception
    {
        private static final long serialVersionUID = 1L;

        RedactedCause(final String message, final Throwable cause)
        {
            super(message, cause);
        }
    }
}
