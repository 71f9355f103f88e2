package dev.keel.engine.connector.http;

import dev.keel.engine.config.ComponentConfig;
import dev.keel.engine.connector.file.FileFormats;
import dev.keel.engine.connector.format.FormatSettings;
import dev.keel.engine.data.Schema;

import java.util.Optional;

/**
 * The {@code format} object of the HTTP connectors: optional, {@code json} with {@code insert_delete} by default,
 * else parsed as the other text transports parse it ({@link FileFormats#format}).
 */
final class HttpFormats
{
    private HttpFormats()
    {
    }

    static FormatSettings format(final Optional<ComponentConfig> format, final Schema schema, final String path)
    {
        return format.isEmpty() ? FormatSettings.json() : FileFormats.format(format, schema, path);
    }
}
