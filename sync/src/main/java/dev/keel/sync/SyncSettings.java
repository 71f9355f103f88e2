package dev.keel.sync;

import dev.keel.engine.config.ConfigException;
import dev.keel.engine.config.SyncConfig;

import java.net.URI;
import java.net.URISyntaxException;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.UUID;
import java.util.regex.Pattern;

/**
 * The {@code storage.backend.config.sync} settings, with exactly Feldera's keys, validated once by
 * {@link Builder#build()}.
 * <p>
 * The config layer parses JSON and calls the builder with plain values; every validation error is a
 * {@link ConfigException} naming the JSON path ({@code $.storage.backend.config.sync.<key>}), the value and
 * what is allowed. {@link #toString()} and every message redact {@code access_key} and {@code secret_key}.
 *
 * @param bucket              {@code bucket}: bucket name, optionally followed by a path prefix
 *                            ({@code my-bucket/checkpoints}).
 * @param region              {@code region}: the region to sign requests for; {@code us-east-1} when absent.
 * @param provider            {@code provider}: {@code AWS}, {@code Minio}, ... (informational), or null.
 * @param accessKey           {@code access_key}, or null to use the default credential chain (IAM roles).
 * @param secretKey           {@code secret_key}, or null to use the default credential chain (IAM roles).
 * @param endpoint            {@code endpoint}: custom endpoint of an S3-compatible store, or null for AWS.
 * @param pushIntervalSecs    {@code push_interval}: seconds between automatic pushes; empty when pushes are manual.
 * @param retentionMinCount   {@code retention_min_count}: checkpoints kept in the bucket at least (default 10).
 * @param retentionMinAgeDays {@code retention_min_age}: days a checkpoint is kept at least (default 30).
 * @param startFromCheckpoint {@code start_from_checkpoint}: {@code "latest"}, a UUID, or null (do not pull).
 * @param failIfNoCheckpoint  {@code fail_if_no_checkpoint}: fail when the checkpoint cannot be fetched (default false).
 * @param standby             {@code standby}: start in standby and keep pulling until activated (default false).
 * @param pullIntervalSecs    {@code pull_interval}: seconds between pulls in standby (default 10).
 * @param readBucket          {@code read_bucket}: a bucket[/prefix] to read from when {@code bucket} is empty; never
 *                            written. Null when absent.
 */
