package dev.keel.engine.api;

import dev.keel.engine.api.EngineContext;
import dev.keel.engine.api.KeelPipeline;
import dev.keel.engine.program.ProgramDefinition;

/**
 * Entry point of the embedded engine.
 * <pre>{@code
 * try (KeelPipeline pipeline = Keel.launch(new EngineContext().threadingMode(ThreadingMode.SHARED),
 *     p -> p.view("out", p.zsetTable("in", schema))))
 * {
 *     pipeline.inputHandle("in").insert(row);
 *     pipeline.outputHandle("out").poll((txn, delta) -> ...);
 * }
 * }</pre>
 */
public final class Keel
{
    private Keel()
    {
    }

    /**
     * Builds and starts a pipeline.
     *
     * @param ctx        settings; concluded (validated) here.
     * @param definition the program.
     * @return the running pipeline; close it to stop.
     */
    public static KeelPipeline launch(final EngineContext ctx, final ProgramDefinition definition)
    {
        return KeelPipeline.launch(ctx, definition);
    }
}
