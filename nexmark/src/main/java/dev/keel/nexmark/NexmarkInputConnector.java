package dev.keel.nexmark;

import dev.keel.engine.config.InputEndpointConfig;
import dev.keel.engine.connector.ConnectorContext;
import dev.keel.engine.connector.InputConnector;
import dev.keel.engine.connector.InputEndpoint;
import dev.keel.engine.data.Schema;

/**
 * The {@code nexmark} input transport: a {@link NexmarkInputEndpoint} of one table, configured as described in
 * {@link NexmarkInputEndpoint#fromConfig(InputEndpointConfig, Schema)} and paced by the context's clock.
 */
public final class NexmarkInputConnector implements InputConnector
{
    /** The transport name. */
    public static final String TRANSPORT = "nexmark";

    public String transport()
    {
        return TRANSPORT;
    }

    public InputEndpoint create(final InputEndpointConfig config, final Schema schema, final ConnectorContext context)
    {
        return NexmarkInputEndpoint.fromConfig(config, schema, context.nanoClock());
    }
}
