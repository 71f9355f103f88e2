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
    private final ProgramDefinition definition;
    private final MetaBuffer operatorMeta = new MetaBuffer();
    private boolean[] recompute;
    private boolean[] contents;

    Program(
        final PagedArena arena,
        final List<Operator> operators,
        final Map<String, InputTable> tables,
        final Map<String, Operator> views,
        final ProgramDefinition definition)
    {
        this.arena = arena;
        this.operators = operators.toArray(new Operator[0]);
        this.tables = Collections.unmodifiableMap(new LinkedHashMap<>(tables));
        this.views = Collections.unmodifiableMap(new LinkedHashMap<>(views));
        this.definition = definition;
        long prefix = this.operators.length;
        for (final Operator operator : this.operators)
        {
            long h = operator.fingerprint();
            final Operator[] inputs = operator.inputs();
            if (null == inputs)
            {
                h = Hashing.combine(h, prefix);
            }
            else
            {
                for (final Operator input : inputs)
                {
                    h = Hashing.combine(h, input.lineageFingerprint());
                }
            }
            operator.assignLineageFingerprint(h);
            prefix = Hashing.combine(prefix, h);
        }
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
        return builder.build(definition);
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

    /**
     * Evaluates one step: every operator in order, from the tables' inputs to the views' deltas. While a
     * bootstrap's recompute is pending ({@link #restoreChanged}), the operators to recompute are skipped: their
     * state stays fresh until {@link #recompute()}.
     */
    public void step()
    {
        final boolean[] skip = recompute;
        for (int i = 0; i < operators.length; i++)
        {
            if (null == skip || !skip[i])
            {
                operators[i].step();
            }
        }
    }

    /**
     * Keeps the contents of every input table declared materialized (see {@link InputTable#materialize()}), as fault
     * tolerance does: before any step or restore.
     */
    public void materializeTables()
    {
        for (final InputTable table : tables.values())
        {
            table.materialize();
        }
    }

    /** True while a bootstrap's recompute step is pending. */
    public boolean hasPendingRecompute()
    {
        return null != recompute;
    }

    /**
     * The recompute step of a bootstrap: every input table's contents are fed, as inserts, to the operators to
     * recompute (which hold fresh state), so that they and their views catch up in one step. Operators that kept
     * their state do not run; where a recomputed operator or an added view reads one, its whole contents come
     * from a scratch build of the program (on its own arena, closed at the end of this call). Afterwards every operator runs in every step again. Views not in
     * {@code emittedViews} (recomputed only because they share operators with a changed one) emit nothing: their
     * consumers have their contents already. Call {@link #endStep()} after the views' deltas were taken.
     *
     * @param emittedViews the added and modified views, which emit their whole contents.
     * @return the number of rows the emitted views carry.
     */
    public long recompute(final java.util.Set<String> emittedViews)
    {
        final boolean[] run = recompute;
        if (null == run)
        {
            throw new IllegalStateException("no recompute pending");
        }
        for (final InputTable table : tables.values())
        {
            // a table that keeps no contents is not read by what is recomputed (ProgramChange#missingContents), or
            // was added or modified and so is empty
            if (table.isMaterialized())
            {
                table.emitContents();
            }
        }
        boolean scratchNeeded = false;
        for (int i = 0; i < operators.length; i++)
        {
            scratchNeeded |= contents[i] && !run[i] && !(operators[i] instanceof InputTable);
        }
        if (scratchNeeded)
        {
            // the whole contents of unchanged operators that recomputed ones (or added views) read, without
            // touching their state: a scratch build of the program over the tables' contents, dropped afterwards
            try (Program scratch = build(definition, new PagedArena()))
            {
                for (final Map.Entry<String, InputTable> table : tables.entrySet())
                {
                    scratch.table(table.getKey()).input().addAll(table.getValue().output(), 1);
                }
                for (int i = 0; i < operators.length; i++)
                {
                    if (contents[i] || scratch.operators[i] instanceof InputTable)
                    {
                        scratch.operators[i].step();
                    }
                }
                for (int i = 0; i < operators.length; i++)
                {
                    if (contents[i] && !run[i] && !(operators[i] instanceof InputTable))
                    {
                        operators[i].output().addAll(scratch.operators[i].output(), 1);
                    }
                }
            }
        }
        for (int i = 0; i < operators.length; i++)
        {
            if (run[i])
            {
                operators[i].step();
            }
        }
        recompute = null;
        contents = null;
        final java.util.Set<Operator> emitted = new java.util.HashSet<>();
        long rows = 0;
        for (final String view : emittedViews)
        {
            if (emitted.add(view(view)))
            {
                rows += view(view).output().size();
            }
        }
        for (final Operator view : views.values())
        {
            if (!emitted.contains(view))
            {
                view.output().clear();
            }
        }
        return rows;
    }

    /**
     * Restores a checkpoint of another version of this program (after its pages were restored into
     * {@link #arena()}): operators the change keeps get their saved metadata, the ones to recompute get fresh
     * state (a second build of the definition over the same arena) and are skipped by {@link #step()} until
     * {@link #recompute()}.
     *
     * @param change the comparison of the checkpoint's program with this one.
     */
    public void restoreChanged(final ProgramChange change)
    {
        final Program fresh = build(definition, arena);
        for (final Map.Entry<String, InputTable> table : tables.entrySet())
        {
            if (table.getValue().isMaterialized())
            {
                // an added or modified table starts empty, with its contents kept as the others'
                fresh.table(table.getKey()).materialize();
            }
        }
        final boolean[] run = change.recomputeMask();
        final byte[][] saved = change.keptMeta();
        for (int i = 0; i < operators.length; i++)
        {
            if (run[i] || null == saved[i])
            {
                operatorMeta.reset();
                fresh.operators[i].saveMeta(operatorMeta);
                operators[i].loadMeta(new MetaBuffer(operatorMeta.toByteArray()));
            }
            else
            {
                loadOperatorMeta(operators[i], saved[i]);
            }
        }
        recompute = run.clone();
        contents = change.contentsMask().clone();
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

    /**
     * Metadata of every operator, in order, for a checkpoint: in the {@link ProgramShape} layout (each operator's
     * name, kind, lineage fingerprint and metadata, then the views), so that a later version of the program can
     * tell which operators it shares with this one.
     */
    public void saveMeta(final MetaBuffer meta)
    {
        meta.putInt(ProgramShape.MAGIC);
        meta.putInt(operators.length);
        for (final Operator operator : operators)
        {
            operatorMeta.reset();
            operator.saveMeta(operatorMeta);
            meta.putString(operator.name()).putString(operator.kind()).putLong(operator.lineageFingerprint());
            meta.putByteArray(operatorMeta.toByteArray());
        }
        meta.putInt(views.size());
        for (final Map.Entry<String, Operator> view : views.entrySet())
        {
            meta.putString(view.getKey()).putLong(view.getValue().lineageFingerprint());
        }
    }

    /**
     * Loads the metadata of a checkpoint of this same program (same fingerprint): see {@link #saveMeta}; a
     * checkpoint written before per-operator metadata (no {@link ProgramShape#MAGIC}) is read in the old layout.
     */
    public void loadMeta(final MetaBuffer meta)
    {
        final int first = meta.getInt();
        if (first != ProgramShape.MAGIC)
        {
            for (final InputTable table : tables.values())
            {
                if (table.isMaterialized() && table.tableKind() != InputTable.Kind.KEYED)
                {
                    throw new dev.keel.engine.KeelException(dev.keel.engine.KeelException.Category.RECOVERY,
                        "CHECKPOINT_FORMAT_OLD", "the checkpoint predates the input tables' kept contents (table '" +
                        table.name() + "' has none in it), which this version keeps with fault tolerance on; " +
                        "restore it with the Keel version that wrote it, or remove the storage directory to start " +
                        "afresh");
                }
            }
            if (first != operators.length)
            {
                throw new IllegalStateException(
                    "checkpoint has " + first + " operators, program has " + operators.length);
            }
            for (final Operator operator : operators)
            {
                operator.loadMeta(meta);
            }
            return;
        }
        final int count = meta.getInt();
        if (count != operators.length)
        {
            throw new IllegalStateException("checkpoint has " + count + " operators, program has " + operators.length);
        }
        for (final Operator operator : operators)
        {
            meta.getString();
            meta.getString();
            meta.getLong();
            loadOperatorMeta(operator, meta.getByteArray());
        }
    }

    private static void loadOperatorMeta(final Operator operator, final byte[] saved)
    {
        final MetaBuffer meta = new MetaBuffer(saved);
        operator.loadMeta(meta);
        if (operator instanceof InputTable)
        {
            ((InputTable)operator).dropSavedContents(meta);
        }
        if (meta.remaining() != 0)
        {
            throw new IllegalStateException("operator '" + operator.name() + "' left " + meta.remaining() +
                " bytes of its checkpoint metadata unread");
        }
    }

    public void close()
    {
        arena.close();
    }
}
