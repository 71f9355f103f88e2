package dev.keel.engine.program;

import dev.keel.engine.operators.Operator;

import dev.keel.engine.data.Hashing;
import dev.keel.engine.state.MetaBuffer;
import dev.keel.engine.state.PagedArena;

import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A built program: operators in evaluation order (every operator after its inputs), its input tables
 * and output views by name, and the arena holding all operator state. Owned by one circuit agent.
 */
public final class Program implements AutoCloseable
{
    private final PagedArena arena;
    private final Operator[] operators;
    private final Map<String, InputTable> tables;
    private final Map<String, Operator> views;

    Program(
        final PagedArena arena,
        final List<Operator> operators,
        final Map<String, InputTable> tables,
        final Map<String, Operator> views)
    {
        this.arena = arena;
        this.operators = operators.toArray(new Operator[0]);
        this.tables = Collections.unmodifiableMap(new LinkedHashMap<>(tables));
        this.views = Collections.unmodifiableMap(new LinkedHashMap<>(views));
    }

    /** Builds a program from a definition on a fresh arena. */
    public static Program build(final ProgramDefinition definition)
    {
        return build(definition, new PagedArena());
    }

    public static Program build(final ProgramDefinition definition, final PagedArena arena)
    {
        final ProgramBuilder builder = new ProgramBuilder(arena);
        definition.define(builder);
        return builder.build();
    }

    public PagedArena arena()
    {
        return arena;
    }

    public Map<String, InputTable> tables()
    {
        return tables;
    }

    public Map<String, Operator> views()
    {
        return views;
    }

    public InputTable table(final String name)
    {
        final InputTable table = tables.get(name);
        if (null == table)
        {
            throw new IllegalArgumentException("no input table '" + name + "', tables: " + tables.keySet());
        }
        return table;
    }

    public Operator view(final String name)
    {
        final Operator view = views.get(name);
        if (null == view)
        {
            throw new IllegalArgumentException("no view '" + name + "', views: " + views.keySet());
        }
        return view;
    }

    public List<Operator> operators()
    {
        return List.of(operators);
    }

    /** Evaluates one step: every operator in order, from the tables' inputs to the views' deltas. */
    public void step()
    {
        for (final Operator operator : operators)
        {
            operator.step();
        }
    }

    /** Clears every operator's delta once the views' deltas were handed to the outputs. */
    public void endStep()
    {
        for (final Operator operator : operators)
        {
            operator.endStep();
        }
    }

    /** Fingerprint of the whole program: operators, their parameters and schemas, views. */
    public long fingerprint()
    {
        long h = operators.length;
        for (final Operator operator : operators)
        {
            h = Hashing.combine(h, operator.fingerprint());
        }
        for (final Map.Entry<String, Operator> view : views.entrySet())
        {
            h = Hashing.combine(h, view.getKey().hashCode() * 31L + view.getValue().id());
        }
        return h;
    }

    /** Metadata of every operator, in order, for a checkpoint. */
    public void saveMeta(final MetaBuffer meta)
    {
        meta.putInt(operators.length);
        for (final Operator operator : operators)
        {
            operator.saveMeta(meta);
        }
    }

    public void loadMeta(final MetaBuffer meta)
    {
        final int count = meta.getInt();
        if (count != operators.length)
        {
            throw new IllegalStateException("checkpoint has " + count + " operators, program has " + operators.length);
        }
        for (final Operator operator : operators)
        {
            operator.loadMeta(meta);
        }
    }

    public void close()
    {
        arena.close();
    }
}
