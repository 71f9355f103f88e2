package dev.keel.engine.config;

import com.fasterxml.jackson.databind.node.ObjectNode;

import java.util.Objects;

import static dev.keel.engine.config.PipelineConfigParser.MAX_BATCH_SIZE;
import static dev.keel.engine.config.PipelineConfigParser.MAX_QUEUED_RECORDS;
import static dev.keel.engine.config.PipelineConfigParser.ON_ERROR;
import static dev.keel.engine.config.PipelineConfigParser.PAUSED;

/**
 * One input endpoint ({@code inputs.<name>}): which table it feeds, through which transport and format, and how
 * much it may take per step and buffer.
 * <pre>{@code
 * "trades": {"stream": "trades", "transport": {"name": "file_input", "config": {"path": "trades.csv"}},
 *            "format": {"name": "csv"}, "max_batch_size": 100000, "max_queued_records": 1000000,
 *            "on_error": "fail", "paused": false}
 * }</pre>
 */
public final class InputEndpointConfig extends EndpointConfig
{
    /** Default of {@code max_batch_size}. */
    public static final long DEFAULT_MAX_BATCH_SIZE = 100_000;

    /** Smallest {@code max_batch_size}. */
    public static final long MIN_MAX_BATCH_SIZE = 1;

    /** Largest {@code max_batch_size}. */
    public static final long MAX_MAX_BATCH_SIZE = 100_000_000;

    /** Default of {@code on_error}. */
    public static final OnErrorPolicy DEFAULT_ON_ERROR = OnErrorPolicy.FAIL;

    private final long maxBatchSize;
    private final OnErrorPolicy onError;
    private final boolean paused;

    InputEndpointConfig(
        final String name,
        final String stream,
        final ComponentConfig transport,
        final ComponentConfig format,
        final long maxBatchSize,
        final long maxQueuedRecords,
        final OnErrorPolicy onError,
        final boolean paused)
    {
        super(name, stream, transport, format, maxQueuedRecords);
        this.maxBatchSize = maxBatchSize;
        this.onError = onError;
        this.paused = paused;
    }

    /**
     * A builder for use with {@link PipelineConfig.Builder#input(String, Builder)}.
     *
     * @return a new builder.
     */
    public static Builder builder()
    {
        return new Builder();
    }

    /**
     * Most records the endpoint contributes to one step ({@code max_batch_size}).
     *
     * @return records per step, 1..100,000,000.
     */
    public long maxBatchSize()
    {
        return maxBatchSize;
    }

    /**
     * What to do with a record that cannot be parsed ({@code on_error}).
     *
     * @return the policy for bad records.
     */
    public OnErrorPolicy onError()
    {
        return onError;
    }

    /**
     * Does the endpoint start paused ({@code paused})?
     *
     * @return true if the endpoint starts paused.
     */
    public boolean paused()
    {
        return paused;
    }

    ObjectNode toNode()
    {
        final ObjectNode node = commonNode();
        node.put(MAX_BATCH_SIZE, maxBatchSize);
        node.put(MAX_QUEUED_RECORDS, maxQueuedRecords());
        node.put(ON_ERROR, onError.jsonName());
        node.put(PAUSED, paused);
        return node;
    }

    public boolean equals(final Object o)
    {
        if (this == o)
        {
            return true;
        }

        if (!(o instanceof InputEndpointConfig))
        {
            return false;
        }

        final InputEndpointConfig that = (InputEndpointConfig)o;
        return commonEquals(that) &&
            maxBatchSize == that.maxBatchSize &&
            onError == that.onError &&
            paused == that.paused;
    }

    public int hashCode()
    {
        return Objects.hash(name(), stream(), transport(), format().orElse(null), maxBatchSize, maxQueuedRecords(),
            onError, paused);
    }

    /**
     * Builds the JSON of one input endpoint for {@link PipelineConfig.Builder}; the values are validated when the
     * pipeline is built, by the same rules as a parsed configuration. Unset settings take their defaults.
     */
    public static final class Builder extends EndpointConfigBuilder<Builder>
    {
        private Builder()
        {
        }

        /**
         * Most records per step.
         *
         * @param maxBatchSize 1..100,000,000.
         * @return this for a fluent API.
         */
        public Builder maxBatchSize(final long maxBatchSize)
        {
            node.put(MAX_BATCH_SIZE, maxBatchSize);
            return this;
        }

        /**
         * What to do with bad records.
         *
         * @param onError policy.
         * @return this for a fluent API.
         */
        public Builder onError(final OnErrorPolicy onError)
        {
            node.put(ON_ERROR, null == onError ? null : onError.jsonName());
            return this;
        }

        /**
         * Start paused.
         *
         * @param paused true to start paused.
         * @return this for a fluent API.
         */
        public Builder paused(final boolean paused)
        {
            node.put(PAUSED, paused);
            return this;
        }
    }
}
