package dev.keel.engine.connector.http;

import dev.keel.engine.config.InputEndpointConfig;
import dev.keel.engine.connector.ConnectorContext;
import dev.keel.engine.connector.InputConnector;
import dev.keel.engine.connector.InputEndpoint;
import dev.keel.engine.data.Schema;

/**
 * The {@code http_input} transport (Feldera's name): an {@link HttpInputEndpoint} fed by
 * {@code POST /v0/pipelines/{name}/ingress/{table}} on the node's HTTP server. {@code transport.config} takes no
 * key; {@code format} (optional, default {@code json} / {@code insert_delete}) is the default of requests that do
 * not say {@code ?format=}; {@code max_queued_records} bounds the buffer. One {@code http_input} per table.
 */
public final class HttpInputConnector implements InputConnector
{
    /** The transport name. */
    public static final String TRANSPORT = "http_input";

    public String transport()
    {
        return TRANSPORT;
    }

    public InputEndpoint create(final InputEndpointConfig config, final Schema schema, final ConnectorContext context)
    {
        config.transport().config().requireOnly();
        final String where = "$.inputs." + config.name();
        if (null != HttpEndpoints.of(context).input(config.stream()))
        {
            throw new dev.keel.engine.config.ConfigException(dev.keel.engine.config.ConfigException.INVALID, null,
                where + ".stream", "table '" + config.stream() + "' has another http_input endpoint, '" +
                HttpEndpoints.of(context).input(config.stream()).name() + "'; a table takes at most one");
        }
        return new HttpInputEndpoint(config.name(), config.stream(), schema,
            HttpFormats.format(config.format(), schema, where + ".format"), config.maxQueuedRecords(),
            HttpEndpoints.of(context));
    }
}
