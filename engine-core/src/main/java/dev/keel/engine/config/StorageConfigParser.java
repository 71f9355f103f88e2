package dev.keel.engine.config;

import com.fasterxml.jackson.databind.JsonNode;

import java.net.URI;
import java.net.URISyntaxException;
import java.nio.file.InvalidPathException;
import java.nio.file.Path;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.UUID;
import java.util.regex.Pattern;

import static dev.keel.engine.config.ConfigPath.quote;
import static dev.keel.engine.config.ConfigPath.value;
import static dev.keel.engine.config.PipelineConfigParser.CONFIG;
import static dev.keel.engine.config.PipelineConfigParser.MIN_STORAGE_BYTES;
import static dev.keel.engine.config.PipelineConfigParser.NAME;
import static dev.keel.engine.config.PipelineConfigParser.PATH;
import static dev.keel.engine.config.PipelineConfigParser.STORAGE;
import static dev.keel.engine.config.PipelineConfigParser.STORAGE_CONFIG;

/**
 * Reads {@code storage} and {@code storage_config} (with {@code storage.backend.config.sync}) into a
 * {@link StorageConfig}, as strictly as {@link PipelineConfigParser} reads the rest. Credentials are never
 * echoed in an error message.
 */
final class StorageConfigParser
{
    static final String BACKEND = "backend";
    static final String CACHE = "cache";
    static final String SYNC = "sync";
    static final String BUCKET = "bucket";
    static final String REGION = "region";
    static final String PROVIDER = "provider";
    static final String ACCESS_KEY = "access_key";
    static final String SECRET_KEY = "secret_key";
    static final String ENDPOINT = "endpoint";
    static final String PUSH_INTERVAL = "push_interval";
    static final String RETENTION_MIN_COUNT = "retention_min_count";
    static final String RETENTION_MIN_AGE = "retention_min_age";
    static final String START_FROM_CHECKPOINT = "start_from_checkpoint";
    static final String FAIL_IF_NO_CHECKPOINT = "fail_if_no_checkpoint";
    static final String STANDBY = "standby";
    static final String PULL_INTERVAL = "pull_interval";
    static final String READ_BUCKET = "read_bucket";
    /** Keel extension: ship the journal after pushed checkpoints (exactly_once), default true. */
    static final String SHIP_JOURNAL = "ship_journal";
    /** Keel extension: release output once durable locally (default) or once its journal record is shipped. */
    static final String RELEASE_OUTPUT = "release_output";

    private static final String[] STORAGE_KEYS = { MIN_STORAGE_BYTES, BACKEND };
    private static final String[] STORAGE_CONFIG_KEYS = { PATH, CACHE };
    private static final String[] BACKEND_KEYS = { NAME, CONFIG };
    private static final String[] FILE_BACKEND_KEYS = { SYNC };
    private static final String[] SYNC_KEYS =
    {
        BUCKET, REGION, PROVIDER, ACCESS_KEY, SECRET_KEY, ENDPOINT, PUSH_INTERVAL, RETENTION_MIN_COUNT,
        RETENTION_MIN_AGE, START_FROM_CHECKPOINT, FAIL_IF_NO_CHECKPOINT, STANDBY, PULL_INTERVAL, READ_BUCKET,
        SHIP_JOURNAL, RELEASE_OUTPUT
    };
    /** S3's bucket naming rules: 3-63 lower-case letters, digits, dots and hyphens, a letter or digit at each end. */
    private static final Pattern BUCKET_NAME = Pattern.compile("[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]");

    private StorageConfigParser()
    {
    }

