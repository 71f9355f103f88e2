package dev.keel.engine.connector;

import dev.keel.engine.config.OutputEndpointConfig;
import dev.keel.engine.data.Schema;

/**
 * Factory of the output endpoints of one transport (the {@code transport.name} of an {@code outputs.<name>}
 * configuration), found through {@link java.util.ServiceLoader}
 * ({@code META-INF/services/dev.keel.engine.connector.OutputConnector}) or added to a {@link ConnectorRegistry}.
 * Like {@link InputConnector}, it validates its own settings and names their JSON path in errors.
 */
public interface OutputConnector
{
    /** @return the transport name this factory serves, e.g. {@code file_output}. */
    String transport();

    /**
     * Builds one endpoint; it is opened (or restored) later by the pipeline.
     *
     * @param config  the endpoint's configuration.
     * @param schema  schema of the view the endpoint drains.
     * @param context what the host provides to every connector.
     * @return a new, unopened endpoint.
     * @throws dev.keel.engine.config.ConfigException if a setting is invalid.
     */
    OutputEndpoint create(OutputEndpointConfig config, Schema schema, ConnectorContext context);
}
