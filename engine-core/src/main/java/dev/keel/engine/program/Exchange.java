package dev.keel.engine.program;

import dev.keel.engine.data.Schema;
import dev.keel.engine.data.ZSetBatch;
import dev.keel.engine.operators.KeyProjector;

/**
 * Re-shards one batch across the circuit workers, in place: each worker's copy of the batch (the same operator
 * output, or input table input, in each worker's program) is split by {@link #partition(int)} into one part per
 * destination worker, and after a barrier {@link #gather(int)} replaces each worker's copy by the union of the
 * parts addressed to it. The union over the workers is unchanged, so any consumer that does not care about the
 * partition still sees the whole delta; a stateful consumer sees all rows of its keys.
 * <p>
 * Parts are preallocated per (source, destination) pair and reused: they grow to the largest step and then no
 * longer allocate. Worker {@code w} writes only {@code parts[w][*]} and, after the barrier, reads only
 * {@code parts[*][w]}.
 */
final class Exchange
{
    /** Rows go to the worker of their key's hash. */
    static final int BY_KEY = 0;
    /** Every row goes to worker 0 (a global group). */
    static final int TO_FIRST = 1;
    /**
     * Worker 0's rows are spread by position (no key needed: the input of a table without a primary key, which
     * the circuit puts into worker 0's table): each other worker copies its range of them in one block, worker 0
     * keeps the first range in place; rows already on other workers stay there.
     */
    static final int SPREAD = 2;

    private final int mode;
    private final ZSetBatch[] batches;
    private final KeyProjector[] keys;
    private final ZSetBatch.Cursor[] cursors;
    private final ZSetBatch[][] parts;
    private final int workers;

    /**
     * @param batches one per worker, the batch to re-shard.
     * @param schema  the batches' schema.
     * @param mode    {@link #BY_KEY}, {@link #TO_FIRST} or {@link #SPREAD}.
     * @param columns the key columns for {@link #BY_KEY}.
     */
    Exchange(final ZSetBatch[] batches, final Schema schema, final int mode, final int[] columns)
    {
        this.mode = mode;
        this.batches = batches.clone();
        this.workers = batches.length;
        this.keys = new KeyProjector[workers];
        this.cursors = new ZSetBatch.Cursor[workers];
        this.parts = new ZSetBatch[workers][workers];
        for (int src = 0; src < workers; src++)
        {
            keys[src] = mode == BY_KEY ? new KeyProjector(schema, columns) : null;
            cursors[src] = batches[src].cursor();
            for (int dst = 0; dst < workers; dst++)
            {
                parts[src][dst] = mode == SPREAD ? null : new ZSetBatch(schema);
            }
        }
    }

    /**
     * The worker of a key hash: multiply-shift over a remixed hash, so that the low bits that the workers' hash
     * tables index by stay uniformly spread within each worker.
     */
    static int workerOf(final long hash, final int workers)
    {
        final long mixed = (hash ^ (hash >>> 29)) * 0x9E3779B97F4A7C15L;
        return (int)(((mixed >>> 32) * workers) >>> 32);
    }

    /** Splits worker {@code src}'s batch into its parts; on worker {@code src}'s thread. */
    void partition(final int src)
    {
        if (mode == SPREAD)
        {
            if (src > 0)
            {
                final int size = batches[0].size();
                batches[src].addRange(batches[0], rangeStart(src, size), rangeStart(src + 1, size));
            }
            return;
        }
        final ZSetBatch[] out = parts[src];
        for (final ZSetBatch part : out)
        {
            part.clear();
        }
        final ZSetBatch batch = batches[src];
        if (mode == TO_FIRST)
        {
            out[0].addAll(batch, 1);
            return;
        }
        final ZSetBatch.Cursor cursor = cursors[src].reset();
        final KeyProjector key = keys[src];
        while (cursor.next())
        {
            out[workerOf(key.project(cursor.row()).hash(), workers)].add(cursor.row(), cursor.weight());
        }
    }

    private int rangeStart(final int worker, final int size)
    {
        return (int)((long)size * worker / workers);
    }

    /** Replaces worker {@code dst}'s batch by the parts addressed to it; after every partition, on its thread. */
    void gather(final int dst)
    {
        if (mode == SPREAD)
        {
            if (dst == 0)
            {
                // every other worker has copied its range (before the barrier): keep the first one
                batches[0].truncate(rangeStart(1, batches[0].size()));
            }
            return;
        }
        final ZSetBatch batch = batches[dst];
        batch.clear();
        for (int src = 0; src < workers; src++)
        {
            batch.addAll(parts[src][dst], 1);
        }
    }
}
