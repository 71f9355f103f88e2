package dev.keel.tools;

import dev.keel.engine.api.EngineContext;
import dev.keel.engine.config.OutputEndpointConfig;
import dev.keel.engine.config.PipelineConfig;
import dev.keel.engine.connector.ConnectorContext;
import dev.keel.engine.connector.http.HttpOutputConnector;

import java.util.HashSet;
import java.util.Set;

/**
 * Gives every view of a node's program an egress endpoint ({@code GET .../egress/{view}}), as Feldera serves every
 * view: a view with an {@code http_output} in the configuration is served by it, any other gets one named
 * {@code <view>.egress}, created by the pipeline once it built the program
 * ({@link EngineContext#outputForEveryView}). Such an endpoint costs one volatile read per step while no client
 * is connected; a view it serves has an output, so it gets no output handle that nothing in a node would poll.
 */
final class HttpEgress
{
    /** Suffix of the name of an implicit egress endpoint. */
    static final String SUFFIX = ".egress";

    private HttpEgress()
    {
    }

    static void attach(final PipelineConfig config, final EngineContext ctx, final ConnectorContext connectors)
    {
        final Set<String> served = new HashSet<>();
        for (final OutputEndpointConfig output : config.outputs().values())
        {
            if (HttpOutputConnector.TRANSPORT.equals(output.transport().name()))
            {
                served.add(output.stream());
            }
        }
        ctx.outputForEveryView(SUFFIX, (name, view, schema) -> served.contains(view) ? null :
            HttpOutputConnector.implicitEndpoint(name, view, schema, connectors));
    }
}
