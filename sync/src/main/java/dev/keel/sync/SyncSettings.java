package dev.keel.sync;

import dev.keel.engine.config.ConfigException;
import dev.keel.engine.config.SyncConfig;

import java.net.URI;
import java.util.Objects;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.UUID;
import java.util.regex.Pattern;

/**
 * What the S3 client needs of the {@code storage.backend.config.sync} settings: the {@link SyncConfig} that the
 * config layer parsed and validated (every key, default and JSON-path error lives there, once), plus what is
 * S3-specific: the parsed endpoint, the bucket paths, the region to sign for, the redaction of the credentials.
 * The only checks made here are S3's own: a key prefix of path segments other than {@code .} and {@code ..}
 * without control characters (object keys), and a region name the signer accepts.
 * {@link #toString()} and every message redact {@code access_key} and {@code secret_key}.
 *
 * @param config   {@code storage.backend.config.sync} as the config layer parsed and validated it.
 * @param endpoint {@code endpoint} parsed (the config layer checked it is an absolute http(s) URL), or null.
 */
public record SyncSettings(SyncConfig config, URI endpoint)
{
    /** JSON path of the sync object; every key's path is this plus {@code .<key>}. */
    public static final String PATH = "$.storage.backend.config.sync";
    /** Value of {@code start_from_checkpoint} that selects the newest checkpoint. */
    public static final String LATEST = SyncConfig.StartFrom.LATEST;
    /** Region used when {@code region} is absent (S3-compatible stores ignore it, the signer needs one). */
    public static final String DEFAULT_REGION = "us-east-1";

    private static final String REDACTED = "<redacted>";
    private static final Pattern REGION = Pattern.compile("[a-z0-9][a-z0-9\\-]*");

    /**
     * Checks what is S3-specific.
     */
    public SyncSettings
    {
        Objects.requireNonNull(config, "config");
        validatePrefix("bucket", config.bucketAndPrefix(), config.prefix());
        if (config.readBucket().isPresent())
        {
            validatePrefix("read_bucket", config.readBucketAndPrefix().orElseThrow(), config.readPrefix());
        }
        if (config.region().isPresent() && !REGION.matcher(config.region().get()).matches())
        {
            throw invalid(ConfigException.INVALID, "region", quote(config.region().get()),
                "allowed: a region name of lower-case letters, digits and hyphens such as \"us-east-1\"");
        }
    }

    /**
     * The settings of a parsed configuration.
     *
     * @param config {@code storage.backend.config.sync} as the config layer parsed it.
     * @return the settings.
     */
    public static SyncSettings from(final SyncConfig config)
    {
        return new SyncSettings(config, config.endpoint().map(URI::create).orElse(null));
    }

    /** {@code bucket} as configured: the bucket name, then {@code /prefix} if there is one. */
    public String bucket()
    {
        return config.bucketAndPrefix();
    }

    /** {@code region}, or null when absent (see {@link #effectiveRegion()}). */
    public String region()
    {
        return config.region().orElse(null);
    }

    /** {@code provider} (informational), or null. */
    public String provider()
    {
        return config.provider().orElse(null);
    }

    /** {@code access_key}, or null to use the default credential chain (IAM roles). */
    public String accessKey()
    {
        return config.accessKey().orElse(null);
    }

    /** {@code secret_key}, or null to use the default credential chain (IAM roles). */
    public String secretKey()
    {
        return config.secretKey().orElse(null);
    }

    /** {@code push_interval} in seconds; empty when pushes are manual. */
    public OptionalLong pushIntervalSecs()
    {
        return config.pushIntervalSecs();
    }

    /** {@code retention_min_count}. */
    public int retentionMinCount()
    {
        return config.retentionMinCount();
    }

    /** {@code retention_min_age} in days. */
    public int retentionMinAgeDays()
    {
        return config.retentionMinAgeDays();
    }

    /** {@code start_from_checkpoint}: {@code "latest"}, a UUID, or null (do not pull). */
    public String startFromCheckpoint()
    {
        return config.startFromCheckpoint().map(SyncConfig.StartFrom::jsonValue).orElse(null);
    }

    /** {@code fail_if_no_checkpoint}. */
    public boolean failIfNoCheckpoint()
    {
        return config.failIfNoCheckpoint();
    }

    /** {@code standby}. */
    public boolean standby()
    {
        return config.standby();
    }

    /** {@code pull_interval} in seconds. */
    public long pullIntervalSecs()
    {
        return config.pullIntervalSecs();
    }

    /**
     * {@code ship_journal} (a Keel extension, default true): with {@code exactly_once}, the journal after each
     * pushed checkpoint is shipped and a start from the bucket imports it.
     */
    public boolean shipJournal()
    {
        return config.shipJournal();
    }

    /** {@code read_bucket} as configured, or null when absent. */
    public String readBucket()
    {
        return config.readBucketAndPrefix().orElse(null);
    }

    /**
     * The bucket name and prefix of {@link #bucket()}.
     *
     * @return the parsed {@code bucket}.
     */
    public BucketPath bucketPath()
    {
        return new BucketPath(config.bucket(), config.prefix());
    }

    /**
     * The bucket name and prefix of {@link #readBucket()}.
     *
     * @return the parsed {@code read_bucket}, empty when absent.
     */
    public Optional<BucketPath> readBucketPath()
    {
        return config.readBucket().map(name -> new BucketPath(name, config.readPrefix()));
    }

    /**
     * The region to sign requests for.
     *
     * @return {@link #region()} or {@link #DEFAULT_REGION}.
     */
    public String effectiveRegion()
    {
        return config.region().orElse(DEFAULT_REGION);
    }

    /**
     * The checkpoint {@code start_from_checkpoint} names.
     *
     * @return the UUID, or empty for {@code "latest"} or when absent.
     */
    public Optional<UUID> startFromUuid()
    {
        return config.startFromCheckpoint().filter(start -> !start.latest()).map(SyncConfig.StartFrom::checkpoint);
    }

    /**
     * The settings with {@code access_key} and {@code secret_key} redacted.
     *
     * @return a description safe to log.
     */
    public String toString()
    {
        return "SyncSettings{bucket=" + quote(bucket()) +
            ", region=" + quote(region()) +
            ", provider=" + quote(provider()) +
            ", access_key=" + (null == accessKey() ? "null" : REDACTED) +
            ", secret_key=" + (null == secretKey() ? "null" : REDACTED) +
            ", endpoint=" + (null == endpoint ? "null" : quote(endpoint.toString())) +
            ", push_interval=" + (pushIntervalSecs().isPresent() ?
            Long.toString(pushIntervalSecs().getAsLong()) : "null") +
            ", retention_min_count=" + retentionMinCount() +
            ", retention_min_age=" + retentionMinAgeDays() +
            ", start_from_checkpoint=" + quote(startFromCheckpoint()) +
            ", fail_if_no_checkpoint=" + failIfNoCheckpoint() +
            ", standby=" + standby() +
            ", pull_interval=" + pullIntervalSecs() +
            ", read_bucket=" + quote(readBucket()) +
            ", ship_journal=" + shipJournal() + "}";
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
        final String secretKey = secretKey();
        final String accessKey = accessKey();
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

    private static void validatePrefix(final String key, final String value, final String prefix)
    {
        if (!prefix.isEmpty())
        {
            for (final String segment : prefix.split("/", -1))
            {
                if (segment.isEmpty() || ".".equals(segment) || "..".equals(segment) || hasControl(segment))
                {
                    throw invalid(ConfigException.INVALID, key, quote(value), "allowed: a prefix of non-empty " +
                        "path segments other than . and .., without control characters (S3 object keys)");
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
}
