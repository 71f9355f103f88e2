package dev.keel.engine;

import dev.keel.engine.api.Keel;

/**
 * Base of every error Keel raises on purpose: it carries a {@link Category} and a stable code so that
 * hosts and operators can act on it without parsing the message. The message itself names what was
 * wrong and where (config path, endpoint, file, offset).
 */
public class KeelException extends RuntimeException
{
    /** What kind of problem this is, which tells a person where to look. */
    public enum Category
    {
        /** The pipeline configuration is invalid. */
        CONFIG,
        /** A connector could not read or write its endpoint, or an input record was malformed. */
        CONNECTOR,
        /** Storage (journal, checkpoints, lock) is missing, corrupt or unusable. */
        STORAGE,
        /** Recovery could not reproduce the journaled run. */
        RECOVERY,
        /** The program (operators, schemas) is invalid. */
        PROGRAM,
        /** Object storage sync failed. */
        SYNC,
        /** A bug or an unexpected state inside Keel. */
        INTERNAL
    }

    private final Category category;
    private final String code;

    public KeelException(final Category category, final String code, final String message)
    {
        super(message);
        this.category = category;
        this.code = code;
    }

    public KeelException(final Category category, final String code, final String message, final Throwable cause)
    {
        super(message, cause);
        this.category = category;
        this.code = code;
    }

    public Category category()
    {
        return category;
    }

    /** Stable, machine-readable code such as {@code CONFIG_OUT_OF_RANGE}. */
    public String code()
    {
        return code;
    }

    public String getMessage()
    {
        return "[" + code + "] " + super.getMessage();
    }
}
