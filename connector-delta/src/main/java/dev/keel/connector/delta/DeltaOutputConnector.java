package dev.keel.connector.delta;

import dev.keel.engine.config.ConfigException;
import dev.keel.engine.config.ConfigObject;
import dev.keel.engine.config.FaultToleranceModel;
import dev.keel.engine.config.OutputEndpointConfig;
import dev.keel.engine.connector.ConnectorContext;
import dev.keel.engine.connector.OutputConnector;
import dev.keel.engine.connector.OutputEndpoint;
import dev.keel.engine.data.Schema;

import java.util.Set;

/**
 * The {@code delta_table_output} transport: a {@link DeltaOutputEndpoint}. Keys of {@code transport.config}:
 * <ul>
 *   <li>{@code uri} (required): the table, a path, {@code file:///path} or {@code s3://bucket/path}; created at
 *   the first commit when it does not exist;</li>
 *   <li>{@code mode} = {@code append}: {@code append} adds to an existing table (its schema must be the view's plus
 *   the change columns), {@code error_if_exists} refuses one;</li>
 *   <li>{@code max_steps_per_commit} = 1000, {@code max_rows_per_commit} = 1,000,000: bounds of one Delta commit (a
 *   commit also happens when the queue from the circuit is drained, on flush, and 100 ms after its first step);</li>
 *   <li>{@code queue_capacity_bytes} = 8 MiB: the hand-over queue from the circuit;</li>
 *   <li>{@code commit_max_retries} = 10, {@code commit_retry_initial_backoff_ms} = 100,
 *   {@code commit_retry_max_backoff_ms} = 5000: a commit that fails on a transient error (S3 5xx, reset or refused
 *   connection, timeout) is tried again after a wait doubling from the initial to the max backoff (max &gt;=
 *   initial), at most this many times (0: never);</li>
 *   <li>for an {@code s3://} table: {@code region} (required), {@code endpoint_url}, {@code aws_access_key_id} /
 *   {@code aws_secret_access_key}, {@code no_sign_request} (as {@code s3_input}; see {@link DeltaS3}); for other
 *   tables {@code fs.*}: Hadoop file-system settings (storage options).</li>
 * </ul>
 * No {@code format}: the rows are the table's.
 */
public final class DeltaOutputConnector implements OutputConnector
{
    /** The transport name. */
    public static final String TRANSPORT = "delta_table_output";

    static final Set<String> KEYS =
        Set.of("uri", "mode", "max_steps_per_commit", "max_rows_per_commit", "queue_capacity_bytes",
            "commit_max_retries", "commit_retry_initial_backoff_ms", "commit_retry_max_backoff_ms");

    public String transport()
    {
        return TRANSPORT;
    }

    public OutputEndpoint create(final OutputEndpointConfig config, final Schema schema, final ConnectorContext context)
    {
        return DeltaOutputEndpoint.create(config.name(), schema, settings(config, context), context.nanoClock());
    }

    /** Parses and validates the endpoint's settings; errors name the JSON path. */
    public static DeltaOutputSettings settings(final OutputEndpointConfig config, final ConnectorContext context)
    {
        if (config.format().isPresent())
        {
            throw new ConfigException(ConfigException.INVALID, null, "$.outputs." + config.name() + ".format",
                "delta_table_output writes the table's own Parquet rows: remove the format");
        }
        final ConfigObject settings = config.transport().config();
        final String mode = settings.nonEmptyString("mode", "append");
        if (!mode.equals("append") && !mode.equals("error_if_exists"))
        {
            throw new ConfigException(ConfigException.INVALID, null, settings.path() + ".mode",
                "'" + mode + "' is not a mode: append or error_if_exists");
        }
        final long[] backoffMs = CommitRetry.backoffMs(settings, "commit");
        return new DeltaOutputSettings(
            DeltaTables.uri(settings),
            DeltaTables.storageOptions(settings, KEYS),
            context.pipelineName() + "/" + config.name(),
            mode.equals("error_if_exists"),
            context.faultToleranceModel() == FaultToleranceModel.EXACTLY_ONCE,
            settings.intValue("queue_capacity_bytes", 8 << 20, 1 << 16, 1 << 30),
            settings.intValue("max_steps_per_commit", 1000, 1, 1_000_000),
            settings.intValue("max_rows_per_commit", 1_000_000, 1, 100_000_000),
            settings.intValue("commit_max_retries", 10, 0, 1000),
            backoffMs[0],
            backoffMs[1]);
    }
}
