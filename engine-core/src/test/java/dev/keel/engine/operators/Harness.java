package dev.keel.engine.operators;

import dev.keel.engine.data.RowWriter;
import dev.keel.engine.program.InputTable;
import dev.keel.engine.program.Program;
import dev.keel.engine.program.ProgramDefinition;
import dev.keel.engine.state.PagedArena;

import java.util.HashMap;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * Runs a program step by step: writes each table's changes to its input, steps, integrates every view's
 * delta (checking that no integrated weight goes negative) and keeps the step's consolidated deltas.
 */
final class Harness implements AutoCloseable
{
    private final Program program;
    private final Map<String, Map<List<Object>, Long>> integrated = new HashMap<>();
    private final Map<String, Map<List<Object>, Long>> deltas = new HashMap<>();
    private int steps;

    Harness(final ProgramDefinition definition)
    {
        this(Program.build(definition));
    }

    Harness(final ProgramDefinition definition, final PagedArena arena)
    {
        this(Program.build(definition, arena));
    }

    Harness(final Program program)
    {
        this.program = program;
        for (final String view : program.views().keySet())
        {
            integrated.put(view, new HashMap<>());
        }
    }

    Program program()
    {
        return program;
    }

    int steps()
    {
        return steps;
    }

    void step(final Map<String, List<Change>> inputs)
    {
        for (final Map.Entry<String, List<Change>> entry : inputs.entrySet())
        {
            final InputTable table = program.table(entry.getKey());
            final RowWriter writer = new RowWriter(table.outputSchema());
            for (final Change change : entry.getValue())
            {
                ZSets.write(writer, change.row());
                table.input().add(writer, change.weight());
            }
        }
        program.step();
        steps++;
        for (final Map.Entry<String, Operator> view : program.views().entrySet())
        {
            final Map<List<Object>, Long> delta = ZSets.consolidate(view.getValue().output());
            deltas.put(view.getKey(), delta);
            final Map<List<Object>, Long> sum = integrated.get(view.getKey());
            delta.forEach((row, weight) -> ZSets.add(sum, row, weight));
            ZSets.assertNonNegative("view " + view.getKey() + " after step " + steps, sum);
        }
        program.endStep();
    }

    void step(final String table, final List<Change> changes)
    {
        step(Map.of(table, changes));
    }

    /** The view's integrated content. */
    Map<List<Object>, Long> view(final String name)
    {
        return integrated.get(name);
    }

    /** Starts the view's integral from {@code content}: for a program restored from a checkpoint. */
    void seed(final String name, final Map<List<Object>, Long> content)
    {
        integrated.get(name).clear();
        integrated.get(name).putAll(content);
    }

    /** The view's consolidated delta of the last step. */
    Map<List<Object>, Long> delta(final String name)
    {
        return deltas.get(name);
    }

    void assertView(final String name, final Map<List<Object>, Long> expected)
    {
        assertEquals(expected, view(name), () -> "view " + name + " after step " + steps);
    }

    public void close()
    {
        program.close();
    }
}
