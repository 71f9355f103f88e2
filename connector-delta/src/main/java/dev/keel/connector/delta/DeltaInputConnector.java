package dev.keel.connector.delta;

import dev.keel.engine.config.ConfigException;
import dev.keel.engine.config.ConfigObject;
import dev.keel.engine.config.InputEndpointConfig;
import dev.keel.engine.connector.ConnectorContext;
import dev.keel.engine.connector.InputConnector;
import dev.keel.engine.connector.InputEndpoint;
import dev.keel.engine.connector.RingBufferInput;
import dev.keel.engine.data.Schema;

import java.util.Set;

/**
 * The {@code delta_table_input} transport: a {@link DeltaInputEndpoint}. Keys of {@code transport.config}:
 * <ul>
 *   <li>{@code uri} (required): the table (see {@link DeltaTables#uri});</li>
 *   <li>{@code mode} = {@code snapshot}: {@code snapshot} reads the latest snapshot and ends,
 *   {@code snapshot_and_follow} then follows the versions committed after it (append-only);</li>
 *   <li>{@code poll_interval_ms} = 1000: how often a following endpoint looks for new versions;</li>
 *   <li>{@code read_max_retries} = 10, {@code read_retry_initial_backoff_ms} = 100,
 *   {@code read_retry_max_backoff_ms} = 5000: a read that fails on a transient error (S3 5xx, reset or refused
 *   connection, timeout) is tried again from the same position after a wait doubling from the initial to the max
 *   backoff (max &gt;= initial), then the endpoint fails;</li>
 *   <li>for an {@code s3://} table the S3 settings of {@link DeltaS3} ({@code region}, {@code endpoint_url},
 *   credentials); for other tables {@code fs.*}: Hadoop file-system settings.</li>
 * </ul>
 * No {@code format}: the table's columns are read by name into the input's schema.
 */
public final class DeltaInputConnector implements InputConnector
{
    /** The transport name. */
    public static final String TRANSPORT = "delta_table_input";

    static final Set<String> KEYS = Set.of("uri", "mode", "poll_interval_ms",
        "read_max_retries", "read_retry_initial_backoff_ms", "read_retry_max_backoff_ms");

    public String transport()
    {
        return TRANSPORT;
    }

    public InputEndpoint create(final InputEndpointConfig config, final Schema schema, final ConnectorContext context)
    {
        if (config.format().isPresent())
        {
            throw new ConfigException(ConfigException.INVALID, null, "$.inputs." + config.name() + ".format",
                "delta_table_input reads the table's own Parquet rows: remove the format");
        }
        final ConfigObject settings = config.transport().config();
        final String mode = settings.nonEmptyString("mode", "snapshot");
        if (!mode.equals("snapshot") && !mode.equals("snapshot_and_follow"))
        {
            throw new ConfigException(ConfigException.INVALID, null, settings.path() + ".mode",
                "'" + mode + "' is not a mode: snapshot or snapshot_and_follow");
        }
        final long[] backoffMs = CommitRetry.backoffMs(settings, "read");
        final int capacity = RingBufferInput.queueCapacityFor(schema,
            (int)Math.min(Integer.MAX_VALUE, config.maxQueuedRecords()));
        return new DeltaInputEndpoint(config.name(), schema, DeltaTables.uri(settings),
            DeltaTables.storageOptions(settings, KEYS), mode.equals("snapshot_and_follow"),
            settings.longValue("poll_interval_ms", 1000, 1, 3_600_000), capacity, context.nanoClock(),
            settings.intValue("read_max_retries", 10, 0, 1000), backoffMs[0], backoffMs[1]);
    }
}
