package dev.keel.engine.connector.format;

/**
 * Record formats of the text transports, named as in the pipeline configuration.
 */
public enum Format
{
    /** Newline-delimited JSON: {@link JsonRecordParser}, {@link JsonRecordEncoder}. */
    JSON("json"),
    /** RFC 4180 CSV: {@link CsvRecordParser}, {@link CsvRecordEncoder}. */
    CSV("csv");

    private final String configName;

    Format(final String configName)
    {
        this.configName = configName;
    }

    /** The name used in configuration ({@code "json"}, {@code "csv"}). */
    public String configName()
    {
        return configName;
    }

    /** The format with the given configuration name; fails naming the value and what is allowed. */
    public static Format fromConfigName(final String name)
    {
        for (final Format format : values())
        {
            if (format.configName.equals(name))
            {
                return format;
            }
        }
        throw new IllegalArgumentException("format: '" + name + "' is not a format, allowed: json, csv");
    }
}
