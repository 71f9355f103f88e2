package dev.keel.engine.config;

import com.fasterxml.jackson.databind.node.ObjectNode;

import java.util.Locale;
import java.util.Optional;

/**
 * Where and how the pipeline keeps its journal and checkpoints; present only when storage is enabled. Combines
 * Feldera's {@code storage} options and {@code storage_config}:
 * <pre>{@code
 * "storage": {"min_storage_bytes": 0, "backend": {"name": "file", "config": {"sync": {...}}}},
 * "storage_config": {"path": "/var/lib/keel/vwap", "cache": "page_cache"}
 * }</pre>
 *
 * @param path            the storage directory ({@code storage_config.path}) as written in the configuration, or
 *                        {@code keel-data/<pipeline name>} when storage is enabled without one; a relative path is
 *                        resolved against the working directory of the process.
 * @param minStorageBytes operator state smaller than this stays in memory ({@code storage.min_storage_bytes}).
 * @param backend         the storage backend ({@code storage.backend.name}).
 * @param cache           how storage reads are cached ({@code storage_config.cache}).
 * @param sync            checkpoint synchronization to object storage ({@code storage.backend.config.sync}), if on.
 */
public record StorageConfig(String path, long minStorageBytes, Backend backend, Cache cache, Optional<SyncConfig> sync)
{
    /** Default of {@code storage.min_storage_bytes}: everything may go to storage. */
    public static final long DEFAULT_MIN_STORAGE_BYTES = 0;

    /** Parent of the storage directory when storage is enabled without {@code storage_config.path}. */
    public static final String DEFAULT_PATH_PARENT = "keel-data";

    /**
     * Feldera's storage backends that keep state in {@link #path()}: {@code default} and {@code file} are the
     * same local-directory backend here; only {@code file} takes a {@code config} (with {@code sync}).
     */
    public enum Backend
    {
        /** The local storage directory. */
        DEFAULT,
        /** The local storage directory, optionally synced to object storage. */
        FILE;

        /**
         * @return the JSON name.
         */
        public String jsonName()
        {
            return name().toLowerCase(Locale.ROOT);
        }
    }

    /**
     * {@code storage_config.cache}: Keel keeps operator state in memory and reads storage only to recover, through
     * the operating system's page cache.
     */
    public enum Cache
    {
        /** Reads go through the operating system's page cache (Feldera's default). */
        PAGE_CACHE;

        /**
         * @return the JSON name.
         */
        public String jsonName()
        {
            return name().toLowerCase(Locale.ROOT);
        }
    }

    void writeTo(final ObjectNode root)
    {
        final ObjectNode storage = root.putObject(PipelineConfigParser.STORAGE);
        storage.put(PipelineConfigParser.MIN_STORAGE_BYTES, minStorageBytes);
        final ObjectNode backendNode = storage.putObject(StorageConfigParser.BACKEND);
        backendNode.put(PipelineConfigParser.NAME, backend.jsonName());
        sync.ifPresent(s -> s.writeTo(
            backendNode.putObject(PipelineConfigParser.CONFIG).putObject(StorageConfigParser.SYNC)));
        root.putObject(PipelineConfigParser.STORAGE_CONFIG)
            .put(PipelineConfigParser.PATH, path)
            .put(StorageConfigParser.CACHE, cache.jsonName());
    }

    public String toString()
    {
        return "StorageConfig{path=" + path + ", min_storage_bytes=" + minStorageBytes + ", backend=" +
            backend.jsonName() + ", cache=" + cache.jsonName() + sync.map(s -> ", sync=" + s).orElse("") + "}";
    }
}
