package dev.keel.sync;

import dev.keel.engine.KeelException;
import dev.keel.engine.config.ConfigException;
import java.nio.file.Path;
import java.time.Duration;
import java.time.InstantSource;

/**
 * Settings of an {@link S3CheckpointSync} beyond the {@code sync} keys: identity, local root, clock, retry
 * and transfer tuning. Every setting has a default except {@link #settings(SyncSettings)} (and, for a writer,
 * {@link #ownerId(String)} and {@link #localRoot(Path)}); {@link #conclude(boolean)} validates once.
 */
public final class SyncContext
{
    private static final String PREFIX = "SyncContext.";

    private SyncSettings settings;
    private String ownerId;
    private Path localRoot;
    private InstantSource clock = InstantSource.system();
    private int maxAttempts = 5;
    private Duration initialBackoff = Duration.ofMillis(200);
    private Duration maxBackoff = Duration.ofSeconds(10);
    private Duration requestTimeout = Duration.ofSeconds(30);
    private long minThroughputBytesPerSec = 1024 * 1024;
    private Duration connectTimeout = Duration.ofSeconds(10);
    private Duration closeTimeout = Duration.ofSeconds(30);
    private long partSize = 8L * 1024 * 1024;
    private long multipartThreshold = 8L * 1024 * 1024;
    private double targetThroughputGbps = 10.0;
    private int maxConcurrency;
    private int crtRetriesPerRequest = 1;
    private Duration progressLogInterval = Duration.ofSeconds(10);
    private boolean concluded;

    /**
     * @param settings the validated {@code sync} settings.
     * @return this.
     */
    public SyncContext settings(final SyncSettings settings)
    {
        this.settings = settings;
        return this;
    }

    /** @return the {@code sync} settings. */
    public SyncSettings settings()
    {
        return settings;
    }

    /**
     * @param ownerId id of this node/deployment written in the owner marker; letters, digits, {@code .-_:}.
     * @return this.
     */
    public SyncContext ownerId(final String ownerId)
    {
        this.ownerId = ownerId;
        return this;
    }

    /** @return the owner id. */
    public String ownerId()
    {
        return ownerId;
    }

    /**
     * @param localRoot the root pushed checkpoints' file names are relative to.
     * @return this.
     */
    public SyncContext localRoot(final Path localRoot)
    {
        this.localRoot = localRoot;
        return this;
    }

    /** @return the local root of pushed files. */
    public Path localRoot()
    {
        return localRoot;
    }

    /**
     * @param clock the clock retention measures checkpoint age with (default the system clock).
     * @return this.
     */
    public SyncContext clock(final InstantSource clock)
    {
        this.clock = clock;
        return this;
    }

    /** @return the clock. */
    public InstantSource clock()
    {
        return clock;
    }

    /**
     * @param maxAttempts attempts per request including the first (default 5), at least 1.
     * @return this.
     */
    public SyncContext maxAttempts(final int maxAttempts)
    {
        this.maxAttempts = maxAttempts;
        return this;
    }

    /** @return attempts per request. */
    public int maxAttempts()
    {
        return maxAttempts;
    }

    /**
     * @param initialBackoff delay before the first retry, doubled for each further one (default 200 ms).
     * @return this.
     */
    public SyncContext initialBackoff(final Duration initialBackoff)
    {
        this.initialBackoff = initialBackoff;
        return this;
    }

    /** @return delay before the first retry. */
    public Duration initialBackoff()
    {
        return initialBackoff;
    }

    /**
     * @param maxBackoff upper bound of the retry delay (default 10 s).
     * @return this.
     */
    public SyncContext maxBackoff(final Duration maxBackoff)
    {
        this.maxBackoff = maxBackoff;
        return this;
    }

    /** @return upper bound of the retry delay. */
    public Duration maxBackoff()
    {
        return maxBackoff;
    }

    /**
     * @param requestTimeout base timeout of one attempt (default 30 s), plus the bytes it moves at
     *                       {@link #minThroughputBytesPerSec(long)}.
     * @return this.
     */
    public SyncContext requestTimeout(final Duration requestTimeout)
    {
        this.requestTimeout = requestTimeout;
        return this;
    }

    /** @return base timeout of one attempt. */
    public Duration requestTimeout()
    {
        return requestTimeout;
    }

    /**
     * @param bytesPerSec the slowest transfer rate that is not a stall (default 1 MiB/s).
     * @return this.
     */
    public SyncContext minThroughputBytesPerSec(final long bytesPerSec)
    {
        this.minThroughputBytesPerSec = bytesPerSec;
        return this;
    }

    /** @return the slowest transfer rate that is not a stall. */
    public long minThroughputBytesPerSec()
    {
        return minThroughputBytesPerSec;
    }

    /**
     * @param connectTimeout TCP connect timeout of the CRT client (default 10 s).
     * @return this.
     */
    public SyncContext connectTimeout(final Duration connectTimeout)
    {
        this.connectTimeout = connectTimeout;
        return this;
    }

    /** @return TCP connect timeout. */
    public Duration connectTimeout()
    {
        return connectTimeout;
    }

    /**
     * @param closeTimeout how long {@link S3CheckpointSync#close()} waits for a running job (default 30 s).
     * @return this.
     */
    public SyncContext closeTimeout(final Duration closeTimeout)
    {
        this.closeTimeout = closeTimeout;
        return this;
    }

    /** @return how long close waits for a running job. */
    public Duration closeTimeout()
    {
        return closeTimeout;
    }

