package dev.keel.sync;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.keel.engine.config.PipelineConfigParser;
import dev.keel.engine.config.StorageConfig;

/**
 * Test-side builder of {@link SyncSettings} from plain values: it writes the {@code storage.backend.config.sync}
 * JSON and has the config layer parse it, so every value goes through the one validator a user's JSON does.
 */
final class SyncSettingsBuilder
{
    private static final ObjectMapper JSON = new ObjectMapper();

    private final ObjectNode sync = JSON.createObjectNode();

    static SyncSettingsBuilder builder()
    {
        return new SyncSettingsBuilder();
    }

    SyncSettingsBuilder bucket(final String bucket)
    {
        return put("bucket", bucket);
    }

    SyncSettingsBuilder region(final String region)
    {
        return put("region", region);
    }

    SyncSettingsBuilder provider(final String provider)
    {
        return put("provider", provider);
    }

    SyncSettingsBuilder accessKey(final String accessKey)
    {
        return put("access_key", accessKey);
    }

    SyncSettingsBuilder secretKey(final String secretKey)
    {
        return put("secret_key", secretKey);
    }

    SyncSettingsBuilder endpoint(final String endpoint)
    {
        return put("endpoint", endpoint);
    }

    SyncSettingsBuilder pushInterval(final Long seconds)
    {
        if (null == seconds)
        {
            sync.remove("push_interval");
        }
        else
        {
            sync.put("push_interval", seconds);
        }
        return this;
    }

    SyncSettingsBuilder retentionMinCount(final int count)
    {
        sync.put("retention_min_count", count);
        return this;
    }

    SyncSettingsBuilder retentionMinAge(final int days)
    {
        sync.put("retention_min_age", days);
        return this;
    }

    SyncSettingsBuilder startFromCheckpoint(final String value)
    {
        return put("start_from_checkpoint", value);
    }

    SyncSettingsBuilder failIfNoCheckpoint(final boolean fail)
    {
        sync.put("fail_if_no_checkpoint", fail);
        return this;
    }

    SyncSettingsBuilder standby(final boolean standby)
    {
        sync.put("standby", standby);
        return this;
    }

    SyncSettingsBuilder pullInterval(final long seconds)
    {
        sync.put("pull_interval", seconds);
        return this;
    }

    SyncSettingsBuilder readBucket(final String readBucket)
    {
        return put("read_bucket", readBucket);
    }

    SyncSettings build()
    {
        final ObjectNode root = JSON.createObjectNode();
        root.putObject("storage").putObject("backend").put("name", "file").putObject("config").set("sync", sync);
        return SyncSettings.from(PipelineConfigParser.parse(root.toString()).storage()
            .flatMap(StorageConfig::sync).orElseThrow());
    }

    private SyncSettingsBuilder put(final String key, final String value)
    {
        if (null == value)
        {
            sync.remove(key);
        }
        else
        {
            sync.put(key, value);
        }
        return this;
    }
}
