package dev.keel.tools;

import dev.keel.engine.KeelException;
import dev.keel.engine.program.ProgramDefinition;

import java.util.Map;
import java.util.TreeMap;
import java.util.function.Supplier;

/**
 * Resolves a program by name: a built-in example ({@link #names()}) or the fully qualified name of a
 * class on the class path that implements {@link ProgramDefinition} and has a public no-argument
 * constructor.
 */
public final class ProgramRegistry
{
    private static final Map<String, Supplier<ProgramDefinition>> BUILT_IN = new TreeMap<>();

    static
    {
        BUILT_IN.put(dev.keel.engine.examples.TradesVwap.NAME, dev.keel.engine.examples.TradesVwap::new);
        // nexmark-q0 ...: tables person/auction/bid fed by `nexmark` endpoints, one view qN
        for (final dev.keel.nexmark.queries.NexmarkQueries.Query query :
            dev.keel.nexmark.queries.NexmarkQueries.all())
        {
            BUILT_IN.put(query.name(), query::definition);
        }
    }

    private ProgramRegistry()
    {
    }

    public static java.util.Set<String> names()
    {
        return BUILT_IN.keySet();
    }

    public static ProgramDefinition resolve(final String name)
    {
        final Supplier<ProgramDefinition> builtIn = BUILT_IN.get(name);
        if (null != builtIn)
        {
            return builtIn.get();
        }
        if (!name.contains("."))
        {
            throw new KeelException(KeelException.Category.PROGRAM, "PROGRAM_UNKNOWN",
                "no built-in program '" + name + "'; built-in: " + BUILT_IN.keySet() +
                ", or give the fully qualified name of a ProgramDefinition class");
        }
        try
        {
            final Class<?> type = Class.forName(name);
            if (!ProgramDefinition.class.isAssignableFrom(type))
            {
                throw new KeelException(KeelException.Category.PROGRAM, "PROGRAM_NOT_A_DEFINITION",
                    "class " + name + " does not implement " + ProgramDefinition.class.getName());
            }
            return (ProgramDefinition)type.getConstructor().newInstance();
        }
        catch (final ClassNotFoundException ex)
        {
            throw new KeelException(KeelException.Category.PROGRAM, "PROGRAM_UNKNOWN",
                "program class " + name + " is not on the class path; built-in programs: " + BUILT_IN.keySet(), ex);
        }
        catch (final ReflectiveOperationException ex)
        {
            throw new KeelException(KeelException.Category.PROGRAM, "PROGRAM_NOT_INSTANTIABLE",
                "cannot create program class " + name + " (it needs a public no-argument constructor): " + ex, ex);
        }
    }
}
