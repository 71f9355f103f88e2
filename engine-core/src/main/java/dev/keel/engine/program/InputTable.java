package dev.keel.engine.program;

import dev.keel.engine.operators.KeyProjector;

import dev.keel.engine.operators.Operator;

import dev.keel.engine.KeelException;
import dev.keel.engine.data.RowView;
import dev.keel.engine.data.Schema;
import dev.keel.engine.data.ZSetBatch;
import dev.keel.engine.state.MetaBuffer;
import dev.keel.engine.state.OffHeapHashMap;
import dev.keel.engine.state.PagedArena;

/**
 * An input table: the circuit fills {@link #input()} with what its endpoints delivered in the step,
 * and {@link #step()} turns that into the table's change:
 * <ul>
 * <li>{@link Kind#APPEND_ONLY}: inserts only; a retraction is an error naming the table;</li>
 * <li>{@link Kind#ZSET}: any weights pass through;</li>
 * <li>{@link Kind#KEYED}: a primary key; an insert replaces the row with the same key (emitting the
 * old row's retraction), a delete removes the row with the record's key (only the key columns of a
 * delete matter); a delete of an absent key is ignored and counted.</li>
 * </ul>
 */
public final class InputTable extends Operator
{
    /** How the table treats the records it receives. */
    public enum Kind
    {
        APPEND_ONLY, ZSET, KEYED
    }

    private static final int ROW_ADDRESS = 0;
    private static final int ROW_LENGTH = 8;

    private final Kind kind;
    private final ZSetBatch input;
    private final ZSetBatch.Cursor cursor;
    private final ZSetBatch.Cursor outputCursor;
    private final KeyProjector key;
    private final OffHeapHashMap rows;
    private final PagedArena arena;
    private final RowView stored;
    private long ignoredDeletes;
    private boolean declaredMaterialized;
    private OffHeapHashMap contents;

    InputTable(final String name, final Schema schema, final Kind kind, final String[] primaryKey, final PagedArena arena)
    {
        super(name, schema);
        this.kind = kind;
        this.arena = arena;
        this.input = new ZSetBatch(schema);
        this.cursor = input.cursor();
        this.outputCursor = output().cursor();
        this.stored = new RowView(schema);
        if (kind == Kind.KEYED)
        {
            if (primaryKey.length == 0)
            {
                throw new KeelException(KeelException.Category.PROGRAM, "PROGRAM_NO_KEY",
                    "keyed table '" + name + "' needs at least one primary key column");
            }
            this.key = KeyProjector.of(schema, primaryKey);
            this.rows = new OffHeapHashMap(arena, 16, 1024);
        }
        else
        {
            this.key = null;
            this.rows = null;
        }
    }

    /**
     * Declares the table materialized (Feldera's {@code 'materialized' = 'true'}): with fault tolerance on, an
     * append-only or Z-set table then keeps its contents (each distinct row with its weight) in operator state, so
     * that a bootstrap after a program change can recompute new and modified views from it. This costs state and
     * checkpoint bytes proportional to the input and a hash-map update per input row, so it is off by default; a
     * keyed table always keeps its rows (it needs them to upsert) and is unaffected. Adding or removing the
     * declaration changes the table's fingerprint: a restart counts the table as modified. Called while the program
     * is defined ({@link Stream#materialized()}).
     */
    void declareMaterialized()
    {
        if (kind != Kind.KEYED)
        {
            declaredMaterialized = true;
        }
    }

    /** True if the table was declared materialized ({@link #declareMaterialized()}), or is keyed. */
    public boolean declaredMaterialized()
    {
        return declaredMaterialized || kind == Kind.KEYED;
    }

    /**
     * Keeps the table's contents (its integrated Z-set) in the arena from now on, if it was declared materialized
     * ({@link #declareMaterialized()}; a keyed table always keeps its rows): called for every table when fault
     * tolerance is on. Before the first step and before a checkpoint is restored (the state layout changes).
     */
    public void materialize()
    {
        if (declaredMaterialized && null == rows && null == contents)
        {
            contents = new OffHeapHashMap(arena, 8, 1024);
        }
    }

    /** True if the table's contents are kept (see {@link #materialize()}). */
    public boolean isMaterialized()
    {
        return null != rows || null != contents;
    }

    /** Distinct rows held in the table's contents (keyed: its rows), 0 if not materialized. */
    public int storedRowCount()
    {
        return null != rows ? rows.size() : null != contents ? contents.size() : 0;
    }

    /**
     * Puts the table's whole contents into {@link #output()} as if inserted in this step, without changing them:
     * the input of a bootstrap's recompute step.
     *
     * @throws IllegalStateException if the table is not materialized.
     */
    public void emitContents()
    {
        final OffHeapHashMap map = null != rows ? rows : contents;
        if (null == map)
        {
            throw new IllegalStateException("table '" + name() + "' does not keep its contents");
        }
        final ZSetBatch output = output();
        final long capacity = map.capacity();
        for (long slot = 0; slot < capacity; slot++)
        {
            final long record = map.recordAt(slot);
            if (record == 0)
            {
                continue;
            }
            final long value = OffHeapHashMap.valueAddress(record);
            if (null != rows)
            {
                final long address = arena.getLong(value + ROW_ADDRESS);
                output.add(stored.wrap(arena.pageOf(address), PagedArena.offset(address),
                    arena.getInt(value + ROW_LENGTH)), 1);
            }
            else
            {
                final long key = map.keyAddress(record);
                output.add(stored.wrap(arena.pageOf(key), PagedArena.offset(key), map.keyLength(record)),
                    arena.getLong(value));
            }
        }
    }

