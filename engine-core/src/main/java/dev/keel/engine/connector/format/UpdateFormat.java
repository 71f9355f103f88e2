package dev.keel.engine.connector.format;

/**
 * Shape of one JSON line, Feldera's {@code update_format} option.
 */
public enum UpdateFormat
{
    /** {@code {"insert": {row}}} (weight +1) or {@code {"delete": {row}}} (weight -1). The default. */
    INSERT_DELETE("insert_delete"),
    /** Each line is the row object itself, an insert (weight +1). */
    RAW("raw");

    private final String configName;

    UpdateFormat(final String configName)
    {
        this.configName = configName;
    }

    public String configName()
    {
        return configName;
    }

    public static UpdateFormat fromConfigName(final String name)
    {
        for (final UpdateFormat format : values())
        {
            if (format.configName.equals(name))
            {
                return format;
            }
        }
        throw new IllegalArgumentException(
            "update_format: '" + name + "' is not an update format, allowed: insert_delete, raw");
    }
}
