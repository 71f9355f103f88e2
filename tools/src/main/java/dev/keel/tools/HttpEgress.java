package dev.keel.tools;

import dev.keel.engine.api.EngineContext;
import dev.keel.engine.config.OutputEndpointConfig;
import dev.keel.engine.config.PipelineConfig;
import dev.keel.engine.connector.ConnectorContext;
import dev.keel.engine.connector.http.HttpOutputConnector;
import dev.keel.engine.program.Program;
import dev.keel.engine.program.ProgramDefinition;
import dev.keel.engine.state.PagedArena;

import java.util.ArrayList;
import java.util.List;

/**
 * Gives every view of a node's program an egress endpoint ({@code GET .../egress/{view}}), as Feldera serves every
 * view: a view with an {@code http_output} in the configuration is served by it, any other gets one named
 * {@code <view>.egress}. Such an endpoint costs one volatile read per step while no client is connected. A view
 * with no configured output keeps its output handle too, as before (embedders read it).
 */
final class HttpEgress
{
    /** Suffix of the name of an implicit egress endpoint. */
    static final String SUFFIX = ".egress";

    private HttpEgress()
    {
    }

    static void attach(
        final PipelineConfig config,
        final ProgramDefinition program,
        final EngineContext ctx,
        final ConnectorContext connectors)
    {
        for (final String view : viewNames(program))
        {
            boolean configured = false;
            boolean http = false;
            for (final OutputEndpointConfig output : config.outputs().values())
            {
                if (output.stream().equals(view))
                {
                    configured = true;
                    http |= HttpOutputConnector.TRANSPORT.equals(output.transport().name());
                }
            }
            if (!configured)
            {
                ctx.outputHandle(view);
            }
            if (!http)
            {
                ctx.output(view + SUFFIX, view,
                    schema -> HttpOutputConnector.implicitEndpoint(view + SUFFIX, view, schema, connectors),
                    "(the implicit egress endpoint of view '" + view + "')");
            }
        }
    }

    /** The views of a program, read by building it once in a small arena that is freed at once. */
    private static List<String> viewNames(final ProgramDefinition definition)
    {
        try (Program program = Program.build(definition, new PagedArena(1, false)))
        {
            return new ArrayList<>(program.views().keySet());
        }
    }
}