    /**
     * @param root         the pipeline object.
     * @param pipelineName the pipeline's name, for the default storage directory.
     * @param implicit     enable storage when neither {@code storage} nor {@code storage_config} is given.
     * @return the storage settings, or null when storage is disabled.
     */
    static StorageConfig parse(final ConfigObject root, final String pipelineName, final boolean implicit)
    {
        final JsonNode storage = root.get(STORAGE);
        final JsonNode storageConfig = root.get(STORAGE_CONFIG);

        final boolean enabled;
        long minStorageBytes = StorageConfig.DEFAULT_MIN_STORAGE_BYTES;
        StorageConfig.Backend backend = StorageConfig.Backend.DEFAULT;
        Optional<SyncConfig> sync = Optional.empty();
        if (null == storage)
        {
            // A storage directory is the one thing storage needs, so giving it is taken as asking for storage.
            enabled = null != storageConfig || implicit;
        }
        else if (storage.isBoolean())
        {
            enabled = storage.booleanValue();
        }
        else if (storage.isNull())
        {
            enabled = false;
        }
        else if (storage.isObject())
        {
            enabled = true;
            final ConfigObject options = root.objectOf(STORAGE, storage).requireOnly(STORAGE_KEYS);
            minStorageBytes = options.longValue(
                MIN_STORAGE_BYTES, StorageConfig.DEFAULT_MIN_STORAGE_BYTES, 0, Long.MAX_VALUE);
            final Optional<ConfigObject> backendNode = options.object(BACKEND);
            if (backendNode.isPresent())
            {
                final ConfigObject b = backendNode.get().requireOnly(BACKEND_KEYS);
                backend = b.enumValue(NAME, StorageConfig.Backend.class, StorageConfig.Backend.DEFAULT);
                final Optional<ConfigObject> backendConfig = nonNullObject(b, CONFIG);
                if (backendConfig.isPresent())
                {
                    if (backend != StorageConfig.Backend.FILE)
                    {
                        throw b.error(ConfigException.INVALID, CONFIG, "the \"" + backend.jsonName() +
                            "\" backend takes no config; use {\"name\": \"file\", \"config\": {\"sync\": {...}}}");
                    }
                    final ConfigObject fileConfig = backendConfig.get().requireOnly(FILE_BACKEND_KEYS);
                    sync = nonNullObject(fileConfig, SYNC).map(StorageConfigParser::parseSync);
                }
            }
        }
        else
        {
            throw root.wrongType(STORAGE, storage, "true, false, null or an object " +
                "{\"min_storage_bytes\": >= 0, \"backend\": {\"name\": \"default\" | \"file\", \"config\": {...}}}");
        }

        if (!enabled)
        {
            if (null != storageConfig)
            {
                throw root.error(
                    ConfigException.INVALID,
                    STORAGE_CONFIG,
                    "is given but storage is disabled by $.storage = " + value(storage) +
                    "; set $.storage to true or remove $.storage_config");
            }

            return null;
        }

        String path = Path.of(StorageConfig.DEFAULT_PATH_PARENT, pipelineName).toString();
        StorageConfig.Cache cache = StorageConfig.Cache.PAGE_CACHE;
        if (null != storageConfig)
        {
            final ConfigObject config = root.objectOf(STORAGE_CONFIG, storageConfig).requireOnly(STORAGE_CONFIG_KEYS);
            path = config.nonEmptyString(PATH);
            try
            {
                Path.of(path);
            }
            catch (final InvalidPathException ex)
            {
                throw config.error(
                    ConfigException.INVALID, PATH, quote(path) + " is not a valid directory path: " + ex.getReason());
            }
            cache = config.enumValue(CACHE, StorageConfig.Cache.class, StorageConfig.Cache.PAGE_CACHE);
        }

        return new StorageConfig(path, minStorageBytes, backend, cache, sync);
    }

    private static Optional<ConfigObject> nonNullObject(final ConfigObject parent, final String key)
    {
        final JsonNode value = parent.get(key);
        return null == value || value.isNull() ? Optional.empty() : Optional.of(parent.objectOf(key, value));
    }

