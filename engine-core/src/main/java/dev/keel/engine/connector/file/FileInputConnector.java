package dev.keel.engine.connector.file;

import dev.keel.engine.config.ConfigObject;
import dev.keel.engine.config.InputEndpointConfig;
import dev.keel.engine.connector.ConnectorContext;
import dev.keel.engine.connector.InputConnector;
import dev.keel.engine.connector.InputEndpoint;
import dev.keel.engine.data.Schema;

import java.nio.file.Path;

/**
 * The {@code file_input} transport: a {@link FileInputEndpoint} configured by the keys of
 * {@link FileInputSettings} under {@code transport.config} and a {@code format}. A relative {@code path} is
 * resolved against the working directory.
 */
public final class FileInputConnector implements InputConnector
{
    /** The transport name. */
    public static final String TRANSPORT = "file_input";

    public String transport()
    {
        return TRANSPORT;
    }

    public InputEndpoint create(final InputEndpointConfig config, final Schema schema, final ConnectorContext context)
    {
        final ConfigObject settings = config.transport().config().requireOnly(
            "path", "follow", "read_buffer_bytes", "max_record_bytes", "follow_poll_interval_ms");
        final FileInputSettings.Builder builder = FileInputSettings.builder()
            .path(Path.of(settings.nonEmptyString("path")))
            .follow(settings.bool("follow", false))
            .format(FileFormats.format(config.format(), schema, "$.inputs." + config.name() + ".format"))
            .onError(config.onError())
            .maxQueuedRecords((int)Math.min(Integer.MAX_VALUE, config.maxQueuedRecords()))
            .readBufferBytes(settings.intValue("read_buffer_bytes", 1 << 20, 4096, 1 << 30))
            .maxRecordBytes(settings.intValue("max_record_bytes", 16 << 20, 4096, 1 << 30))
            .followPollIntervalMs(settings.longValue("follow_poll_interval_ms", 10, 1, 60_000));
        return FileInputEndpoint.create(
            config.name(), schema, FileFormats.build(builder::build, settings.path()), context.nanoClock());
    }
}