    public Kind tableKind()
    {
        return kind;
    }

    /** Where the circuit puts this step's records. */
    public ZSetBatch input()
    {
        return input;
    }

    /** Deletes of keys that were not in a keyed table. */
    public long ignoredDeletes()
    {
        return ignoredDeletes;
    }

    public String kind()
    {
        return "table";
    }

    /** An append-only table rejects retractions, so its output only ever inserts. */
    public boolean appendOnly()
    {
        return kind == Kind.APPEND_ONLY;
    }

    protected long fingerprintParameters(final long h)
    {
        // a declared materialization changes the state layout: mixed in only when declared, so that the tables of
        // checkpoints written before declarations existed (when every table kept its contents) keep their lineage
        final long k = dev.keel.engine.data.Hashing.combine(h, kind.ordinal());
        return declaredMaterialized ? dev.keel.engine.data.Hashing.combine(k, 0x6d61746cL) : k;
    }

    public void step()
    {
        final ZSetBatch output = output();
        switch (kind)
        {
            case ZSET:
                output.addAll(input, 1);
                break;
            case APPEND_ONLY:
                cursor.reset();
                while (cursor.next())
                {
                    if (cursor.weight() < 0)
                    {
                        throw new KeelException(KeelException.Category.CONNECTOR, "INPUT_RETRACTION_APPEND_ONLY",
                            "table '" + name() + "' is append-only but received a delete of " + cursor.row());
                    }
                    output.add(cursor.row(), cursor.weight());
                }
                break;
            default:
                upsert(output);
        }
        input.clear();
        if (null != contents)
        {
            integrate(output);
        }
    }

    private void integrate(final ZSetBatch output)
    {
        final ZSetBatch.Cursor delta = outputCursor;
        delta.reset();
        while (delta.next())
        {
            final RowView row = delta.row();
            final long hash = row.hash();
            final long record = contents.findOrInsert(row.buffer(), row.offset(), row.length(), hash);
            final long value = OffHeapHashMap.valueAddress(record);
            final long weight = (contents.wasInserted() ? 0 : arena.getLong(value)) + delta.weight();
            if (weight == 0)
            {
                contents.remove(record, hash);
            }
            else
            {
                arena.putLong(value, weight);
            }
        }
    }

    private void upsert(final ZSetBatch output)
    {
        cursor.reset();
        while (cursor.next())
        {
            final RowView row = cursor.row();
            final long weight = cursor.weight();
            key.project(row);
            if (weight > 0)
            {
                final long record = rows.findOrInsert(key.buffer(), 0, key.length(), key.hash());
                final long value = OffHeapHashMap.valueAddress(record);
                if (!rows.wasInserted())
                {
                    final long oldAddress = arena.getLong(value + ROW_ADDRESS);
                    final int oldLength = arena.getInt(value + ROW_LENGTH);
                    if (oldLength == row.length() &&
                        arena.bytesEqual(oldAddress, row.buffer(), row.offset(), row.length()))
                    {
                        continue;
                    }
                    output.add(stored.wrap(arena.pageOf(oldAddress), PagedArena.offset(oldAddress), oldLength), -1);
                    arena.free(oldAddress, oldLength);
                }
                final long rowAddress = arena.allocate(row.length());
                arena.putBytes(rowAddress, row.buffer(), row.offset(), row.length());
                arena.putLong(value + ROW_ADDRESS, rowAddress);
                arena.putInt(value + ROW_LENGTH, row.length());
                output.add(row, 1);
            }
            else if (weight < 0)
            {
                final long record = rows.find(key.buffer(), 0, key.length(), key.hash());
                if (record == 0)
                {
                    ignoredDeletes++;
                    continue;
                }
                final long value = OffHeapHashMap.valueAddress(record);
                final long oldAddress = arena.getLong(value + ROW_ADDRESS);
                final int oldLength = arena.getInt(value + ROW_LENGTH);
                output.add(stored.wrap(arena.pageOf(oldAddress), PagedArena.offset(oldAddress), oldLength), -1);
                arena.free(oldAddress, oldLength);
                rows.remove(record, key.hash());
            }
        }
    }

    public void saveMeta(final MetaBuffer meta)
    {
        meta.putLong(ignoredDeletes);
        if (null != rows)
        {
            rows.saveMeta(meta);
        }
        if (null != contents)
        {
            contents.saveMeta(meta);
        }
    }

    public void loadMeta(final MetaBuffer meta)
    {
        ignoredDeletes = meta.getLong();
        if (null != rows)
        {
            rows.loadMeta(meta);
        }
        if (null != contents)
        {
            contents.loadMeta(meta);
        }
    }

    /**
     * After {@link #loadMeta}, for a checkpoint of a Keel version that kept every table's contents: this table does
     * not keep them, so they are dropped (their pages stay unused in the arena until the storage is started afresh).
     *
     * @param meta this table's own metadata, with bytes left after {@link #loadMeta}.
     */
    void dropSavedContents(final MetaBuffer meta)
    {
        if (null == rows && null == contents && meta.remaining() > 0)
        {
            OffHeapHashMap.skipMeta(meta);
        }
    }

    public boolean shardable()
    {
        return true;
    }

    /**
     * The primary key columns of a keyed table (its {@link #input()} is sharded by them across workers, so each
     * worker holds the rows of its keys); null for the other kinds (any partition of the input will do).
     */
    public int[] primaryKeyColumns()
    {
        return null == key ? null : key.columns();
    }
}
