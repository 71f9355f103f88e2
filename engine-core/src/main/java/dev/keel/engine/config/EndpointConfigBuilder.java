package dev.keel.engine.config;

import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;

import java.util.Map;

import static dev.keel.engine.config.PipelineConfigParser.FORMAT;
import static dev.keel.engine.config.PipelineConfigParser.MAX_QUEUED_RECORDS;
import static dev.keel.engine.config.PipelineConfigParser.STREAM;
import static dev.keel.engine.config.PipelineConfigParser.TRANSPORT;

/**
 * The settings every endpoint builder shares (stream, transport, format, max_queued_records), written into the
 * endpoint's JSON so that a built configuration is validated by the same rules as a parsed one.
 *
 * @param <B> the concrete builder, returned for a fluent API.
 */
public abstract class EndpointConfigBuilder<B extends EndpointConfigBuilder<B>>
{
    final ObjectNode node = JsonNodeFactory.instance.objectNode();

    EndpointConfigBuilder()
    {
    }

    @SuppressWarnings("unchecked")
    final B self()
    {
        return (B)this;
    }

    /**
     * The table (input) or view (output) of the endpoint. Required.
     *
     * @param stream table or view name.
     * @return this for a fluent API.
     */
    public final B stream(final String stream)
    {
        node.put(STREAM, stream);
        return self();
    }

    /**
     * The transport, without settings. Required.
     *
     * @param name of the transport.
     * @return this for a fluent API.
     */
    public final B transport(final String name)
    {
        return transport(name, ConfigObject.empty());
    }

    /**
     * The transport and its settings. Required.
     *
     * @param name   of the transport.
     * @param config settings of the transport.
     * @return this for a fluent API.
     */
    public final B transport(final String name, final Map<String, ?> config)
    {
        return transport(name, ConfigObject.of(config));
    }

    /**
     * The transport and its settings. Required.
     *
     * @param name   of the transport.
     * @param config settings of the transport.
     * @return this for a fluent API.
     */
    public final B transport(final String name, final ConfigObject config)
    {
        node.set(TRANSPORT, ComponentConfig.toNode(name, config.copyOfNode()));
        return self();
    }

    /**
     * The format, without settings.
     *
     * @param name of the format.
     * @return this for a fluent API.
     */
    public final B format(final String name)
    {
        return format(name, ConfigObject.empty());
    }

    /**
     * The format and its settings.
     *
     * @param name   of the format.
     * @param config settings of the format.
     * @return this for a fluent API.
     */
    public final B format(final String name, final Map<String, ?> config)
    {
        return format(name, ConfigObject.of(config));
    }

    /**
     * The format and its settings.
     *
     * @param name   of the format.
     * @param config settings of the format.
     * @return this for a fluent API.
     */
    public final B format(final String name, final ConfigObject config)
    {
        node.set(FORMAT, ComponentConfig.toNode(name, config.copyOfNode()));
        return self();
    }

    /**
     * Most records buffered between the endpoint and the circuit.
     *
     * @param maxQueuedRecords {@code >= 1}.
     * @return this for a fluent API.
     */
    public final B maxQueuedRecords(final long maxQueuedRecords)
    {
        node.put(MAX_QUEUED_RECORDS, maxQueuedRecords);
        return self();
    }

    ObjectNode toNode()
    {
        return node.deepCopy();
    }
}
