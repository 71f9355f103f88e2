package dev.keel.engine.connector.format;

/**
 * A malformed input record. Thrown by the {@link RecordParser}s on the error path only (never in steady
 * state), without a stack trace: the transport adds endpoint, file, line and offset to the message.
 */
public final class RecordParseException extends RuntimeException
{
    private static final long serialVersionUID = 1L;

    public RecordParseException(final String message)
    {
        super(message, null, false, false);
    }
}
