package dev.keel.engine.connector.file;

import dev.keel.engine.config.ComponentConfig;
import dev.keel.engine.config.ConfigException;
import dev.keel.engine.config.ConfigObject;
import dev.keel.engine.connector.format.Format;
import dev.keel.engine.connector.format.FormatSettings;
import dev.keel.engine.connector.format.UpdateFormat;
import dev.keel.engine.data.Schema;

import java.util.Optional;
import java.util.function.Supplier;

/**
 * The configuration parsing shared by the text connectors (file, and transports in other modules such as Kafka):
 * the {@code format} object and builder errors.
 */
public final class FileFormats
{
    private FileFormats()
    {
    }

    /**
     * Parses and checks the {@code format} object of an endpoint.
     *
     * @param format the endpoint's format component, required.
     * @param schema the schema the format must support.
     * @param path   JSON path of the format object, for errors.
     * @return the settings.
     * @throws ConfigException naming the path if the format is missing or invalid.
     */
    public static FormatSettings format(final Optional<ComponentConfig> format, final Schema schema, final String path)
    {
        if (format.isEmpty())
        {
            throw new ConfigException(ConfigException.MISSING, null, path, "this transport needs a format; " +
                "allowed: {\"name\": \"json\" | \"csv\", \"config\": {...}}");
        }
        final ComponentConfig component = format.get();
        final FormatSettings.Builder builder;
        final ConfigObject options = component.config();
        switch (component.name())
        {
            case "json":
                options.requireOnly("update_format");
                builder = FormatSettings.builder(Format.JSON)
                    .updateFormat(UpdateFormat.fromConfigName(options.string("update_format", "insert_delete")));
                break;
            case "csv":
                options.requireOnly("header", "weight_column", "delimiter");
                final String delimiter = options.string("delimiter", ",");
                if (delimiter.length() != 1 || delimiter.charAt(0) > 0x7F)
                {
                    throw new ConfigException(ConfigException.INVALID, null, options.path() + ".delimiter",
                        "'" + delimiter + "' is not one ASCII character");
                }
                builder = FormatSettings.builder(Format.CSV)
                    .csvHeader(options.bool("header", false))
                    .csvWeightColumn(options.bool("weight_column", false))
                    .csvDelimiter((byte)delimiter.charAt(0));
                break;
            default:
                throw new ConfigException(ConfigException.INVALID, null, path + ".name",
                    "'" + component.name() + "' is not a format; allowed: json, csv");
        }
        final FormatSettings settings = build(builder::build, path);
        try
        {
            settings.checkSchema(schema);
        }
        catch (final RuntimeException ex)
        {
            throw new ConfigException(ConfigException.INVALID, null, path, ex.getMessage(), ex);
        }
        return settings;
    }

    /** Runs a settings builder, turning its validation error into a config error at {@code path}. */
    public static <T> T build(final Supplier<T> builder, final String path)
    {
        try
        {
            return builder.get();
        }
        catch (final IllegalArgumentException | IllegalStateException ex)
        {
            throw new ConfigException(ConfigException.INVALID, null, path, ex.getMessage(), ex);
        }
    }
}
