package dev.keel.engine.config;

import dev.keel.engine.KeelException;

/**
 * The pipeline configuration, or one connector's settings within it, is invalid.
 * <p>
 * The message names the JSON path of the offending setting ({@code $.fault_tolerance.checkpoint_interval_secs}),
 * the offending value and what is allowed; when the configuration came from a file it starts with the file
 * name. {@link #code()} tells the kind of problem without parsing the message.
 */
public final class ConfigException extends KeelException
{
    /** A key that the object does not define. */
    public static final String UNKNOWN_KEY = "CONFIG_UNKNOWN_KEY";

    /** A value of the wrong JSON type, e.g. a string where an integer belongs. */
    public static final String WRONG_TYPE = "CONFIG_WRONG_TYPE";

    /** A number outside its allowed range. */
    public static final String OUT_OF_RANGE = "CONFIG_OUT_OF_RANGE";

    /** A required setting is absent. */
    public static final String MISSING = "CONFIG_MISSING";

    /** A value of the right type that breaks a rule: not one of the allowed values, or in conflict with another. */
    public static final String INVALID = "CONFIG_INVALID";

    /** The text is not a single well-formed JSON document (the message gives line and column). */
    public static final String MALFORMED_JSON = "CONFIG_MALFORMED_JSON";

    /** The configuration file could not be read. */
    public static final String UNREADABLE = "CONFIG_UNREADABLE";

    private static final long serialVersionUID = 1L;

    private final String path;
    private final String source;

    /**
     * Create an exception for a setting.
     *
     * @param code   one of the codes defined by this class.
     * @param source where the configuration came from (a file name), or null when it was not a file.
     * @param path   JSON path of the offending setting, {@code $} for the document.
     * @param detail what is wrong: the offending value and what is allowed.
     */
    public ConfigException(final String code, final String source, final String path, final String detail)
    {
        super(Category.CONFIG, code, format(source, path, detail));
        this.path = path;
        this.source = source;
    }

    /**
     * Create an exception for a setting, with the underlying cause.
     *
     * @param code   one of the codes defined by this class.
     * @param source where the configuration came from (a file name), or null when it was not a file.
     * @param path   JSON path of the offending setting, {@code $} for the document.
     * @param detail what is wrong: the offending value and what is allowed.
     * @param cause  the underlying failure.
     */
    public ConfigException(
        final String code, final String source, final String path, final String detail, final Throwable cause)
    {
        super(Category.CONFIG, code, format(source, path, detail), cause);
        this.path = path;
        this.source = source;
    }

    /**
     * JSON path of the offending setting, e.g. {@code $.inputs.trades.max_batch_size}; {@code $} for the whole
     * document.
     *
     * @return the JSON path of the offending setting.
     */
    public String path()
    {
        return path;
    }

    /**
     * Where the configuration came from, as given to the parser (a file name), or null when it did not come from
     * a file.
     *
     * @return the file name or null.
     */
    public String source()
    {
        return source;
    }

    private static String format(final String source, final String path, final String detail)
    {
        return null == source ? path + ": " + detail : source + ": " + path + ": " + detail;
    }
}
