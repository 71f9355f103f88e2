package dev.keel.engine.connector;

import dev.keel.engine.config.InputEndpointConfig;
import dev.keel.engine.data.Schema;

/**
 * Factory of the input endpoints of one transport (the {@code transport.name} of an {@code inputs.<name>}
 * configuration). Implementations are found through {@link java.util.ServiceLoader} (list the class in
 * {@code META-INF/services/dev.keel.engine.connector.InputConnector}; it needs a public no-argument
 * constructor) or added to a {@link ConnectorRegistry} by hand.
 * <p>
 * {@link #create} validates every setting under {@code $.inputs.<name>.transport.config} itself, and fails with
 * a {@link dev.keel.engine.config.ConfigException} whose path names the offending key, so that a connector
 * added later is exactly as strict as the built-in ones.
 */
public interface InputConnector
{
    /** @return the transport name this factory serves, e.g. {@code file_input}. */
    String transport();

    /**
     * Builds one endpoint; it is opened later by the pipeline.
     *
     * @param config  the endpoint's configuration (transport settings, format, error policy, queue size).
     * @param schema  schema of the input table the endpoint feeds.
     * @param context what the host provides to every connector.
     * @return a new, unopened endpoint.
     * @throws dev.keel.engine.config.ConfigException if a setting is invalid.
     */
    InputEndpoint create(InputEndpointConfig config, Schema schema, ConnectorContext context);
}
