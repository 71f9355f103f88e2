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
 * whose only output is its implicit egress endpoint, once the embedder's customizer ran, keeps its output handle too,
 * as before (embedders read it); a view the customizer gave an output of its own gets none (nothing would poll it,
 * and an unpolled handle stalls the pipeline once its buffer is full): {@link #requestHandles(EngineContext)}.
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
            boolean http = false;
            for (final OutputEndpointConfig output : config.outputs().values())
            {
                if (output.stream().equals(view))
                {
                    http |= HttpOutputConnector.TRANSPORT.equals(output.transport().name());
                }
            }
            if (!http)
            {
                ctx.output(view + SUFFIX, view,
                    schema -> HttpOutputConnector.implicitEndpoint(view + SUFFIX, view, schema, connectors),
                    "(the implicit egress endpoint of view '" + view + "')");
            }
        }
    }

    /**
     * After the embedder's customizer: requests an output handle for every view whose only output is its implicit
     * egress endpoint.
     *
     * @param ctx the node's context, with every output attached.
     */
    static void requestHandles(final EngineContext ctx)
    {
        final java.util.Set<String> egressOnly = new java.util.LinkedHashSet<>();
        final java.util.Set<String> withOther = new java.util.HashSet<>();
        for (final dev.keel.engine.api.OutputAttachment output : ctx.outputs())
        {
            if (output.name().equals(output.view() + SUFFIX))
            {
                egressOnly.add(output.view());
            }
            else
            {
                withOther.add(output.view());
            }
        }
        egressOnly.removeAll(withOther);
        for (final String view : egressOnly)
        {
            ctx.outputHandle(view);
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
