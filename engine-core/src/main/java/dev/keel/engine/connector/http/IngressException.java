package dev.keel.engine.connector.http;

/**
 * Why {@link HttpInputEndpoint} refused a request; nothing of a refused request enters the pipeline, so the
 * client may correct it (or wait) and send it again.
 */
public final class IngressException extends RuntimeException
{
    private static final long serialVersionUID = 1L;

    /** The kinds of refusal, each with the HTTP status the node answers. */
    public enum Kind
    {
        /** A record is malformed: 400, naming the line and the offset. */
        BAD_RECORD(400),
        /** The body does not fit the endpoint's buffer even when it is empty: 413. */
        TOO_LARGE(413),
        /** The buffer is full right now: 503 with {@code Retry-After}. */
        FULL(503),
        /** The endpoint (the pipeline) is closed: 503. */
        CLOSED(503);

        private final int httpStatus;

        Kind(final int httpStatus)
        {
            this.httpStatus = httpStatus;
        }

        /** @return the HTTP status of this refusal. */
        public int httpStatus()
        {
            return httpStatus;
        }
    }

    private final Kind kind;
    private final long line;
    private final long offset;

    IngressException(final Kind kind, final String message)
    {
        this(kind, message, 0, -1);
    }

    IngressException(final Kind kind, final String message, final long line, final long offset)
    {
        super(message, null, false, false);
        this.kind = kind;
        this.line = line;
        this.offset = offset;
    }

    /** @return the kind of refusal. */
    public Kind kind()
    {
        return kind;
    }

    /** @return the 1-based line of the bad record in the body, or 0 if not about a record. */
    public long line()
    {
        return line;
    }

    /** @return the byte offset in the body where the bad record starts, or -1 if not about a record. */
    public long offset()
    {
        return offset;
    }
}
