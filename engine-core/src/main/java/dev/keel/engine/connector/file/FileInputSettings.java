package dev.keel.engine.connector.file;

import dev.keel.engine.config.OnErrorPolicy;
import dev.keel.engine.connector.format.FormatSettings;

import java.nio.file.Path;
import java.util.Objects;

/**
 * Immutable settings of a {@code file_input} endpoint. Configuration names and defaults:
 * <ul>
 *   <li>{@code path} (required): the file to read;</li>
 *   <li>{@code follow} = false: true tails the growing file and never reaches end of input;</li>
 *   <li>{@code format}: {@link FormatSettings}, default {@code json} with {@code update_format: insert_delete};</li>
 *   <li>{@code on_error} = {@code fail}: {@link OnErrorPolicy};</li>
 *   <li>{@code max_queued_records} = 100000: sizes the hand-over queue (see
 *   {@link dev.keel.engine.connector.RingBufferInput#queueCapacityFor});</li>
 *   <li>{@code read_buffer_bytes} = 1 MiB: size of one file read;</li>
 *   <li>{@code max_record_bytes} = 16 MiB: longest record (line) accepted;</li>
 *   <li>{@code follow_poll_interval_ms} = 100: how often a followed file is checked for new bytes at its end.</li>
 * </ul>
 */
public final class FileInputSettings
{
    private final Path path;
    private final boolean follow;
    private final FormatSettings format;
    private final OnErrorPolicy onError;
    private final int maxQueuedRecords;
    private final int readBufferBytes;
    private final int maxRecordBytes;
    private final long followPollIntervalMs;

    private FileInputSettings(final Builder builder)
    {
        this.path = builder.path;
        this.follow = builder.follow;
        this.format = builder.format;
        this.onError = builder.onError;
        this.maxQueuedRecords = builder.maxQueuedRecords;
        this.readBufferBytes = builder.readBufferBytes;
        this.maxRecordBytes = builder.maxRecordBytes;
        this.followPollIntervalMs = builder.followPollIntervalMs;
    }

    public static Builder builder()
    {
        return new Builder();
    }

    public Path path()
    {
        return path;
    }

    public boolean follow()
    {
        return follow;
    }

    public FormatSettings format()
    {
        return format;
    }

    public OnErrorPolicy onError()
    {
        return onError;
    }

    public int maxQueuedRecords()
    {
        return maxQueuedRecords;
    }

    public int readBufferBytes()
    {
        return readBufferBytes;
    }

    public int maxRecordBytes()
    {
        return maxRecordBytes;
    }

    public long followPollIntervalMs()
    {
        return followPollIntervalMs;
    }

    public String toString()
    {
        return "file_input{path=" + path + ", follow=" + follow + ", format=" + format + ", on_error=" +
            onError.jsonName() + ", max_queued_records=" + maxQueuedRecords + ", read_buffer_bytes=" +
            readBufferBytes + ", max_record_bytes=" + maxRecordBytes + ", follow_poll_interval_ms=" +
            followPollIntervalMs + "}";
    }

    /** Builder of {@link FileInputSettings}; {@link #build()} validates every field. */
    public static final class Builder
    {
        private Path path;
        private boolean follow;
        private FormatSettings format = FormatSettings.json();
        private OnErrorPolicy onError = OnErrorPolicy.FAIL;
        private int maxQueuedRecords = 100_000;
        private int readBufferBytes = 1 << 20;
        private int maxRecordBytes = 16 << 20;
        private long followPollIntervalMs = 100;

        private Builder()
        {
        }

        public Builder path(final Path path)
        {
            this.path = path;
            return this;
        }

        public Builder follow(final boolean follow)
        {
            this.follow = follow;
            return this;
        }

        public Builder format(final FormatSettings format)
        {
            this.format = format;
            return this;
        }

        public Builder onError(final OnErrorPolicy onError)
        {
            this.onError = onError;
            return this;
        }

        public Builder maxQueuedRecords(final int maxQueuedRecords)
        {
            this.maxQueuedRecords = maxQueuedRecords;
            return this;
        }

        public Builder readBufferBytes(final int readBufferBytes)
        {
            this.readBufferBytes = readBufferBytes;
            return this;
        }

        public Builder maxRecordBytes(final int maxRecordBytes)
        {
            this.maxRecordBytes = maxRecordBytes;
            return this;
        }

        public Builder followPollIntervalMs(final long followPollIntervalMs)
        {
            this.followPollIntervalMs = followPollIntervalMs;
            return this;
        }

        public FileInputSettings build()
        {
            if (null == path)
            {
                throw new IllegalArgumentException("path: required (the file to read)");
            }
            Objects.requireNonNull(format, "format: required");
            Objects.requireNonNull(onError, "on_error: required");
            check(maxQueuedRecords >= 1, "max_queued_records", maxQueuedRecords, ">= 1");
            check(readBufferBytes >= 64 && readBufferBytes <= (1 << 30), "read_buffer_bytes", readBufferBytes,
                "64..2^30");
            check(maxRecordBytes >= readBufferBytes && maxRecordBytes <= (1 << 30), "max_record_bytes",
                maxRecordBytes, "read_buffer_bytes..2^30");
            check(followPollIntervalMs >= 1, "follow_poll_interval_ms", followPollIntervalMs, ">= 1");
            return new FileInputSettings(this);
        }

        static void check(final boolean ok, final String field, final long value, final String allowed)
        {
            if (!ok)
            {
                throw new IllegalArgumentException(field + ": " + value + " is out of range, allowed: " + allowed);
            }
        }
    }
}