    private static SyncConfig parseSync(final ConfigObject sync)
    {
        sync.requireOnly(SYNC_KEYS);
        final String[] bucket = bucketAndPrefix(sync, BUCKET, sync.nonEmptyString(BUCKET));
        final Optional<String> region = Optional.ofNullable(sync.nonEmptyString(REGION, null));
        final Optional<String> provider = Optional.ofNullable(sync.nonEmptyString(PROVIDER, null));
        final Optional<String> accessKey = secret(sync, ACCESS_KEY);
        final Optional<String> secretKey = secret(sync, SECRET_KEY);
        if (accessKey.isPresent() != secretKey.isPresent())
        {
            final String missing = accessKey.isPresent() ? SECRET_KEY : ACCESS_KEY;
            throw sync.error(ConfigException.MISSING, missing, "required key is missing: access_key and secret_key " +
                "go together (give both, or neither to use the environment's credentials)");
        }
        final Optional<String> endpoint = Optional.ofNullable(sync.nonEmptyString(ENDPOINT, null));
        endpoint.ifPresent(url -> checkEndpoint(sync, url));
        final JsonNode push = sync.get(PUSH_INTERVAL);
        final OptionalLong pushInterval = null == push || push.isNull() ? OptionalLong.empty() :
            OptionalLong.of(sync.rangeChecked(PUSH_INTERVAL, push, 1, SyncConfig.MAX_INTERVAL_SECS));
        final int retentionMinCount = sync.intValue(
            RETENTION_MIN_COUNT, SyncConfig.DEFAULT_RETENTION_MIN_COUNT, 0, 1_000_000);
        final int retentionMinAge = sync.intValue(
            RETENTION_MIN_AGE, SyncConfig.DEFAULT_RETENTION_MIN_AGE_DAYS, 0, 36_500);
        final Optional<SyncConfig.StartFrom> startFrom = startFrom(sync);
        final boolean failIfNoCheckpoint = sync.bool(FAIL_IF_NO_CHECKPOINT, false);
        final boolean standby = sync.bool(STANDBY, false);
        if (standby && startFrom.isEmpty())
        {
            throw sync.error(ConfigException.MISSING, START_FROM_CHECKPOINT, "required key is missing: standby " +
                "follows a synced checkpoint; set \"start_from_checkpoint\": \"latest\" or a checkpoint UUID");
        }
        final long pullInterval = sync.longValue(
            PULL_INTERVAL, SyncConfig.DEFAULT_PULL_INTERVAL_SECS, 1, SyncConfig.MAX_INTERVAL_SECS);
        final String readBucketValue = sync.nonEmptyString(READ_BUCKET, null);
        final String[] readBucket = null == readBucketValue ? null :
            bucketAndPrefix(sync, READ_BUCKET, readBucketValue);
        if (null != readBucket && readBucket[0].equals(bucket[0]) && readBucket[1].equals(bucket[1]))
        {
            throw sync.error(ConfigException.INVALID, READ_BUCKET, quote(readBucketValue) + " is the same location " +
                "as $.storage.backend.config.sync.bucket; the read-only bucket must be another bucket or prefix");
        }
        final boolean shipJournal = sync.bool(SHIP_JOURNAL, true);
        final SyncConfig.ReleaseOutput releaseOutput =
            sync.enumValue(RELEASE_OUTPUT, SyncConfig.ReleaseOutput.class, SyncConfig.ReleaseOutput.DURABLE);
        if (releaseOutput == SyncConfig.ReleaseOutput.SHIPPED && !shipJournal)
        {
            throw sync.error(ConfigException.INVALID, RELEASE_OUTPUT, "\"shipped\" holds output until its journal " +
                "record is in the bucket, but ship_journal is false: nothing is shipped; set ship_journal to true " +
                "or release_output to \"durable\"");
        }

        return new SyncConfig(
            bucket[0],
            bucket[1],
            region,
            provider,
            accessKey,
            secretKey,
            endpoint,
            pushInterval,
            retentionMinCount,
            retentionMinAge,
            startFrom,
            failIfNoCheckpoint,
            standby,
            pullInterval,
            Optional.ofNullable(null == readBucket ? null : readBucket[0]),
            null == readBucket ? "" : readBucket[1],
            shipJournal,
            releaseOutput);
    }

