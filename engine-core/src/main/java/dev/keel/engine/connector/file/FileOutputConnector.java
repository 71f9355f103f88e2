package dev.keel.engine.connector.file;

import dev.keel.engine.config.ConfigObject;
import dev.keel.engine.config.OutputEndpointConfig;
import dev.keel.engine.connector.ConnectorContext;
import dev.keel.engine.connector.OutputConnector;
import dev.keel.engine.connector.OutputEndpoint;
import dev.keel.engine.data.Schema;

import java.nio.file.Path;

/**
 * The {@code file_output} transport: a {@link FileOutputEndpoint} configured by the keys of
 * {@link FileOutputSettings} under {@code transport.config} and a {@code format}. A relative {@code path} is
 * resolved against the working directory.
 */
public final class FileOutputConnector implements OutputConnector
{
    /** The transport name. */
    public static final String TRANSPORT = "file_output";

    public String transport()
    {
        return TRANSPORT;
    }

    public OutputEndpoint create(final OutputEndpointConfig config, final Schema schema, final ConnectorContext context)
    {
        final ConfigObject settings = config.transport().config().requireOnly(
            "path", "queue_capacity_bytes", "write_buffer_bytes", "sync_interval_ms", "sync_bytes");
        final FileOutputSettings.Builder builder = FileOutputSettings.builder()
            .path(Path.of(settings.nonEmptyString("path")))
            .format(FileFormats.format(config.format(), schema, "$.outputs." + config.name() + ".format"))
            .queueCapacityBytes(settings.intValue("queue_capacity_bytes", 8 << 20, 1 << 16, 1 << 30))
            .writeBufferBytes(settings.intValue("write_buffer_bytes", 1 << 20, 4096, 1 << 28))
            .syncIntervalMs(settings.longValue("sync_interval_ms", 100, 1, 3_600_000))
            .syncBytes(settings.longValue("sync_bytes", 16 << 20, 4096, Long.MAX_VALUE));
        return FileOutputEndpoint.create(
            config.name(), schema, FileFormats.build(builder::build, settings.path()), context.nanoClock());
    }
}
