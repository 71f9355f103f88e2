package dev.keel.engine.connector;

import dev.keel.engine.config.ComponentConfig;
import dev.keel.engine.config.ConfigException;
import dev.keel.engine.config.ConfigObject;
import dev.keel.engine.config.InputEndpointConfig;
import dev.keel.engine.config.OutputEndpointConfig;
import dev.keel.engine.connector.file.FileInputEndpoint;
import dev.keel.engine.connector.file.FileInputSettings;
import dev.keel.engine.connector.file.FileOutputEndpoint;
import dev.keel.engine.connector.file.FileOutputSettings;
import dev.keel.engine.connector.format.Format;
import dev.keel.engine.connector.format.FormatSettings;
import dev.keel.engine.connector.format.UpdateFormat;
import dev.keel.engine.data.Schema;

import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;
import java.util.Optional;

/**
 * Creates endpoints from their configuration by transport name ({@code file_input}, {@code file_output},
 * and those registered with {@link #registerInput}). Every setting is validated here, and an error names
 * the JSON path of the setting. Relative file paths are resolved against the working directory.
 */
public final class Connectors
{
    /** Builds an input endpoint of one transport. */
    @FunctionalInterface
    public interface InputFactory
    {
        InputEndpoint create(InputEndpointConfig config, Schema schema);
    }

    private static final Map<String, InputFactory> INPUTS = new HashMap<>();

    static
    {
        INPUTS.put("file_input", Connectors::fileInput);
        INPUTS.put("nexmark", dev.keel.engine.nexmark.NexmarkInputEndpoint::fromConfig);
    }

    private Connectors()
    {
    }

    /** Adds an input transport (e.g. a generator) under a name. */
    public static synchronized void registerInput(final String transport, final InputFactory factory)
    {
        INPUTS.put(transport, factory);
    }

    public static synchronized InputEndpoint input(final InputEndpointConfig config, final Schema schema)
    {
        final ComponentConfig transport = config.transport();
        final InputFactory factory = INPUTS.get(transport.name());
        if (null == factory)
        {
            throw new ConfigException(ConfigException.INVALID, null, "$.inputs." + config.name() + ".transport.name",
                "'" + transport.name() + "' is not an input transport; allowed: " + new java.util.TreeSet<>(INPUTS.keySet()));
        }
        return factory.create(config, schema);
    }

    public static OutputEndpoint output(final OutputEndpointConfig config, final Schema schema)
    {
        final ComponentConfig transport = config.transport();
        if (!"file_output".equals(transport.name()))
        {
            throw new ConfigException(ConfigException.INVALID, null, "$.outputs." + config.name() + ".transport.name",
                "'" + transport.name() + "' is not an output transport; allowed: [file_output]");
        }
        final ConfigObject settings = transport.config().requireOnly(
            "path", "queue_capacity_bytes", "write_buffer_bytes", "sync_interval_ms", "sync_bytes");
        final FileOutputSettings.Builder builder = FileOutputSettings.builder()
            .path(Path.of(settings.nonEmptyString("path")))
            .format(format(config.format(), schema, "$.outputs." + config.name() + ".format"))
            .queueCapacityBytes(settings.intValue("queue_capacity_bytes", 8 << 20, 1 << 16, 1 << 30))
            .writeBufferBytes(settings.intValue("write_buffer_bytes", 1 << 20, 4096, 1 << 28))
            .syncIntervalMs(settings.longValue("sync_interval_ms", 100, 1, 3_600_000))
            .syncBytes(settings.longValue("sync_bytes", 16 << 20, 4096, Long.MAX_VALUE));
        return FileOutputEndpoint.create(config.name(), schema, build(builder::build, settings.path()));
    }

    private static InputEndpoint fileInput(final InputEndpointConfig config, final Schema schema)
    {
        final ConfigObject settings = config.transport().config().requireOnly(
            "path", "follow", "read_buffer_bytes", "max_record_bytes", "follow_poll_interval_ms");
        final FileInputSettings.Builder builder = FileInputSettings.builder()
            .path(Path.of(settings.nonEmptyString("path")))
            .follow(settings.bool("follow", false))
            .format(format(config.format(), schema, "$.inputs." + config.name() + ".format"))
            .onError(OnError.fromConfigName(config.onError().name().toLowerCase()))
            .maxQueuedRecords((int)Math.min(Integer.MAX_VALUE, config.maxQueuedRecords()))
            .readBufferBytes(settings.intValue("read_buffer_bytes", 1 << 20, 4096, 1 << 30))
            .maxRecordBytes(settings.intValue("max_record_bytes", 16 << 20, 4096, 1 << 30))
            .followPollIntervalMs(settings.longValue("follow_poll_interval_ms", 10, 1, 60_000));
        return FileInputEndpoint.create(config.name(), schema, build(builder::build, settings.path()));
    }

    private static FormatSettings format(final Optional<ComponentConfig> format, final Schema schema, final String path)
    {
        if (format.isEmpty())
        {
            throw new ConfigException(ConfigException.MISSING, null, path, "file transports need a format; " +
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

    private static <T> T build(final java.util.function.Supplier<T> builder, final String path)
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
