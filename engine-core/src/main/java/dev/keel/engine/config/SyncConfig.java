package dev.keel.engine.config;

import com.fasterxml.jackson.databind.node.ObjectNode;

import java.util.Optional;
import java.util.OptionalLong;
import java.util.UUID;

/**
 * Checkpoint synchronization to S3-compatible object storage: Feldera's
 * {@code storage.backend.config.sync}, with the same keys and defaults.
 * <pre>{@code
 * "sync": {
 *   "bucket": "my-bucket/checkpoints",     // required: bucket name, optionally followed by /prefix
 *   "region": "us-east-1",                 // optional (an S3-compatible server may not need one)
 *   "provider": "AWS",                     // optional: "AWS", "Minio", ... (non-empty)
 *   "access_key": "...", "secret_key": "...", // optional, both or neither (else the default credential chain)
 *   "endpoint": "http://127.0.0.1:9000",   // optional: http(s) URL of an S3-compatible server
 *   "push_interval": 300,                  // optional: seconds between automatic pushes, 1..86400
 *   "retention_min_count": 10,             // 0..1000000: newer checkpoints a deletable one needs
 *   "retention_min_age": 30,               // 0..36500: days a deletable checkpoint must be old
 *   "start_from_checkpoint": "latest",     // optional: "latest" or a checkpoint UUID
 *   "fail_if_no_checkpoint": false,
 *   "standby": false,                      // needs start_from_checkpoint
 *   "pull_interval": 10,                   // 1..86400 seconds between pulls while in standby
 *   "read_bucket": "backup/checkpoints",   // optional: read-only fallback source, never written
 *   "ship_journal": true,                  // Keel extension: with exactly_once, also ship the journal
 *   "release_output": "durable"            // Keel extension: "durable" or "shipped" (hold output until the
 *                                          // step's journal record is in the bucket)
 * }
 * }</pre>
 * {@link #toString()} never shows the credentials.
 *
 * @param bucket              bucket name.
 * @param prefix              key prefix inside the bucket without leading or trailing '/', or empty.
 * @param region              region, if given.
 * @param provider            provider name, if given.
 * @param accessKey           access key id, if given (then {@code secretKey} is given too).
 * @param secretKey           secret access key, if given.
 * @param endpoint            endpoint URL, if given.
 * @param pushIntervalSecs    seconds between automatic pushes, if periodic pushes are on.
 * @param retentionMinCount   a bucket checkpoint is deleted only when more than this many newer ones exist...
 * @param retentionMinAgeDays ...and it is older than this many days.
 * @param startFromCheckpoint which checkpoint to start from when there is none locally, if any.
 * @param failIfNoCheckpoint  fail the start when that checkpoint cannot be found.
 * @param standby             start in standby: pull until activated.
 * @param pullIntervalSecs    seconds between pulls in standby.
 * @param readBucket          read-only fallback bucket, if given.
 * @param readPrefix          key prefix inside the read-only bucket, or empty.
 * @param shipJournal         with {@code exactly_once}, ship the journal after each pushed checkpoint and import
 *                            it at a start from the bucket (a Keel extension, default true); without it, a node
 *                            started from the bucket loses the inputs acknowledged after the last pushed checkpoint.
 * @param releaseOutput       when output is released with {@code exactly_once} and journal shipping (a Keel
 *                            extension, default {@link ReleaseOutput#DURABLE}).
 */
