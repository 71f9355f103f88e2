package dev.keel.engine.api;

import dev.keel.engine.circuit.OutputAttachment;

import dev.keel.engine.circuit.InputAttachment;

import dev.keel.engine.KeelException;
import dev.keel.engine.connector.OutputEndpoint;
import dev.keel.engine.operators.Operator;
import dev.keel.engine.program.InputTable;
import dev.keel.engine.program.Program;

import java.util.List;
import java.util.Map;

/**
 * A context's attachments resolved against, and checked with, the built program, for {@link KeelPipeline#launch}.
 */
final class Attachments
{
    private Attachments()
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

    /** True if one of the resolved {@code outputs} receives {@code view}. */
    static boolean hasOutput(final List<OutputAttachment> outputs, final String view)
    {
        for (final OutputAttachment output : outputs)
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

    /**
     * Creates the endpoints attached as factories, in attachment order, then those attached to every view, from the
     * built program's schemas: the program is built once, before this.
     */
    static void resolveEndpoints(
        final EngineContext ctx,
        final Program program,
        final List<InputAttachment> inputs,
        final List<OutputAttachment> outputs,
        final List<AutoCloseable> toCloseOnFailure)
    {
        for (final InputAttachment input : ctx.inputs())
        {
            if (!input.isDeferred())
            {
                inputs.add(input);
                continue;
            }
            final InputTable table = program.tables().get(input.table());
            if (null == table)
            {
                throw new KeelException(KeelException.Category.CONFIG, "CONFIG_UNKNOWN_STREAM",
                    input.where() + ": no input table '" + input.table() + "' in the program; tables: " +
                    program.tables().keySet());
            }
            final InputAttachment resolved = input.resolve(table.outputSchema());
            toCloseOnFailure.add(resolved.endpoint());
            inputs.add(resolved);
        }
        for (final OutputAttachment output : ctx.outputs())
        {
            if (!output.isDeferred())
            {
                outputs.add(output);
                continue;
            }
            final Operator view = program.views().get(output.view());
            if (null == view)
            {
                throw new KeelException(KeelException.Category.CONFIG, "CONFIG_UNKNOWN_STREAM",
                    output.where() + ": no view '" + output.view() + "' in the program; views: " +
                    program.views().keySet());
            }
            final OutputAttachment resolved = output.resolve(view.outputSchema());
            toCloseOnFailure.add(resolved.endpoint());
            outputs.add(resolved);
        }
        for (final ViewOutputFactory.EveryView every : ctx.everyViewOutputs())
        {
            for (final Map.Entry<String, Operator> view : program.views().entrySet())
            {
                final String name = view.getKey() + every.nameSuffix();
                final OutputEndpoint endpoint = every.factory().create(name, view.getKey(), view.getValue().outputSchema());
                if (null != endpoint)
                {
                    toCloseOnFailure.add(endpoint);
                    outputs.add(new OutputAttachment(name, view.getKey(), endpoint));
                }
            }
        }
    }

    /** Endpoint names are unique across inputs and outputs. */
    static void checkUniqueNames(final List<InputAttachment> inputs, final List<OutputAttachment> outputs)
    {
        final java.util.Set<String> names = new java.util.HashSet<>();
        for (final InputAttachment input : inputs)
        {
            if (!names.add(input.name()))
            {
                throw ContextChecks.invalid("inputs", input.name(), "endpoint names unique across inputs and outputs");
            }
        }
        for (final OutputAttachment output : outputs)
        {
            if (!names.add(output.name()))
            {
                throw ContextChecks.invalid("outputs", output.name(), "endpoint names unique across inputs and outputs");
            }
        }
    }

    /** Ring buffer capacity in bytes for a data length: the data plus Agrona's trailer. */
    static int ringCapacity(final int dataLength)
    {
        return dataLength + org.agrona.concurrent.ringbuffer.RingBufferDescriptor.TRAILER_LENGTH;
    }
}
