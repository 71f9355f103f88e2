package dev.keel.engine.connector.http;

import dev.keel.engine.config.ComponentConfig;
import dev.keel.engine.config.ConfigException;
import dev.keel.engine.config.ConfigObject;
import dev.keel.engine.connector.format.Format;
import dev.keel.engine.connector.format.FormatSettings;
import dev.keel.engine.connector.format.UpdateFormat;
import dev.keel.engine.data.Schema;

import java.util.Optional;

/** The {@code format} object of the HTTP connectors: optional, {@code json} with {@code insert_delete} by default. */
final class HttpFormats
{
    private HttpFormats()
    {
    }

    static FormatSettings format(final Optional<ComponentConfig> format, final Schema schema, final String path)
    {
        if (format.isEmpty())
        {
            return FormatSettings.json();
        }
        final ComponentConfig component = format.get();
        final ConfigObject options = component.config();
        final FormatSettings.Builder builder;
        try
        {
            switch (component.name())
            {
                case "json":
                    options.requireOnly("update_format");
                    builder = FormatSettings.builder(Format.JSON).updateFormat(
                        UpdateFormat.fromConfigName(options.string("update_format", "insert_delete")));
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
            final FormatSettings settings = builder.build();
            settings.checkSchema(schema);
            return settings;
        }
        catch (final IllegalArgumentException | IllegalStateException ex)
        {
            throw new ConfigException(ConfigException.INVALID, null, path, ex.getMessage(), ex);
        }
    }
}
