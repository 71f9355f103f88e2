package dev.keel.engine.program;

import dev.keel.engine.operators.Operator;

import dev.keel.engine.KeelException;
import dev.keel.engine.data.Schema;
import dev.keel.engine.state.PagedArena;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Builds a {@link Program}: declare input tables, transform their {@link Stream}s with operators,
 * and name the streams that are output views.
 */
public final class ProgramBuilder
{
    private final PagedArena arena;
    private final List<Operator> operators = new ArrayList<>();
    private final Map<String, InputTable> tables = new LinkedHashMap<>();
    private final Map<String, Operator> views = new LinkedHashMap<>();
    private boolean built;

    ProgramBuilder(final PagedArena arena)
    {
        this.arena = arena;
    }

    /** The arena where operators keep their state. */
    public PagedArena arena()
    {
        return arena;
    }

    /** An append-only input table: inserts only. */
    public Stream table(final String name, final Schema schema)
    {
        return addTable(name, schema, InputTable.Kind.APPEND_ONLY, new String[0]);
    }

    /** An input table that accepts inserts and deletes of whole rows (a Z-set). */
    public Stream zsetTable(final String name, final Schema schema)
    {
        return addTable(name, schema, InputTable.Kind.ZSET, new String[0]);
    }

    /** A keyed input table: inserts upsert by primary key, deletes remove by key. */
    public Stream keyedTable(final String name, final Schema schema, final String... primaryKey)
    {
        return addTable(name, schema, InputTable.Kind.KEYED, primaryKey);
    }

    /**
     * Declares input tables materialized (Feldera's {@code 'materialized' = 'true'}; also {@link Stream#materialized()}):
     * with fault tolerance on they keep their contents, so that a bootstrap after a program change can recompute
     * the views that read them. Off by default: it costs state, checkpoint bytes and a hash-map update per input
     * row; keyed tables always keep their rows. See {@link InputTable#declareMaterialized()}.
     *
     * @param names tables of this program.
     * @return this.
     * @throws KeelException naming a table this program does not have.
     */
    public ProgramBuilder materialize(final String... names)
    {
        for (final String name : names)
        {
            final InputTable table = tables.get(name);
            if (null == table)
            {
                throw new KeelException(KeelException.Category.PROGRAM, "PROGRAM_NOT_A_TABLE",
                    "'" + name + "' is not an input table of this program (tables: " + tables.keySet() +
                    "): only tables are materialized");
            }
            table.declareMaterialized();
        }
        return this;
    }

    /** Publishes a stream as an output view. */
    public ProgramBuilder view(final String name, final Stream stream)
    {
        checkName(name);
        if (views.containsKey(name) || tables.containsKey(name))
        {
            throw new KeelException(KeelException.Category.PROGRAM, "PROGRAM_DUPLICATE_NAME",
                "a table or view named '" + name + "' already exists");
        }
        views.put(name, stream.operator());
        return this;
    }

    /**
     * Adds an operator (its inputs must already be part of this program) and returns its stream. Without its
     * inputs declared ({@link #add(Operator, Operator...)}), a bootstrap after a program change treats it as
     * depending on every operator added before it.
     */
    public Stream add(final Operator operator)
    {
        return add(operator, (Operator[])null);
    }

    /**
     * Adds an operator that reads {@code inputs} (already part of this program) and returns its stream.
     *
     * @param operator the operator.
     * @param inputs   the operators it reads, for the per-operator fingerprints of a bootstrap.
     * @return its stream.
     */
    public Stream add(final Operator operator, final Operator... inputs)
    {
        if (built)
        {
            throw new IllegalStateException("program already built");
        }
        if (null != inputs)
        {
            for (final Operator input : inputs)
            {
                if (input.id() < 0 || input.id() >= operators.size() || operators.get(input.id()) != input)
                {
                    throw new KeelException(KeelException.Category.PROGRAM, "PROGRAM_FOREIGN_STREAM",
                        "'" + operator.name() + "': input '" + input.name() + "' is not part of this program");
                }
            }
            operator.assignInputs(inputs);
        }
        operator.assignId(operators.size());
        operators.add(operator);
        return new Stream(this, operator);
    }

    Program build(final ProgramDefinition definition)
    {
        if (views.isEmpty())
        {
            throw new KeelException(KeelException.Category.PROGRAM, "PROGRAM_NO_VIEW",
                "a program needs at least one view");
        }
        built = true;
        return new Program(arena, operators, tables, views, definition);
    }

    private Stream addTable(final String name, final Schema schema, final InputTable.Kind kind, final String[] key)
    {
        checkName(name);
        if (tables.containsKey(name) || views.containsKey(name))
        {
            throw new KeelException(KeelException.Category.PROGRAM, "PROGRAM_DUPLICATE_NAME",
                "a table or view named '" + name + "' already exists");
        }
        final InputTable table = new InputTable(name, schema, kind, key, arena);
        tables.put(name, table);
        return add(table, new Operator[0]);
    }

    private static void checkName(final String name)
    {
        if (null == name || !name.matches("[A-Za-z_][A-Za-z0-9_]*"))
        {
            throw new KeelException(KeelException.Category.PROGRAM, "PROGRAM_BAD_NAME",
                "table and view names are identifiers ([A-Za-z_][A-Za-z0-9_]*), got '" + name + "'");
        }
    }
}