    private static String[] bucketAndPrefix(final ConfigObject sync, final String key, final String text)
    {
        final int slash = text.indexOf('/');
        final String bucket = slash < 0 ? text : text.substring(0, slash);
        String prefix = slash < 0 ? "" : text.substring(slash + 1);
        while (prefix.endsWith("/"))
        {
            prefix = prefix.substring(0, prefix.length() - 1);
        }
        if (!BUCKET_NAME.matcher(bucket).matches() || bucket.contains(".."))
        {
            throw sync.error(ConfigException.INVALID, key, quote(text) + ": " + quote(bucket) + " is not a valid " +
                "bucket name; expected 3-63 lower-case letters, digits, '.' and '-', starting and ending with a " +
                "letter or digit, optionally followed by /prefix");
        }
        if (prefix.startsWith("/") || prefix.contains("//"))
        {
            throw sync.error(ConfigException.INVALID, key, quote(text) + ": the prefix " + quote(prefix) +
                " has an empty path segment; expected bucket/segment/segment");
        }
        return new String[]{ bucket, prefix };
    }

    private static Optional<String> secret(final ConfigObject sync, final String key)
    {
        final JsonNode value = sync.get(key);
        if (null == value || value.isNull())
        {
            return Optional.empty();
        }
        // never echo the value: it is a credential
        if (!value.isTextual())
        {
            throw sync.error(ConfigException.WRONG_TYPE, key, "expected a non-empty string, got " +
                ConfigPath.typeName(value) + " (value not shown)");
        }
        if (value.textValue().isBlank())
        {
            throw sync.error(ConfigException.INVALID, key, "is empty or blank; expected a non-empty string");
        }
        return Optional.of(value.textValue());
    }

    private static void checkEndpoint(final ConfigObject sync, final String url)
    {
        final URI uri;
        try
        {
            uri = new URI(url);
        }
        catch (final URISyntaxException ex)
        {
            throw sync.error(ConfigException.INVALID, ENDPOINT, quote(url) + " is not a URL: " + ex.getReason());
        }
        if (null == uri.getScheme() || !(uri.getScheme().equals("http") || uri.getScheme().equals("https")) ||
            null == uri.getHost() || null != uri.getUserInfo())
        {
            throw sync.error(ConfigException.INVALID, ENDPOINT, quote(url) + " is not an endpoint URL; expected " +
                "http://host[:port] or https://host[:port] (no credentials in the URL)");
        }
    }

    private static Optional<SyncConfig.StartFrom> startFrom(final ConfigObject sync)
    {
        final JsonNode node = sync.get(START_FROM_CHECKPOINT);
        if (null == node || node.isNull())
        {
            return Optional.empty();
        }
        final String text = sync.nonEmptyString(START_FROM_CHECKPOINT);
        if (SyncConfig.StartFrom.LATEST.equals(text))
        {
            return Optional.of(new SyncConfig.StartFrom(null));
        }
        try
        {
            final UUID uuid = UUID.fromString(text);
            if (uuid.toString().equals(text.toLowerCase(java.util.Locale.ROOT)))
            {
                return Optional.of(new SyncConfig.StartFrom(uuid));
            }
        }
        catch (final IllegalArgumentException ignored)
        {
            // reported below with what is allowed
        }
        throw sync.error(ConfigException.INVALID, START_FROM_CHECKPOINT, quote(text) + " is not allowed; expected " +
            "\"latest\" or a checkpoint UUID such as \"3f2b8a4e-1c1d-4e8f-9a57-0b6f1e2d3c4b\"");
    }
}