public record SyncConfig(
    String bucket,
    String prefix,
    Optional<String> region,
    Optional<String> provider,
    Optional<String> accessKey,
    Optional<String> secretKey,
    Optional<String> endpoint,
    OptionalLong pushIntervalSecs,
    int retentionMinCount,
    int retentionMinAgeDays,
    Optional<StartFrom> startFromCheckpoint,
    boolean failIfNoCheckpoint,
    boolean standby,
    long pullIntervalSecs,
    Optional<String> readBucket,
    String readPrefix,
    boolean shipJournal,
    ReleaseOutput releaseOutput)
{
    /**
     * When a step's output is offered to the outputs ({@code release_output}).
     */
    public enum ReleaseOutput
    {
        /** Once the step's journal record is durable on local disk (the default). */
        DURABLE,
        /**
         * Once the step's journal record is in the bucket (shipped after the newest pushed checkpoint), so that a
         * node started from the bucket replays every step whose output a reader may have seen.
         */
        SHIPPED
    }

    /** Default of {@code retention_min_count}. */
    public static final int DEFAULT_RETENTION_MIN_COUNT = 10;
    /** Default of {@code retention_min_age} in days. */
    public static final int DEFAULT_RETENTION_MIN_AGE_DAYS = 30;
    /** Default of {@code pull_interval} in seconds. */
    public static final long DEFAULT_PULL_INTERVAL_SECS = 10;
    /** Largest {@code push_interval} and {@code pull_interval}: a day. */
    public static final long MAX_INTERVAL_SECS = 86_400;

    /**
     * Which synced checkpoint to start from: {@code "latest"} or one checkpoint's UUID.
     *
     * @param checkpoint the checkpoint's id, or null for the newest one.
     */
    public record StartFrom(UUID checkpoint)
    {
        /** The JSON value that asks for the newest checkpoint. */
        public static final String LATEST = "latest";

        /**
         * @return true for {@code "latest"}.
         */
        public boolean latest()
        {
            return null == checkpoint;
        }

        /**
         * @return {@code "latest"} or the UUID.
         */
        public String jsonValue()
        {
            return latest() ? LATEST : checkpoint.toString();
        }

        public String toString()
        {
            return jsonValue();
        }
    }

    /**
     * @return {@code bucket/prefix} as configured (without a trailing '/').
     */
    public String bucketAndPrefix()
    {
        return prefix.isEmpty() ? bucket : bucket + "/" + prefix;
    }

    /**
     * @return {@code read_bucket} as configured, if given.
     */
    public Optional<String> readBucketAndPrefix()
    {
        return readBucket.map(b -> readPrefix.isEmpty() ? b : b + "/" + readPrefix);
    }

    void writeTo(final ObjectNode node)
    {
        node.put(StorageConfigParser.BUCKET, bucketAndPrefix());
        region.ifPresent(v -> node.put(StorageConfigParser.REGION, v));
        provider.ifPresent(v -> node.put(StorageConfigParser.PROVIDER, v));
        accessKey.ifPresent(v -> node.put(StorageConfigParser.ACCESS_KEY, v));
        secretKey.ifPresent(v -> node.put(StorageConfigParser.SECRET_KEY, v));
        endpoint.ifPresent(v -> node.put(StorageConfigParser.ENDPOINT, v));
        pushIntervalSecs.ifPresent(v -> node.put(StorageConfigParser.PUSH_INTERVAL, v));
        node.put(StorageConfigParser.RETENTION_MIN_COUNT, retentionMinCount);
        node.put(StorageConfigParser.RETENTION_MIN_AGE, retentionMinAgeDays);
        startFromCheckpoint.ifPresent(v -> node.put(StorageConfigParser.START_FROM_CHECKPOINT, v.jsonValue()));
        node.put(StorageConfigParser.FAIL_IF_NO_CHECKPOINT, failIfNoCheckpoint);
        node.put(StorageConfigParser.STANDBY, standby);
        node.put(StorageConfigParser.PULL_INTERVAL, pullIntervalSecs);
        readBucketAndPrefix().ifPresent(v -> node.put(StorageConfigParser.READ_BUCKET, v));
        node.put(StorageConfigParser.SHIP_JOURNAL, shipJournal);
        node.put(StorageConfigParser.RELEASE_OUTPUT, releaseOutput.name().toLowerCase(java.util.Locale.ROOT));
    }

    public String toString()
    {
        return "SyncConfig{bucket=" + bucketAndPrefix() +
            region.map(v -> ", region=" + v).orElse("") +
            provider.map(v -> ", provider=" + v).orElse("") +
            (accessKey.isPresent() ? ", access_key=***, secret_key=***" : "") +
            endpoint.map(v -> ", endpoint=" + v).orElse("") +
            (pushIntervalSecs.isPresent() ? ", push_interval=" + pushIntervalSecs.getAsLong() : "") +
            ", retention_min_count=" + retentionMinCount +
            ", retention_min_age=" + retentionMinAgeDays +
            startFromCheckpoint.map(v -> ", start_from_checkpoint=" + v).orElse("") +
            ", fail_if_no_checkpoint=" + failIfNoCheckpoint +
            ", standby=" + standby +
            ", pull_interval=" + pullIntervalSecs +
            readBucketAndPrefix().map(v -> ", read_bucket=" + v).orElse("") +
            ", ship_journal=" + shipJournal +
            ", release_output=" + releaseOutput.name().toLowerCase(java.util.Locale.ROOT) + "}";
    }
}
