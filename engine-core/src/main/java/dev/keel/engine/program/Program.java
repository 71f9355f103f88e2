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
 * and output views by name, and the arena holding all operator state. Owned by one circuit agent. Built for
 * several circuit workers ({@link #build(ProgramDefinition, PagedArena[], String, java.util.function.IntConsumer)}),
 * this is worker 0's program: {@link #step()} runs every worker's (see {@link Workers}), {@link #endStep()},
 * {@link #saveMeta}, {@link #loadMeta} and {@link #close()} cover all of them, and {@link #arena()} is lane 0 of
 * their arena group, through which the whole group is checkpointed and restored.
 */
public final class Program implements AutoCloseable
{
    private final PagedArena arena;
    private final Operator[] operators;
    private final Map<String, InputTable> tables;
    private final Map<String, Operator> views;
    private final ProgramDefinition definition;
    private final MetaBuffer operatorMeta = new MetaBuffer();
    private long fingerprint;
    private byte[][] operatorHeaders;
    private byte[] viewsTrailer;
    private boolean[] recompute;
    private boolean[] contents;
    /** The circuit workers when this is worker 0's program of {@code workers} > 1; null with one worker. */
    private Workers workers;

    /** First int of the metadata of a program run by several workers (then one {@link #saveMeta} per worker). */
    static final int WORKERS_MAGIC = 0x574B5253;

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

    /**
     * Builds a program for {@code lanes.length} circuit workers: one program per worker, worker {@code w}'s over
     * arena lane {@code w} (see {@link Workers}); with one lane, a plain program. The returned program is worker
     * 0's: the circuit binds endpoints to its tables and views, and its {@link #step()} runs all workers.
     *
     * @param definition the program.
     * @param lanes      {@link PagedArena#lanes} of as many lanes as workers.
     * @param name       pipeline name, for the worker threads' names.
     * @param pinner     called on each worker thread 1..N-1 with its index when it starts (CPU pinning), or null.
     * @return worker 0's program.
     * @throws dev.keel.engine.KeelException naming {@code $.workers} if the program cannot run sharded.
     */
    public static Program build(
        final ProgramDefinition definition,
        final PagedArena[] lanes,
        final String name,
        final java.util.function.IntConsumer pinner)
    {
        final Program lead = build(definition, lanes[0]);
        if (lanes.length == 1)
        {
            return lead;
        }
        final Program[] programs = new Program[lanes.length];
        programs[0] = lead;
        try
        {
            for (int w = 1; w < lanes.length; w++)
            {
                programs[w] = build(definition, lanes[w]);
            }
            lead.workers = new Workers(programs, name, pinner);
        }
        catch (final RuntimeException ex)
        {
            lead.close();
            throw ex;
        }
        return lead;
    }

    /** Number of circuit workers running this program (1 unless built for several). */
    public int workerCount()
    {
        return null == workers ? 1 : workers.count();
    }

    /** The program of worker {@code w} (0 is this one). */
    public Program worker(final int w)
    {
        return null == workers ? (w == 0 ? this : null) : workers.program(w);
    }

    Operator[] operatorArray()
    {
        return operators;
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
        if (null != workers)
        {
            workers.step();
            return;
        }
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
        for (int w = 1; w < workerCount(); w++)
        {
            worker(w).materializeTables();
        }
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
        refuseWorkers("recompute views after a program change");
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
        refuseWorkers("restore a checkpoint of a changed program (bootstrap)");
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
        for (int w = 1; w < workerCount(); w++)
        {
            worker(w).endStep();
        }
        for (final Operator operator : operators)
        {
            operator.endStep();
        }
    }

    /** Fingerprint of the whole program: operators, their parameters and schemas, views. */
    public long fingerprint()
    {
        long cached = fingerprint;
        if (0 == cached)
        {
            // the operators and views never change once built: one computation (it walks every schema)
            cached = computeFingerprint();
            fingerprint = cached;
        }
        return cached;
    }

    private long computeFingerprint()
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
        if (null != workers)
        {
            meta.putInt(WORKERS_MAGIC).putInt(workers.count());
            for (int w = 0; w < workers.count(); w++)
            {
                final MetaBuffer workerMeta = new MetaBuffer();
                workers.program(w).saveOwnMeta(workerMeta);
                meta.putByteArray(workerMeta.toByteArray());
            }
            return;
        }
        saveOwnMeta(meta);
    }

    private void saveOwnMeta(final MetaBuffer meta)
    {
        if (null == operatorHeaders)
        {
            encodeShape();
        }
        meta.putInt(ProgramShape.MAGIC);
        meta.putInt(operators.length);
        for (int i = 0; i < operators.length; i++)
        {
            operatorMeta.reset();
            operators[i].saveMeta(operatorMeta);
            meta.putBytes(operatorHeaders[i]).putMeta(operatorMeta);
        }
        meta.putBytes(viewsTrailer);
    }

    /**
     * Encodes what {@link #saveOwnMeta} writes that never changes (each operator's name, kind and lineage
     * fingerprint, the views), once: a checkpoint's freeze runs too rarely for its code to be compiled, and
     * encoding the strings again each time was most of the program's share of the stall.
     */
    private void encodeShape()
    {
        final byte[][] headers = new byte[operators.length][];
        final MetaBuffer buffer = new MetaBuffer();
        for (int i = 0; i < operators.length; i++)
        {
            final Operator operator = operators[i];
            buffer.reset().putString(operator.name()).putString(operator.kind()).putLong(operator.lineageFingerprint());
            headers[i] = buffer.toByteArray();
        }
        buffer.reset().putInt(views.size());
        for (final Map.Entry<String, Operator> view : views.entrySet())
        {
            buffer.putString(view.getKey()).putLong(view.getValue().lineageFingerprint());
        }
        viewsTrailer = buffer.toByteArray();
        operatorHeaders = headers;
    }

    /**
     * Loads the metadata of a checkpoint of this same program (same fingerprint): see {@link #saveMeta}; a
     * checkpoint written before per-operator metadata (no {@link ProgramShape#MAGIC}) is read in the old layout.
     */
    public void loadMeta(final MetaBuffer meta)
    {
        final int stored = workersOf(meta);
        if (stored != workerCount())
        {
            throw workersChanged(stored, workerCount());
        }
        if (null != workers)
        {
            meta.getInt();
            meta.getInt();
            for (int w = 0; w < workers.count(); w++)
            {
                workers.program(w).loadOwnMeta(new MetaBuffer(meta.getByteArray()));
            }
            return;
        }
        loadOwnMeta(meta);
    }

    /** Number of workers whose metadata {@code meta} holds (1 unless written by several); does not consume it. */
    static int workersOf(final MetaBuffer meta)
    {
        if (meta.remaining() < 8 || meta.peekInt(0) != WORKERS_MAGIC)
        {
            return 1;
        }
        return meta.peekInt(1);
    }

    static dev.keel.engine.KeelException workersChanged(final int stored, final int configured)
    {
        return new dev.keel.engine.KeelException(dev.keel.engine.KeelException.Category.CONFIG,
            "CONFIG_WORKERS_CHANGED", "the checkpoint holds the state of " + stored + " circuit worker(s) (stored " +
            "$.workers = " + stored + ") but the pipeline runs " + configured + " ($.workers = " + configured +
            "); set \"workers\": " + stored + " in the pipeline config to restore it (state is sharded by worker " +
            "and is not re-sharded), or remove the storage directory to start afresh");
    }

    private void refuseWorkers(final String what)
    {
        if (null != workers)
        {
            throw new dev.keel.engine.KeelException(dev.keel.engine.KeelException.Category.CONFIG,
                "CONFIG_WORKERS_UNSUPPORTED", "$.workers = " + workers.count() + ": cannot " + what + " with " +
                "more than one worker; run it once with \"workers\": 1, or remove the storage directory");
        }
    }

    private void loadOwnMeta(final MetaBuffer meta)
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

    /** Stops the workers (if any) and releases the state of every worker. */
    public void close()
    {
        if (null != workers)
        {
            workers.close();
            for (int w = 1; w < workers.count(); w++)
            {
                workers.program(w).arena.close();
            }
        }
        arena.close();
    }
}
