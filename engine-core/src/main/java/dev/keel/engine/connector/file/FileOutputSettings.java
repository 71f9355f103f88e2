package dev.keel.engine.connector.file;

import dev.keel.engine.connector.format.FormatSettings;

import java.nio.file.Path;
import java.util.Objects;

/**
 * Immutable settings of a {@code file_output} endpoint. Configuration names and defaults:
 * <ul>
 *   <li>{@code path} (required): the file to write;</li>
 *   <li>{@code format}: {@link FormatSettings}, default {@code json};</li>
 *   <li>{@code queue_capacity_bytes} = 8 MiB: the hand-over ring buffer, a power of two; one row may take
 *   at most an eighth of it, a transaction may be larger (it is streamed);</li>
 *   <li>{@code write_buffer_bytes} = 1 MiB: encoded text is written to the file in chunks of this size;</li>
 *   <li>{@code sync_interval_ms} = 100: written output is forced to disk (and reported delivered) at
 *   least this often;</li>
 *   <li>{@code sync_bytes} = 16 MiB: ... and at least every this many bytes.</li>
 * </ul>
 */
public final class FileOutputSettings
{
    private final Path path;
    private final FormatSettings format;
    private final int queueCapacityBytes;
    private final int writeBufferBytes;
    private final long syncIntervalMs;
    private final long syncBytes;

    private FileOutputSettings(final Builder builder)
    {
        this.path = builder.path;
        this.format = builder.format;
        this.queueCapacityBytes = builder.queueCapacityBytes;
        this.writeBufferBytes = builder.writeBufferBytes;
        this.syncIntervalMs = builder.syncIntervalMs;
        this.syncBytes = builder.syncBytes;
    }

    public static Builder builder()
    {
        return new Builder();
    }

    public Path path()
    {
        return path;
    }

    public FormatSettings format()
    {
        return format;
    }

    public int queueCapacityBytes()
    {
        return queueCapacityBytes;
    }

    public int writeBufferBytes()
    {
        return writeBufferBytes;
    }

    public long syncIntervalMs()
    {
        return syncIntervalMs;
    }

    public long syncBytes()
    {
        return syncBytes;
    }

    public String toString()
    {
        return "file_output{path=" + path + ", format=" + format + ", queue_capacity_bytes=" + queueCapacityBytes +
            ", write_buffer_bytes=" + writeBufferBytes + ", sync_interval_ms=" + syncIntervalMs + ", sync_bytes=" +
            syncBytes + "}";
    }

    /** Builder of {@link FileOutputSettings}; {@link #build()} validates every field. */
    public static final class Builder
    {
        private Path path;
        private FormatSettings format = FormatSettings.json();
        private int queueCapacityBytes = 8 << 20;
        private int writeBufferBytes = 1 << 20;
        private long syncIntervalMs = 100;
        private long syncBytes = 16 << 20;

        private Builder()
        {
        }

        public Builder path(final Path path)
        {
            this.path = path;
            return this;
        }

        public Builder format(final FormatSettings format)
        {
            this.format = format;
            return this;
        }

        public Builder queueCapacityBytes(final int queueCapacityBytes)
        {
            this.queueCapacityBytes = queueCapacityBytes;
            return this;
        }

        public Builder writeBufferBytes(final int writeBufferBytes)
        {
            this.writeBufferBytes = writeBufferBytes;
            return this;
        }

        public Builder syncIntervalMs(final long syncIntervalMs)
        {
            this.syncIntervalMs = syncIntervalMs;
            return this;
        }

        public Builder syncBytes(final long syncBytes)
        {
            this.syncBytes = syncBytes;
            return this;
        }

        public FileOutputSettings build()
        {
            if (null == path)
            {
                throw new IllegalArgumentException("path: required (the file to write)");
            }
            Objects.requireNonNull(format, "format: required");
            FileInputSettings.Builder.check(
                queueCapacityBytes >= 4096 && queueCapacityBytes <= (1 << 30) && Integer.bitCount(queueCapacityBytes) == 1,
                "queue_capacity_bytes", queueCapacityBytes, "a power of two in 4096..2^30");
            FileInputSettings.Builder.check(writeBufferBytes >= 64 && writeBufferBytes <= (1 << 30),
                "write_buffer_bytes", writeBufferBytes, "64..2^30");
            FileInputSettings.Builder.check(syncIntervalMs >= 0, "sync_interval_ms", syncIntervalMs, ">= 0");
            FileInputSettings.Builder.check(syncBytes >= 1, "sync_bytes", syncBytes, ">= 1");
            return new FileOutputSettings(this);
        }
    }
}
