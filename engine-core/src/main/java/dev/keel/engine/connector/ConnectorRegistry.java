package dev.keel.engine.connector;

import dev.keel.engine.config.ConfigException;
import dev.keel.engine.config.InputEndpointConfig;
import dev.keel.engine.config.OutputEndpointConfig;
import dev.keel.engine.data.Schema;

import java.util.Collections;
import java.util.Map;
import java.util.ServiceLoader;
import java.util.SortedSet;
import java.util.TreeMap;
import java.util.TreeSet;

/**
 * The connectors a node can create endpoints with, by transport name. Immutable: build one with
 * {@link #discover()} (every {@link InputConnector} and {@link OutputConnector} on the class path, found through
 * {@link ServiceLoader}) or with a {@link #builder()} that adds connectors by hand (embedders, tests, the
 * benchmark harness), and pass it to whatever creates endpoints. There is deliberately no process-wide
 * registry: two pipelines in one JVM may see different connectors, and a test's additions cannot leak.
 */
public final class ConnectorRegistry
{
    private final Map<String, InputConnector> inputs;
    private final Map<String, OutputConnector> outputs;

    private ConnectorRegistry(final Builder builder)
    {
        this.inputs = Collections.unmodifiableMap(new TreeMap<>(builder.inputs));
        this.outputs = Collections.unmodifiableMap(new TreeMap<>(builder.outputs));
    }

    /**
     * The connectors registered in {@code META-INF/services} on the class path of the thread's context class
     * loader (falling back to this class's loader).
     *
     * @return a registry of the discovered connectors.
     */
    public static ConnectorRegistry discover()
    {
        return builder().discover(contextClassLoader()).build();
    }

    /** @return a builder with no connectors. */
    public static Builder builder()
    {
        return new Builder();
    }

    /** @return the input transport names, sorted. */
    public SortedSet<String> inputTransports()
    {
        return new TreeSet<>(inputs.keySet());
    }

    /** @return the output transport names, sorted. */
    public SortedSet<String> outputTransports()
    {
        return new TreeSet<>(outputs.keySet());
    }

    /**
     * Creates the endpoint of an {@code inputs.<name>} configuration with the connector of its transport.
     *
     * @throws ConfigException at {@code $.inputs.<name>.transport.name} if no connector serves the transport,
     *                         listing the ones that do, or from the connector if a setting is invalid.
     */
    public InputEndpoint input(final InputEndpointConfig config, final Schema schema, final ConnectorContext context)
    {
        final String transport = config.transport().name();
        final InputConnector connector = inputs.get(transport);
        if (null == connector)
        {
            throw new ConfigException(ConfigException.INVALID, null, "$.inputs." + config.name() + ".transport.name",
                "'" + transport + "' is not an input transport; allowed: " + inputs.keySet());
        }
        return connector.create(config, schema, context);
    }

    /**
     * Creates the endpoint of an {@code outputs.<name>} configuration with the connector of its transport.
     *
     * @throws ConfigException at {@code $.outputs.<name>.transport.name} if no connector serves the transport,
     *                         listing the ones that do, or from the connector if a setting is invalid.
     */
    public OutputEndpoint output(final OutputEndpointConfig config, final Schema schema, final ConnectorContext context)
    {
        final String transport = config.transport().name();
        final OutputConnector connector = outputs.get(transport);
        if (null == connector)
        {
            throw new ConfigException(ConfigException.INVALID, null, "$.outputs." + config.name() + ".transport.name",
                "'" + transport + "' is not an output transport; allowed: " + outputs.keySet());
        }
        return connector.create(config, schema, context);
    }

    public String toString()
    {
        return "ConnectorRegistry{inputs=" + inputs.keySet() + ", outputs=" + outputs.keySet() + "}";
    }

    private static ClassLoader contextClassLoader()
    {
        final ClassLoader loader = Thread.currentThread().getContextClassLoader();
        return null == loader ? ConnectorRegistry.class.getClassLoader() : loader;
    }

    /**
     * Collects connectors. Two discovered connectors of one transport are an error (which jar wins would depend
     * on class path order); a connector added with {@link #input} or {@link #output} replaces a discovered one of
     * its transport, so that a host can substitute its own.
     */
    public static final class Builder
    {
        private final Map<String, InputConnector> inputs = new TreeMap<>();
        private final Map<String, OutputConnector> outputs = new TreeMap<>();

        private Builder()
        {
        }

        /**
         * Adds every connector registered through {@link ServiceLoader} visible to {@code loader}.
         *
         * @throws IllegalStateException if two discovered connectors serve one transport.
         */
        public Builder discover(final ClassLoader loader)
        {
            final Map<String, InputConnector> foundInputs = new TreeMap<>();
            for (final InputConnector connector : ServiceLoader.load(InputConnector.class, loader))
            {
                putUnique(foundInputs, connector.transport(), connector, "input");
            }
            final Map<String, OutputConnector> foundOutputs = new TreeMap<>();
            for (final OutputConnector connector : ServiceLoader.load(OutputConnector.class, loader))
            {
                putUnique(foundOutputs, connector.transport(), connector, "output");
            }
            foundInputs.forEach(inputs::putIfAbsent);
            foundOutputs.forEach(outputs::putIfAbsent);
            return this;
        }

        /** Adds (or substitutes) the input connector of its transport. */
        public Builder input(final InputConnector connector)
        {
            inputs.put(checkedTransport(connector.transport()), connector);
            return this;
        }

        /** Adds (or substitutes) the output connector of its transport. */
        public Builder output(final OutputConnector connector)
        {
            outputs.put(checkedTransport(connector.transport()), connector);
            return this;
        }

        /** @return the registry. */
        public ConnectorRegistry build()
        {
            return new ConnectorRegistry(this);
        }

        private static <T> void putUnique(
            final Map<String, T> found, final String transport, final T connector, final String kind)
        {
            final T previous = found.putIfAbsent(checkedTransport(transport), connector);
            if (null != previous)
            {
                throw new IllegalStateException("two " + kind + " connectors serve transport '" + transport + "': " +
                    previous.getClass().getName() + " and " + connector.getClass().getName() +
                    "; remove one of them from the class path");
            }
        }

        private static String checkedTransport(final String transport)
        {
            if (null == transport || transport.isEmpty())
            {
                throw new IllegalArgumentException("a connector's transport name must be non-empty");
            }
            return transport;
        }
    }
}
