package dev.keel.engine.config;

import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;

import java.util.Objects;
import java.util.Optional;

import static dev.keel.engine.config.PipelineConfigParser.FORMAT;
import static dev.keel.engine.config.PipelineConfigParser.STREAM;
import static dev.keel.engine.config.PipelineConfigParser.TRANSPORT;

/**
 * The settings every endpoint ({@code inputs.<name>}, {@code outputs.<name>}) has: its name, its stream, its
 * transport and format, and how many records it may queue. {@link InputEndpointConfig} and
 * {@link OutputEndpointConfig} add their own.
 */
public abstract class EndpointConfig
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

    EndpointConfig(
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
     * The endpoint's name, its key in {@code inputs} or {@code outputs}.
     *
     * @return the endpoint's name.
     */
    public final String name()
    {
        return name;
    }

    /**
     * The table an input feeds, or the view an output drains ({@code stream}).
     *
     * @return the table or view name.
     */
    public final String stream()
    {
        return stream;
    }

    /**
     * Where an input's records come from, or where an output's go ({@code transport}).
     *
     * @return the transport.
     */
    public final ComponentConfig transport()
    {
        return transport;
    }

    /**
     * How the records are encoded ({@code format}); empty for transports that produce or take rows themselves,
     * such as generators.
     *
     * @return the format, if any.
     */
    public final Optional<ComponentConfig> format()
    {
        return Optional.ofNullable(format);
    }

    /**
     * Most records buffered between the endpoint and the circuit ({@code max_queued_records}): then an input stops
     * reading, and the circuit waits for an output.
     *
     * @return records, {@code >= 1}.
     */
    public final long maxQueuedRecords()
    {
        return maxQueuedRecords;
    }

    /** The JSON of the endpoint, settings in their documented order. */
    abstract ObjectNode toNode();

    /** A JSON object with the stream, transport and format; the subclass adds the rest. */
    final ObjectNode commonNode()
    {
        final ObjectNode node = JsonNodeFactory.instance.objectNode();
        node.put(STREAM, stream);
        node.set(TRANSPORT, transport.toNode());
        if (null != format)
        {
            node.set(FORMAT, format.toNode());
        }
        return node;
    }

    /** True if {@code that} has the same common settings (its class is checked by the caller). */
    final boolean commonEquals(final EndpointConfig that)
    {
        return name.equals(that.name) &&
            stream.equals(that.stream) &&
            transport.equals(that.transport) &&
            Objects.equals(format, that.format) &&
            maxQueuedRecords == that.maxQueuedRecords;
    }

    /**
     * Name and JSON of the endpoint with secret-looking settings redacted.
     *
     * @return name and JSON of the endpoint with secret-looking settings redacted.
     */
    public final String toString()
    {
        return getClass().getSimpleName() + "[" + name + "]" + ConfigObject.redactedJson(toNode());
    }
}
