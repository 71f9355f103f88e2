package dev.keel.connector.delta;

import java.util.Map;

/**
 * Validated settings of one {@code delta_table_output} endpoint (see {@link DeltaOutputConnector}).
 *
 * @param uri                the table's location as the kernel opens it ({@code file:/...}, {@code s3://...}).
 * @param storageOptions     the table store's settings: S3 ({@link DeltaS3}) or Hadoop file-system ones.
 * @param appId              the appId of the table's {@code txn} actions: {@code <pipeline>/<endpoint>}.
 * @param errorIfExists      refuse to start when the table exists already ({@code mode: error_if_exists}).
 * @param exactlyOnce        the pipeline's model is {@code exactly_once}: steps already in the table are skipped.
 * @param queueCapacityBytes the hand-over queue from the circuit.
 * @param maxStepsPerCommit  at most this many Keel steps in one Delta commit.
 * @param maxRowsPerCommit   a commit is made at the end of the step that reaches this many records.
 * @param commitMaxRetries   a failed commit (data files and log entry) is tried again at most this many times.
 * @param commitRetryInitialBackoffMs the wait before the first retry, doubled for each further one.
 * @param commitRetryMaxBackoffMs     the longest wait between two attempts.
 */
public record DeltaOutputSettings(
    String uri,
    Map<String, String> storageOptions,
    String appId,
    boolean errorIfExists,
    boolean exactlyOnce,
    int queueCapacityBytes,
    int maxStepsPerCommit,
    int maxRowsPerCommit,
    int commitMaxRetries,
    long commitRetryInitialBackoffMs,
    long commitRetryMaxBackoffMs)
{
    public DeltaOutputSettings
    {
        storageOptions = Map.copyOf(storageOptions);
    }

    public String toString()
    {
        return "uri=" + uri + ", appId=" + appId + ", errorIfExists=" + errorIfExists + ", exactlyOnce=" + exactlyOnce +
            ", maxStepsPerCommit=" + maxStepsPerCommit + ", maxRowsPerCommit=" + maxRowsPerCommit + ", commitMaxRetries=" + commitMaxRetries +
            ", commitRetryBackoffMs=" + commitRetryInitialBackoffMs + ".." + commitRetryMaxBackoffMs;
    }
}
