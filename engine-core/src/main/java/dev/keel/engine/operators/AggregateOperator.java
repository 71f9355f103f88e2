package dev.keel.engine.operators;

import dev.keel.engine.KeelException;
import dev.keel.engine.data.Schema;
import dev.keel.engine.data.ZSetBatch;
import dev.keel.engine.state.MetaBuffer;
import dev.keel.engine.state.PagedArena;
import org.agrona.ExpandableDirectByteBuffer;

/**
 * Grouped aggregation (SQL GROUP BY): output rows are the group columns followed by one column per
 * {@link Agg}. Each step emits, for every group the step touched, the retraction of its previous row (if
 * it had one) and its new row (if the group is not empty), and nothing when the row did not change. With
 * no group columns there is one global group, which like any group has no row while it is empty.
 * <p>
 * min/max keep a multiset of values per group unless the input is {@link Operator#appendOnly()
 * append-only}, in which case only the running extreme is kept.
 */
public final class AggregateOperator extends Operator
{
    private final Operator input;
    private final ZSetBatch.Cursor cursor;
    private final KeyProjector key;
    private final String[] groupBy;
    private final Agg[] aggs;
    private final AggregateState state;
    private final boolean appendOnly;
    private static final int CHUNK = AggregateState.PREFETCH_CHUNK;
    private final ZSetBatch.Cursor lead;
    private final ExpandableDirectByteBuffer chunkKeys = new ExpandableDirectByteBuffer(CHUNK * 32);
    private final long[] chunkHashes = new long[CHUNK];
    private final int[] chunkKeyOffsets = new int[CHUNK + 1];

    public AggregateOperator(
        final String name, final Operator input, final String[] groupBy, final Agg[] aggs, final PagedArena arena)
    {
        super(name, outputSchema(name, input.outputSchema(), groupBy, aggs));
        this.input = input;
        this.cursor = input.output().cursor();
        this.lead = input.output().cursor();
        this.key = KeyProjector.of(input.outputSchema(), groupBy);
        this.groupBy = groupBy.clone();
        this.aggs = aggs.clone();
        this.appendOnly = input.appendOnly();
        this.state = new AggregateState(
            arena, input.outputSchema(), key.keySchema(), outputSchema(), aggs, appendOnly, 0, 0);
    }

    private static Schema outputSchema(final String name, final Schema input, final String[] groupBy, final Agg[] aggs)
    {
        if (aggs.length == 0)
        {
            throw new KeelException(KeelException.Category.PROGRAM, "PROGRAM_NO_AGGREGATE",
                "aggregate '" + name + "' needs at least one aggregate function");
        }
        final Schema keySchema = groupBy.length == 0 ? null : KeyProjector.of(input, groupBy).keySchema();
        return AggregateState.outputSchema(input, keySchema, false, aggs);
    }

    public String kind()
    {
        return "aggregate";
    }

    protected long fingerprintParameters(final long h)
    {
        long result = Params.mix(Params.mix(h, input.name()), groupBy);
        for (final Agg agg : aggs)
        {
            result = Params.mix(result, agg.toString());
        }
        // the fast path changes the state layout (no multisets)
        return Params.mix(result, appendOnly ? 1 : 0);
    }

    /** True when min/max keep only the running extreme (append-only input), false when they keep multisets. */
    boolean runningExtremes()
    {
        return appendOnly;
    }

    /** Number of non-empty groups held. */
    public int groupCount()
    {
        return state.groupCount();
    }

    /**
     * Rows are taken in chunks (of 128: 4% above 64 and 9% above 32 in events per CPU-second at K = 1M):
     * a lead cursor projects and hashes a chunk's keys (copied to a scratch
     * buffer), the state prefetches their groups (the loads overlap instead of two cache misses per row
     * in turn), then the rows of the chunk are accumulated in order. Same result as row by row.
     */
    public void step()
    {
        state.beginStep();
        final ZSetBatch.Cursor lead = this.lead.reset();
        final ZSetBatch.Cursor cursor = this.cursor.reset();
        final ExpandableDirectByteBuffer keys = this.chunkKeys;
        final long[] hashes = this.chunkHashes;
        final int[] keyOffsets = this.chunkKeyOffsets;
        while (true)
        {
            int count = 0;
            int keyEnd = 0;
            while (count < CHUNK && lead.next())
            {
                key.project(lead.row());
                final int length = key.length();
                keys.putBytes(keyEnd, key.buffer(), 0, length);
                hashes[count] = key.hash();
                keyOffsets[count] = keyEnd;
                keyEnd += length;
                count++;
            }
            if (count == 0)
            {
                break;
            }
            keyOffsets[count] = keyEnd;
            state.prefetch(hashes, count);
            for (int i = 0; i < count; i++)
            {
                cursor.next();
                final int keyOffset = keyOffsets[i];
                state.accumulate(
                    keys, keyOffset, keyOffsets[i + 1] - keyOffset, hashes[i], state.prefetched(i), cursor.row(),
                    cursor.weight());
            }
        }
        state.emit(output());
    }

    public void saveMeta(final MetaBuffer meta)
    {
        state.saveMeta(meta);
    }

    public void loadMeta(final MetaBuffer meta)
    {
        state.loadMeta(meta);
    }

    public boolean shardable()
    {
        return true;
    }

    /** Sharded by its key: each worker holds the state of its keys. */
    public int[] shardColumns(final int input)
    {
        return key.columns();
    }
}
