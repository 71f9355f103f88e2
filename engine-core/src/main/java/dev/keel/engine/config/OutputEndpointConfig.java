package dev.keel.engine.config;

import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;

import java.util.Objects;
import java.util.Optional;

import static dev.keel.engine.config.PipelineConfigParser.FORMAT;
import static dev.keel.engine.config.PipelineConfigParser.MAX_QUEUED_RECORDS;
import static dev.keel.engine.config.PipelineConfigParser.STREAM;
import static dev.keel.engine.config.PipelineConfigParser.TRANSPORT;

/**
 * One output endpoint ({@code outputs.<name>}): which view it drains, through which transport and format.
 * <pre>{@code
 * "vwap_out": {"stream": "vwap", "transport": {"name": "file_output", "config": {"path": "vwap.csv"}},
 *              "format": {"name": "csv"}, "max_queued_records": 1000000}
 * }</pre>
 */
public final class OutputEndpointConfig
{
    /** Default of {@code max_queued_records}. */
    public static final long DEFAULT_MAX_QUEUED_RECORDS = 1_000_000;

    /** Smallest {@code max_queued_records}. */
    public static final long MIN_MAX_QUEUED_RECORDS = 1;

    private final String name;
    private final String stream;
    private final ComponentConfig transport;
    private final ComponentConfig format;
    private final long maxQueuedRecords;

    OutputEndpointConfig(
        final String name,
        final String stream,
        final ComponentConfig transport,
        final ComponentConfig format,
        final long maxQueuedRecords)
    {
        this.name = name;
        this.stream = stream;
        this.transport = transport;
        this.format = format;
        this.maxQueuedRecords = maxQueuedRecords;
    }

    /**
     * A builder for use with {@link PipelineConfig.Builder#output(String, Builder)}.
     *
     * @return a new builder.
     */
    public static Builder builder()
    {
        return new Builder();
    }

    /**
     * The endpoint's name, its key in {@code outputs}.
     *
     * @return the endpoint's name.
     */
    public String name()
    {
        return name;
    }

    /**
     * The view the endpoint drains ({@code stream}).
     *
     * @return the view name.
     */
    public String stream()
    {
        return stream;
    }

    /**
     * Where the records go ({@code transport}).
     *
     * @return the transport.
     */
    public ComponentConfig transport()
    {
        return transport;
    }

    /**
     * How the records are encoded ({@code format}); empty for transports that take rows themselves.
     *
     * @return the format, if any.
     */
    public Optional<ComponentConfig> format()
    {
        return Optional.ofNullable(format);
    }

    /**
     * Most records buffered before the circuit waits for the endpoint ({@code max_queued_records}).
     *
     * @return records, {@code >= 1}.
     */
    public long maxQueuedRecords()
    {
        return maxQueuedRecords;
    }

    ObjectNode toNode()
    {
        final ObjectNode node = JsonNodeFactory.instance.objectNode();
        node.put(STREAM, stream);
        node.set(TRANSPORT, transport.toNode());
        if (null != format)
        {
            node.set(FORMAT, format.toNode());
        }
        node.put(MAX_QUEUED_RECORDS, maxQueuedRecords);
        return node;
    }

    public boolean equals(final Object o)
    {
        if (this == o)
        {
            return true;
        }

        if (!(o instanceof OutputEndpointConfig))
        {
            return false;
        }

        final OutputEndpointConfig that = (OutputEndpointConfig)o;
        return name.equals(that.name) &&
            stream.equals(that.stream) &&
            transport.equals(that.transport) &&
            Objects.equals(format, that.format) &&
            maxQueuedRecords == that.maxQueuedRecords;
    }

    public int hashCode()
    {
        return Objects.hash(name, stream, transport, format, maxQueuedRecords);
    }

    /**
     * Name and JSON of the endpoint with secret-looking settings redacted.
     *
     * @return name and JSON of the endpoint with secret-looking settings redacted.
     */
    public String toString()
    {
        return "OutputEndpointConfig[" + name + "]" + ConfigObject.redactedJson(toNode());
    }

    /**
     * Builds the JSON of one output endpoint for {@link PipelineConfig.Builder}; the values are validated when the
     * pipeline is built, by the same rules as a parsed configuration. Unset settings take their defaults.
     */
    public static final class Builder extends EndpointConfigBuilder<Builder>
    {
        private Builder()
        {
        }

        /**
         * Most records buffered.
         *
         * @param maxQueuedRecords {@code >= 1}.
         * @return this for a fluent API.
         */
        public Builder maxQueuedRecords(final long maxQueuedRecords)
        {
            node.put(MAX_QUEUED_RECORDS, maxQueuedRecords);
            return this;
        }
    }
}