    /**
     * @param partSize multipart part size (default 8 MiB, at least 5 MiB as S3 requires).
     * @return this.
     */
    public SyncContext partSize(final long partSize)
    {
        this.partSize = partSize;
        return this;
    }

    /** @return multipart part size. */
    public long partSize()
    {
        return partSize;
    }

    /**
     * @param threshold files above this size are uploaded in parts (default 8 MiB).
     * @return this.
     */
    public SyncContext multipartThreshold(final long threshold)
    {
        this.multipartThreshold = threshold;
        return this;
    }

    /** @return the multipart threshold. */
    public long multipartThreshold()
    {
        return multipartThreshold;
    }

    /**
     * @param gbps throughput the CRT sizes its connection pool for (default 10).
     * @return this.
     */
    public SyncContext targetThroughputGbps(final double gbps)
    {
        this.targetThroughputGbps = gbps;
        return this;
    }

    /** @return the CRT's target throughput. */
    public double targetThroughputGbps()
    {
        return targetThroughputGbps;
    }

    /**
     * @param maxConcurrency maximum concurrent requests of the CRT, 0 for its default (from the throughput).
     * @return this.
     */
    public SyncContext maxConcurrency(final int maxConcurrency)
    {
        this.maxConcurrency = maxConcurrency;
        return this;
    }

    /** @return maximum concurrent requests, 0 for the CRT default. */
    public int maxConcurrency()
    {
        return maxConcurrency;
    }

    /**
     * @param retries retries the CRT makes of one request (a part, a GET range) before the operation fails
     *                and {@link #maxAttempts(int)} takes over (default 1, at least 1: the CRT reads 0 as its
     *                own default of 10). A file is sent at most {@code maxAttempts * (1 + retries)} times.
     * @return this.
     */
    public SyncContext crtRetriesPerRequest(final int retries)
    {
        this.crtRetriesPerRequest = retries;
        return this;
    }

    /** @return retries the CRT makes of one request. */
    public int crtRetriesPerRequest()
    {
        return crtRetriesPerRequest;
    }

    /**
     * @param interval how often a running push or pull logs its progress (default 10 s).
     * @return this.
     */
    public SyncContext progressLogInterval(final Duration interval)
    {
        this.progressLogInterval = interval;
        return this;
    }

    /** @return how often a running push or pull logs its progress. */
    public Duration progressLogInterval()
    {
        return progressLogInterval;
    }

    /**
     * Validate once.
     *
     * @param writable whether a writer is opened (owner id and local root required).
     */
    void conclude(final boolean writable)
    {
        if (concluded)
        {
            throw new IllegalStateException(PREFIX + "conclude: a SyncContext opens one S3CheckpointSync only");
        }
        if (null == settings)
        {
            throw invalid("settings", "null", "the validated sync settings");
        }
        if (writable)
        {
            if (null == ownerId || !ownerId.matches("[A-Za-z0-9._:\\-]{1,128}"))
            {
                throw invalid("ownerId", String.valueOf(ownerId),
                    "1 to 128 letters, digits, '.', '_', ':' or '-' naming this node or deployment");
            }
            if (null == localRoot)
            {
                throw invalid("localRoot", "null", "the local storage root pushed file names are relative to");
            }
        }
        if (null == clock)
        {
            throw invalid("clock", "null", "an InstantSource");
        }
        if (maxAttempts < 1 || maxAttempts > 100)
        {
            throw invalid("maxAttempts", Integer.toString(maxAttempts), "1 to 100");
        }
        requirePositive("initialBackoff", initialBackoff);
        requirePositive("maxBackoff", maxBackoff);
        requirePositive("requestTimeout", requestTimeout);
        requirePositive("connectTimeout", connectTimeout);
        requirePositive("closeTimeout", closeTimeout);
        requirePositive("progressLogInterval", progressLogInterval);
        if (minThroughputBytesPerSec < 1)
        {
            throw invalid("minThroughputBytesPerSec", Long.toString(minThroughputBytesPerSec), "1 or more");
        }
        if (partSize < 5L * 1024 * 1024)
        {
            throw invalid("partSize", Long.toString(partSize), "5 MiB (5242880) or more, as S3 requires");
        }
        if (multipartThreshold < partSize)
        {
            throw invalid("multipartThreshold", Long.toString(multipartThreshold),
                "at least partSize (" + partSize + ")");
        }
        if (!(targetThroughputGbps > 0))
        {
            throw invalid("targetThroughputGbps", Double.toString(targetThroughputGbps), "more than 0");
        }
        if (crtRetriesPerRequest < 1 || crtRetriesPerRequest > 10)
        {
            throw invalid("crtRetriesPerRequest", Integer.toString(crtRetriesPerRequest),
                "1 to 10 (0 is not allowed: the CRT reads it as its default of 10)");
        }
        if (maxConcurrency < 0)
        {
            throw invalid("maxConcurrency", Integer.toString(maxConcurrency), "0 (CRT default) or more");
        }
        concluded = true;
    }

    private static void requirePositive(final String name, final Duration value)
    {
        if (null == value || value.isNegative() || value.isZero())
        {
            throw invalid(name, String.valueOf(value), "a positive duration");
        }
    }

    private static KeelException invalid(final String field, final String value, final String allowed)
    {
        return new KeelException(KeelException.Category.CONFIG, ConfigException.INVALID,
            PREFIX + field + ": got " + value + "; allowed: " + allowed);
    }
}
