package dev.keel.engine.config;

import com.fasterxml.jackson.databind.node.ObjectNode;

import java.util.Objects;

import static dev.keel.engine.config.PipelineConfigParser.MAX_QUEUED_RECORDS;

/**
 * One output endpoint ({@code outputs.<name>}): which view it drains, through which transport and format.
 * <pre>{@code
 * "vwap_out": {"stream": "vwap", "transport": {"name": "file_output", "config": {"path": "vwap.csv"}},
 *              "format": {"name": "csv"}, "max_queued_records": 1000000}
 * }</pre>
 */
public final class OutputEndpointConfig extends EndpointConfig
{
    OutputEndpointConfig(
        final String name,
        final String stream,
        final ComponentConfig transport,
        final ComponentConfig format,
        final long maxQueuedRecords)
    {
        super(name, stream, transport, format, maxQueuedRecords);
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

    ObjectNode toNode()
    {
        final ObjectNode node = commonNode();
        node.put(MAX_QUEUED_RECORDS, maxQueuedRecords());
        return node;
    }

    public boolean equals(final Object o)
    {
        if (this == o)
        {
            return true;
        }

        return o instanceof OutputEndpointConfig && commonEquals((OutputEndpointConfig)o);
    }

    public int hashCode()
    {
        return Objects.hash(name(), stream(), transport(), format().orElse(null), maxQueuedRecords());
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
    }
}
