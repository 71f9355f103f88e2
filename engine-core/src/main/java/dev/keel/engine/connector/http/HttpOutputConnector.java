package dev.keel.engine.connector.http;

import dev.keel.engine.config.OutputEndpointConfig;
import dev.keel.engine.connector.ConnectorContext;
import dev.keel.engine.connector.OutputConnector;
import dev.keel.engine.connector.OutputEndpoint;
import dev.keel.engine.data.Schema;

/**
 * The {@code http_output} transport (Feldera's name): an {@link HttpOutputEndpoint} streamed by
 * {@code GET /v0/pipelines/{name}/egress/{view}}. {@code transport.config} takes {@code client_buffer_bytes}
 * (default {@value HttpOutputEndpoint#DEFAULT_CLIENT_BUFFER_BYTES}, rounded up to a power of two): what one client
 * may fall behind before it is dropped. A node serves every view's egress even without this entry.
 */
public final class HttpOutputConnector implements OutputConnector
{
    /** The transport name. */
    public static final String TRANSPORT = "http_output";

    public String transport()
    {
        return TRANSPORT;
    }

    public OutputEndpoint create(final OutputEndpointConfig config, final Schema schema, final ConnectorContext context)
    {
        final int clientBufferBytes = config.transport().config().requireOnly("client_buffer_bytes")
            .intValue("client_buffer_bytes", HttpOutputEndpoint.DEFAULT_CLIENT_BUFFER_BYTES, 64 << 10, 1 << 30);
        return new HttpOutputEndpoint(config.name(), config.stream(), schema, clientBufferBytes,
            HttpEndpoints.of(context));
    }

    /**
     * The egress endpoint a node gives a view that has no {@code http_output} in its configuration, with the
     * default client buffer.
     *
     * @param name    endpoint name.
     * @param view    the view.
     * @param schema  the view's schema.
     * @param context the node's connector context (where the endpoint registers).
     * @return a new endpoint.
     */
    public static OutputEndpoint implicitEndpoint(
        final String name, final String view, final Schema schema, final ConnectorContext context)
    {
        return new HttpOutputEndpoint(name, view, schema, HttpOutputEndpoint.DEFAULT_CLIENT_BUFFER_BYTES,
            HttpEndpoints.of(context));
    }
}
