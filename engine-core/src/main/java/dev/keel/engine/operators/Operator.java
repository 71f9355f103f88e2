package dev.keel.engine.operators;

import dev.keel.engine.data.Hashing;
import dev.keel.engine.data.Schema;
import dev.keel.engine.data.ZSetBatch;
import dev.keel.engine.state.MetaBuffer;
import dev.keel.engine.state.Stateful;

/**
 * A node of the circuit: in each step it reads the deltas its inputs produced in the same step and
 * writes its own delta (a Z-set of changes) to {@link #output()}. Operators are incremental: state
 * they need across steps lives in the program's {@link dev.keel.engine.state.PagedArena} (plus
 * small metadata saved through {@link Stateful}), never in Java objects per key.
 * <p>
 * Operators run on the circuit agent's thread only; {@link #step()} must not allocate in steady state.
 */
public abstract class Operator implements Stateful
{
    private final String name;
    private final Schema outputSchema;
    private final ZSetBatch output;
    private int id = -1;
    private Operator[] inputs;
    private long lineageFingerprint;

    protected Operator(final String name, final Schema outputSchema)
    {
        this.name = name;
        this.outputSchema = outputSchema;
        this.output = new ZSetBatch(outputSchema);
    }

    /** Computes this step's output delta from the inputs' deltas of the same step. */
    public abstract void step();

    /** Short name of the operator kind ("map", "join", ...), part of the program fingerprint. */
    public abstract String kind();

    /**
     * Mixes everything that determines this operator's semantics and state layout (parameters, key
     * columns, window sizes) into {@code h}. Operators with user code mix a user-supplied version.
     */
    protected long fingerprintParameters(final long h)
    {
        return h;
    }

    public final long fingerprint()
    {
        long h = Hashing.combine(kind().hashCode(), outputSchema.fingerprint());
        h = Hashing.combine(h, name.hashCode());
        return fingerprintParameters(h);
    }

    /**
     * True if this operator's output only ever carries positive weights (inserts): an append-only input
     * table and chains of map, filter, flatMap and union over such streams. Aggregates use it to keep
     * only running min/max instead of a multiset of values.
     */
    public boolean appendOnly()
    {
        return false;
    }

    /** Called after every consumer has read {@link #output()}; clears it for the next step. */
    public void endStep()
    {
        output.clear();
    }

    public final String name()
    {
        return name;
    }

    public final Schema outputSchema()
    {
        return outputSchema;
    }

    public final ZSetBatch output()
    {
        return output;
    }

    /** Position in the program's evaluation order. */
    public final int id()
    {
        return id;
    }

    /**
     * Gives the operator its position; called once, by the program builder that adds it.
     *
     * @param id position in the program's evaluation order.
     * @throws IllegalStateException if the operator belongs to a program already.
     */
    public final void assignId(final int id)
    {
        if (this.id != -1)
        {
            throw new IllegalStateException("operator " + getClass().getSimpleName() + " is already operator " +
                this.id + " of a program");
        }
        this.id = id;
    }

    /**
     * The operators this one reads, as declared when it was added to the program, or null if it was added
     * without them ({@link ProgramBuilder#add(Operator)}): then it is taken to depend on every operator before it.
     */
    public final Operator[] inputs()
    {
        return null == inputs ? null : inputs.clone();
    }

    /**
     * Records the operators this one reads; called once, by the program builder that adds it.
     *
     * @param inputs the operators it reads.
     * @throws IllegalStateException if they were recorded already.
     */
    public final void assignInputs(final Operator[] inputs)
    {
        if (null != this.inputs)
        {
            throw new IllegalStateException("operator " + name + " already has its inputs");
        }
        this.inputs = inputs.clone();
    }

    /**
     * Fingerprint of this operator and everything it reads, transitively: equal in two programs when the operator
     * computes the same thing from the same tables, so its state can be carried over (a bootstrap keeps it).
     */
    public final long lineageFingerprint()
    {
        return lineageFingerprint;
    }

    /**
     * Sets {@link #lineageFingerprint()}; called once, by the program that the operator belongs to, when built.
     *
     * @param fingerprint the lineage fingerprint.
     */
    public final void assignLineageFingerprint(final long fingerprint)
    {
        this.lineageFingerprint = fingerprint;
    }

    /**
     * Whether the operator can run sharded across circuit workers ({@code workers} > 1): true when its result,
     * unioned over the workers, is its result over the whole delta as long as each input is sharded as
     * {@link #shardColumns(int)} says. False by default: an operator that does not say how its state is keyed
     * cannot be sharded, and a program containing it refuses {@code workers} > 1.
     */
    public boolean shardable()
    {
        return false;
    }

    /**
     * How the rows of input {@code input} (index into {@link #inputs()}) must be sharded across workers before
     * this operator steps: null if any partition will do (stateless), an empty array if all rows go to one
     * worker (one global group), else the columns of that input that the state is keyed by (rows with equal
     * values there go to the same worker).
     *
     * @param input index of the input.
     * @return the key columns, empty or null.
     */
    public int[] shardColumns(final int input)
    {
        return null;
    }

    /**
     * Largest event time this operator has seen, for operators whose watermark derives from it (windows,
     * windowed joins); {@link Long#MIN_VALUE} otherwise. With several workers the circuit raises every worker's
     * copy to the largest of all ({@link #raiseEventTime(long)}) at each step boundary, so that all of them close
     * windows at the watermark of the whole input, as one worker would.
     */
    public long eventTime()
    {
        return Long.MIN_VALUE;
    }

    /**
     * Raises {@link #eventTime()} to at least {@code time} (between steps, see there); no-op by default.
     *
     * @param time the largest event time of all workers' copies.
     */
    public void raiseEventTime(final long time)
    {
    }

    /** Default: no state beyond the arena records already reachable from metadata. */
    public void saveMeta(final MetaBuffer meta)
    {
    }

    public void loadMeta(final MetaBuffer meta)
    {
    }

    public String toString()
    {
        return kind() + "(" + name + ")";
    }
}