public record SyncSettings(
    String bucket,
    String region,
    String provider,
    String accessKey,
    String secretKey,
    URI endpoint,
    OptionalLong pushIntervalSecs,
    int retentionMinCount,
    int retentionMinAgeDays,
    String startFromCheckpoint,
    boolean failIfNoCheckpoint,
    boolean standby,
    long pullIntervalSecs,
    String readBucket)
{
    /** JSON path of the sync object; every key's path is this plus {@code .<key>}. */
    public static final String PATH = "$.storage.backend.config.sync";
    /** Value of {@code start_from_checkpoint} that selects the newest checkpoint. */
    public static final String LATEST = "latest";
    /** Region used when {@code region} is absent (S3-compatible stores ignore it, the signer needs one). */
    public static final String DEFAULT_REGION = "us-east-1";
    /** Default of {@code retention_min_count}. */
    public static final int DEFAULT_RETENTION_MIN_COUNT = SyncConfig.DEFAULT_RETENTION_MIN_COUNT;
    /** Default of {@code retention_min_age}, days. */
    public static final int DEFAULT_RETENTION_MIN_AGE_DAYS = SyncConfig.DEFAULT_RETENTION_MIN_AGE_DAYS;
    /** Default of {@code pull_interval}, seconds. */
    public static final long DEFAULT_PULL_INTERVAL_SECS = SyncConfig.DEFAULT_PULL_INTERVAL_SECS;

    private static final String REDACTED = "<redacted>";
    // S3 bucket naming rules (virtual-host safe subset): 3-63 chars, lower case, digits, dots and hyphens.
    private static final Pattern BUCKET_NAME = Pattern.compile("[a-z0-9][a-z0-9.\\-]{1,61}[a-z0-9]");
    private static final Pattern REGION = Pattern.compile("[a-z0-9][a-z0-9\\-]*");

    /**
     * Validate the record (also when constructed directly, not through the builder).
     */
    public SyncSettings
    {
        validateBucket("bucket", bucket, true);
        if (null != readBucket)
        {
            validateBucket("read_bucket", readBucket, false);
            if (BucketPath.parse(readBucket).equals(BucketPath.parse(bucket)))
            {
                throw invalid(ConfigException.INVALID, "read_bucket", quote(readBucket),
                    "must differ from bucket (" + quote(bucket) + "): read_bucket is never written");
            }
        }
        if (null != region && !REGION.matcher(region).matches())
        {
            throw invalid(ConfigException.INVALID, "region", quote(region),
                "allowed: a region name of lower-case letters, digits and hyphens such as \"us-east-1\"");
        }
        if (null != provider && provider.isBlank())
        {
            throw invalid(ConfigException.INVALID, "provider", quote(provider),
                "allowed: a provider name such as \"AWS\" or \"Minio\", or omit the key");
        }
        if ((null == accessKey) != (null == secretKey))
        {
            final String missing = null == accessKey ? "access_key" : "secret_key";
            throw invalid(ConfigException.MISSING, missing, "absent",
                "access_key and secret_key must be given together, or both omitted to use the default " +
                "credential chain");
        }
        if (null != accessKey && (accessKey.isBlank() || secretKey.isBlank()))
        {
            throw invalid(ConfigException.INVALID, accessKey.isBlank() ? "access_key" : "secret_key", REDACTED,
                "allowed: a non-empty key");
        }
        if (null != endpoint)
        {
            final String scheme = endpoint.getScheme();
            if (!endpoint.isAbsolute() || null == endpoint.getHost() ||
                !("http".equals(scheme) || "https".equals(scheme)))
            {
                throw invalid(ConfigException.INVALID, "endpoint", quote(endpoint.toString()),
                    "allowed: an absolute http:// or https:// URL with a host, e.g. \"http://127.0.0.1:9000\"");
            }
        }
        if (null == pushIntervalSecs)
        {
            pushIntervalSecs = OptionalLong.empty();
        }
        if (pushIntervalSecs.isPresent() && pushIntervalSecs.getAsLong() < 1)
        {
            throw invalid(ConfigException.OUT_OF_RANGE, "push_interval", Long.toString(pushIntervalSecs.getAsLong()),
                "allowed: 1 or more seconds, or omit the key for manual pushes only");
        }
        if (retentionMinCount < 1)
        {
            throw invalid(ConfigException.OUT_OF_RANGE, "retention_min_count", Integer.toString(retentionMinCount),
                "allowed: 1 or more checkpoints");
        }
        if (retentionMinAgeDays < 0)
        {
            throw invalid(ConfigException.OUT_OF_RANGE, "retention_min_age", Integer.toString(retentionMinAgeDays),
                "allowed: 0 or more days");
        }
        if (null != startFromCheckpoint && !LATEST.equals(startFromCheckpoint) && null == parseUuid(startFromCheckpoint))
        {
            throw invalid(ConfigException.INVALID, "start_from_checkpoint", quote(startFromCheckpoint),
                "allowed: \"latest\" or a checkpoint UUID such as \"0b9bd9f2-5f4a-4d53-9f0e-1a8c2b6f7e11\"");
        }
        if (pullIntervalSecs < 1)
        {
            throw invalid(ConfigException.OUT_OF_RANGE, "pull_interval", Long.toString(pullIntervalSecs),
                "allowed: 1 or more seconds");
        }
    }

    /**
     * The settings of a parsed configuration: {@link SyncConfig} is where the JSON keys, their defaults and the
     * JSON-path errors live; this adds what the client needs (parsed endpoint, bucket paths, effective region).
     *
     * @param config {@code storage.backend.config.sync} as the config layer parsed it.
     * @return the settings.
     */
    public static SyncSettings from(final SyncConfig config)
    {
        return builder()
            .bucket(config.bucketAndPrefix())
            .region(config.region().orElse(null))
            .provider(config.provider().orElse(null))
            .accessKey(config.accessKey().orElse(null))
            .secretKey(config.secretKey().orElse(null))
            .endpoint(config.endpoint().orElse(null))
            .pushInterval(config.pushIntervalSecs().isPresent() ? config.pushIntervalSecs().getAsLong() : null)
            .retentionMinCount(config.retentionMinCount())
            .retentionMinAge(config.retentionMinAgeDays())
            .startFromCheckpoint(config.startFromCheckpoint().map(SyncConfig.StartFrom::jsonValue).orElse(null))
            .failIfNoCheckpoint(config.failIfNoCheckpoint())
            .standby(config.standby())
            .pullInterval(config.pullIntervalSecs())
            .readBucket(config.readBucketAndPrefix().orElse(null))
            .build();
    }

    /**
     * A builder with every default set; only {@code bucket} is required.
     *
     * @return a new builder.
     */
    public static Builder builder()
    {
        return new Builder();
    }

    /**
     * The bucket name and prefix of {@link #bucket()}.
     *
     * @return the parsed {@code bucket}.
     */
    public BucketPath bucketPath()
    {
        return BucketPath.parse(bucket);
    }

    /**
     * The bucket name and prefix of {@link #readBucket()}.
     *
     * @return the parsed {@code read_bucket}, empty when absent.
     */
    public Optional<BucketPath> readBucketPath()
    {
        return null == readBucket ? Optional.empty() : Optional.of(BucketPath.parse(readBucket));
    }

    /**
     * The region to sign requests for.
     *
     * @return {@link #region()} or {@link #DEFAULT_REGION}.
     */
    public String effectiveRegion()
    {
        return null == region ? DEFAULT_REGION : region;
    }

    /**
     * The checkpoint {@code start_from_checkpoint} names.
     *
     * @return the UUID, or empty for {@code "latest"} or when absent.
     */
    public Optional<UUID> startFromUuid()
    {
        return null == startFromCheckpoint || LATEST.equals(startFromCheckpoint) ?
            Optional.empty() : Optional.of(parseUuid(startFromCheckpoint));
    }

    /**
     * The settings with {@code access_key} and {@code secret_key} redacted.
     *
     * @return a description safe to log.
     */
    public String toString()
    {
        return "SyncSettings{bucket=" + quote(bucket) +
            ", region=" + quote(region) +
            ", provider=" + quote(provider) +
            ", access_key=" + (null == accessKey ? "null" : REDACTED) +
            ", secret_key=" + (null == secretKey ? "null" : REDACTED) +
            ", endpoint=" + (null == endpoint ? "null" : quote(endpoint.toString())) +
            ", push_interval=" + (pushIntervalSecs.isPresent() ? Long.toString(pushIntervalSecs.getAsLong()) : "null") +
            ", retention_min_count=" + retentionMinCount +
            ", retention_min_age=" + retentionMinAgeDays +
            ", start_from_checkpoint=" + quote(startFromCheckpoint) +
            ", fail_if_no_checkpoint=" + failIfNoCheckpoint +
            ", standby=" + standby +
            ", pull_interval=" + pullIntervalSecs +
            ", read_bucket=" + quote(readBucket) + "}";
    }

    /**
     * Remove the configured keys from a text (an error message from a server or library) before it is logged
     * or kept.
     *
     * @param text any text, may be null.
     * @return the text with every occurrence of {@code access_key} and {@code secret_key} replaced.
     */
    public String redact(final String text)
    {
        if (null == text)
        {
            return null;
        }
        String result = text;
        if (null != secretKey && !secretKey.isEmpty())
        {
            result = result.replace(secretKey, REDACTED);
        }
        if (null != accessKey && !accessKey.isEmpty())
        {
            result = result.replace(accessKey, REDACTED);
        }
        return result;
    }

    private static void validateBucket(final String key, final String value, final boolean required)
    {
        if (null == value)
        {
            if (required)
            {
                throw invalid(ConfigException.MISSING, key, "absent", "a bucket name, optionally with a prefix, " +
                    "such as \"my-bucket/checkpoints\"");
            }
            return;
        }
        final String name;
        final String prefix;
        final int slash = value.indexOf('/');
        if (slash < 0)
        {
            name = value;
            prefix = "";
        }
        else
        {
            name = value.substring(0, slash);
            prefix = value.substring(slash + 1);
        }
        if (!BUCKET_NAME.matcher(name).matches() || name.contains(".."))
        {
            throw invalid(ConfigException.INVALID, key, quote(value), "allowed: a bucket name of 3 to 63 " +
                "lower-case letters, digits, dots and hyphens, optionally followed by /prefix " +
                "(\"my-bucket/checkpoints\")");
        }
        final String trimmed = prefix.endsWith("/") ? prefix.substring(0, prefix.length() - 1) : prefix;
        if (!trimmed.isEmpty())
        {
            for (final String segment : trimmed.split("/", -1))
            {
                if (segment.isEmpty() || ".".equals(segment) || "..".equals(segment) || hasControl(segment))
                {
                    throw invalid(ConfigException.INVALID, key, quote(value), "allowed: a prefix of non-empty " +
                        "path segments other than . and .., without control characters");
                }
            }
        }
    }

    private static boolean hasControl(final String s)
    {
        for (int i = 0; i < s.length(); i++)
        {
            if (Character.isISOControl(s.charAt(i)))
            {
                return true;
            }
        }
        return false;
    }

    static UUID parseUuid(final String s)
    {
        try
        {
            final UUID uuid = UUID.fromString(s);
            // UUID.fromString accepts short forms like "1-2-3-4-5"; require the canonical text.
            return uuid.toString().equalsIgnoreCase(s) ? uuid : null;
        }
        catch (final IllegalArgumentException ex)
        {
            return null;
        }
    }

    private static String quote(final String s)
    {
        return null == s ? "null" : "\"" + s + "\"";
    }

    private static ConfigException invalid(final String code, final String key, final String value, final String allowed)
    {
        return new ConfigException(code, null, PATH + "." + key, "got " + value + "; " + allowed);
    }

    /**
     * Builds {@link SyncSettings} from plain values (as the config layer read them); {@link #build()} validates.
     */
    public static final class Builder
    {
        private String bucket;
        private String region;
        private String provider;
        private String accessKey;
        private String secretKey;
        private String endpoint;
        private OptionalLong pushIntervalSecs = OptionalLong.empty();
        private int retentionMinCount = DEFAULT_RETENTION_MIN_COUNT;
        private int retentionMinAgeDays = DEFAULT_RETENTION_MIN_AGE_DAYS;
        private String startFromCheckpoint;
        private boolean failIfNoCheckpoint;
        private boolean standby;
        private long pullIntervalSecs = DEFAULT_PULL_INTERVAL_SECS;
        private String readBucket;

        private Builder()
        {
        }

        /**
         * @param bucket {@code bucket}, e.g. {@code my-bucket/checkpoints}.
         * @return this.
         */
        public Builder bucket(final String bucket)
        {
            this.bucket = bucket;
            return this;
        }

        /**
         * @param region {@code region}, or null.
         * @return this.
         */
        public Builder region(final String region)
        {
            this.region = region;
            return this;
        }

        /**
         * @param provider {@code provider}, or null.
         * @return this.
         */
        public Builder provider(final String provider)
        {
            this.provider = provider;
            return this;
        }

        /**
         * @param accessKey {@code access_key}, or null.
         * @return this.
         */
        public Builder accessKey(final String accessKey)
        {
            this.accessKey = accessKey;
            return this;
        }

        /**
         * @param secretKey {@code secret_key}, or null.
         * @return this.
         */
        public Builder secretKey(final String secretKey)
        {
            this.secretKey = secretKey;
            return this;
        }

        /**
         * @param endpoint {@code endpoint} as written in the config, or null.
         * @return this.
         */
        public Builder endpoint(final String endpoint)
        {
            this.endpoint = endpoint;
            return this;
        }

        /**
         * @param seconds {@code push_interval}, or null for manual pushes only.
         * @return this.
         */
        public Builder pushInterval(final Long seconds)
        {
            this.pushIntervalSecs = null == seconds ? OptionalLong.empty() : OptionalLong.of(seconds);
            return this;
        }

        /**
         * @param count {@code retention_min_count}.
         * @return this.
         */
        public Builder retentionMinCount(final int count)
        {
            this.retentionMinCount = count;
            return this;
        }

        /**
         * @param days {@code retention_min_age}.
         * @return this.
         */
        public Builder retentionMinAge(final int days)
        {
            this.retentionMinAgeDays = days;
            return this;
        }

        /**
         * @param value {@code start_from_checkpoint}: {@code "latest"}, a UUID or null.
         * @return this.
         */
        public Builder startFromCheckpoint(final String value)
        {
            this.startFromCheckpoint = value;
            return this;
        }

        /**
         * @param fail {@code fail_if_no_checkpoint}.
         * @return this.
         */
        public Builder failIfNoCheckpoint(final boolean fail)
        {
            this.failIfNoCheckpoint = fail;
            return this;
        }

        /**
         * @param standby {@code standby}.
         * @return this.
         */
        public Builder standby(final boolean standby)
        {
            this.standby = standby;
            return this;
        }

        /**
         * @param seconds {@code pull_interval}.
         * @return this.
         */
        public Builder pullInterval(final long seconds)
        {
            this.pullIntervalSecs = seconds;
            return this;
        }

        /**
         * @param readBucket {@code read_bucket}, or null.
         * @return this.
         */
        public Builder readBucket(final String readBucket)
        {
            this.readBucket = readBucket;
            return this;
        }

        /**
         * Validate and build.
         *
         * @return the settings.
         * @throws ConfigException naming the JSON path, the value and what is allowed.
         */
        public SyncSettings build()
        {
            return new SyncSettings(bucket, region, provider, accessKey, secretKey, parseEndpoint(endpoint),
                pushIntervalSecs, retentionMinCount, retentionMinAgeDays, startFromCheckpoint, failIfNoCheckpoint,
                standby, pullIntervalSecs, readBucket);
        }

        private static URI parseEndpoint(final String endpoint)
        {
            if (null == endpoint)
            {
                return null;
            }
            try
            {
                return new URI(endpoint);
            }
            catch (final URISyntaxException ex)
            {
                throw new ConfigException(ConfigException.INVALID, null, PATH + ".endpoint",
                    "got " + quote(endpoint) + "; allowed: an absolute http:// or https:// URL (" +
                    ex.getReason() + ")");
            }
        }
    }
}
