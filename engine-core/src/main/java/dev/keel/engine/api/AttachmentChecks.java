package dev.keel.engine.api;

import dev.keel.engine.KeelException;

/** Checks of a context's attachments against the built program, for {@link KeelPipeline#launch}. */
final class AttachmentChecks
{
    private AttachmentChecks()
    {
    }

    /** True if an input endpoint is attached to {@code table}. */
    static boolean hasInput(final EngineContext ctx, final String table)
    {
        for (final InputAttachment input : ctx.inputs())
        {
            if (input.table().equals(table))
            {
                return true;
            }
        }
        return false;
    }

    /** True if an output endpoint is attached to {@code view}. */
    static boolean hasOutput(final EngineContext ctx, final String view)
    {
        for (final OutputAttachment output : ctx.outputs())
        {
            if (output.view().equals(view))
            {
                return true;
            }
        }
        return false;
    }

    /** Every name must be known: the tables or views of the program. */
    static void checkNames(final String field, final Iterable<String> names, final java.util.Set<String> known)
    {
        for (final String name : names)
        {
            if (!known.contains(name))
            {
                throw new KeelException(KeelException.Category.CONFIG, "CONFIG_INVALID",
                    "EngineContext." + field + " = " + name + " is invalid; allowed: one of " + known);
            }
        }
    }
}
