package dev.keel.engine.config;

import com.fasterxml.jackson.databind.node.ObjectNode;

/**
 * Where and how the pipeline keeps its journal and checkpoints; present only when storage is enabled. Combines
 * Feldera's {@code storage} options and {@code storage_config}:
 * <pre>{@code "storage": {"min_storage_bytes": 0}, "storage_config": {"path": "/var/lib/keel/vwap"}}</pre>
 */
public final class StorageConfig
{
    /** Default of {@code storage.min_storage_bytes}: everything may go to storage. */
    public static final long DEFAULT_MIN_STORAGE_BYTES = 0;

    private final String path;
    private final long minStorageBytes;

    StorageConfig(final String path, final long minStorageBytes)
    {
        this.path = path;
        this.minStorageBytes = minStorageBytes;
    }

    /**
     * The storage directory ({@code storage_config.path}) as written in the configuration; a relative path is
     * resolved against the working directory of the process.
     *
     * @return the non-empty storage directory.
     */
    public String path()
    {
        return path;
    }

    /**
     * Operator state smaller than this stays in memory ({@code storage.min_storage_bytes}).
     *
     * @return size threshold in bytes, {@code >= 0}.
     */
    public long minStorageBytes()
    {
        return minStorageBytes;
    }

    void writeTo(final ObjectNode root)
    {
        root.putObject(PipelineConfigParser.STORAGE).put(PipelineConfigParser.MIN_STORAGE_BYTES, minStorageBytes);
        root.putObject(PipelineConfigParser.STORAGE_CONFIG).put(PipelineConfigParser.PATH, path);
    }

    public boolean equals(final Object o)
    {
        if (this == o)
        {
            return true;
        }

        if (!(o instanceof StorageConfig))
        {
            return false;
        }

        final StorageConfig that = (StorageConfig)o;
        return path.equals(that.path) && minStorageBytes == that.minStorageBytes;
    }

    public int hashCode()
    {
        return 31 * path.hashCode() + Long.hashCode(minStorageBytes);
    }

    public String toString()
    {
        return "StorageConfig{path=" + path + ", min_storage_bytes=" + minStorageBytes + "}";
    }
}
