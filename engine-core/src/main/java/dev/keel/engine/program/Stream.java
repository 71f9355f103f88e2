package dev.keel.engine.program;

import dev.keel.engine.operators.Operator;

import dev.keel.engine.KeelException;
import dev.keel.engine.data.Schema;
import dev.keel.engine.operators.Agg;
import dev.keel.engine.operators.AggregateOperator;
import dev.keel.engine.operators.DistinctOperator;
import dev.keel.engine.operators.FilterOperator;
import dev.keel.engine.operators.FlatMapOperator;
import dev.keel.engine.operators.JoinCombiner;
import dev.keel.engine.operators.JoinOperator;
import dev.keel.engine.operators.JoinType;
import dev.keel.engine.operators.MapOperator;
import dev.keel.engine.operators.RowFlatMapper;
import dev.keel.engine.operators.RowMapper;
import dev.keel.engine.operators.RowPredicate;
import dev.keel.engine.operators.TopNOperator;
import dev.keel.engine.operators.UnionOperator;
import dev.keel.engine.operators.WindowAggregateOperator;
import dev.keel.engine.operators.WindowOperator;

/**
 * A stream of changes (Z-set deltas) in a program under construction: the output of one operator.
 * Transformations add operators to the same program and return their streams.
 * <p>
 * Operators that run user code (map, filter, flatMap, join) take an optional {@code version}: code cannot
 * be fingerprinted, so change the version when the code's semantics change, and a restart from a
 * checkpoint sees a changed program.
 */
public final class Stream
{
    private static final String NO_VERSION = "";

    private final ProgramBuilder builder;
    private final Operator operator;

    Stream(final ProgramBuilder builder, final Operator operator)
    {
        this.builder = builder;
        this.operator = operator;
    }

    public Schema schema()
    {
        return operator.outputSchema();
    }

    public Operator operator()
    {
        return operator;
    }

    public ProgramBuilder builder()
    {
        return builder;
    }

    /** True if the stream only ever inserts (see {@link Operator#appendOnly()}). */
    public boolean appendOnly()
    {
        return operator.appendOnly();
    }

    /**
     * Declares this input table materialized (Feldera's {@code 'materialized' = 'true'}): with fault tolerance on it
     * keeps its contents, so that a bootstrap after a program change can recompute views that read it. See
     * {@link InputTable#declareMaterialized()} for what it costs.
     *
     * @return this stream.
     * @throws dev.keel.engine.KeelException if this stream is not an input table of its program.
     */
    public Stream materialized()
    {
        if (!(operator instanceof InputTable))
        {
            throw new dev.keel.engine.KeelException(dev.keel.engine.KeelException.Category.PROGRAM,
                "PROGRAM_NOT_A_TABLE", "'" + operator.name() + "' is not an input table: only tables are materialized");
        }
        builder.materialize(operator.name());
        return this;
    }

    public Stream map(final String name, final Schema out, final RowMapper mapper)
    {
        return map(name, out, mapper, NO_VERSION);
    }

    public Stream map(final String name, final Schema out, final RowMapper mapper, final String version)
    {
        return builder.add(new MapOperator(name, operator, out, mapper, version), operator);
    }

    public Stream filter(final String name, final RowPredicate predicate)
    {
        return filter(name, predicate, NO_VERSION);
    }

    public Stream filter(final String name, final RowPredicate predicate, final String version)
    {
        return builder.add(new FilterOperator(name, operator, predicate, version), operator);
    }

    public Stream flatMap(final String name, final Schema out, final RowFlatMapper mapper)
    {
        return flatMap(name, out, mapper, NO_VERSION);
    }

    public Stream flatMap(final String name, final Schema out, final RowFlatMapper mapper, final String version)
    {
        return builder.add(new FlatMapOperator(name, operator, out, mapper, version), operator);
    }

    /** UNION ALL of this stream and {@code others}, which must have the same schema. */
    public Stream union(final String name, final Stream... others)
    {
        final Operator[] inputs = new Operator[others.length + 1];
        inputs[0] = operator;
        for (int i = 0; i < others.length; i++)
        {
            inputs[i + 1] = sameProgram(name, others[i]).operator;
        }
        return builder.add(new UnionOperator(name, inputs), inputs);
    }

    /** Each row with positive accumulated weight, once. */
    public Stream distinct(final String name)
    {
        return builder.add(new DistinctOperator(name, operator, builder.arena()), operator);
    }

    /** GROUP BY {@code groupBy}: the group columns followed by one column per aggregate. */
    public Stream aggregate(final String name, final String[] groupBy, final Agg... aggs)
    {
        return builder.add(new AggregateOperator(name, operator, groupBy, aggs, builder.arena()), operator);
    }

    public Stream join(
        final String name,
        final Stream right,
        final String[] leftKeys,
        final String[] rightKeys,
        final JoinType type,
        final Schema out,
        final JoinCombiner combiner)
    {
        return join(name, right, leftKeys, rightKeys, type, out, combiner, NO_VERSION);
    }

    /** Equi-join of this stream (left) with {@code right}; see {@link JoinOperator}. */
    public Stream join(
        final String name,
        final Stream right,
        final String[] leftKeys,
        final String[] rightKeys,
        final JoinType type,
        final Schema out,
        final JoinCombiner combiner,
        final String version)
    {
        return builder.add(new JoinOperator(
            name, operator, sameProgram(name, right).operator, leftKeys, rightKeys, type, out, combiner, version,
            builder.arena()), operator, right.operator);
    }

    /**
     * A join whose state is freed as event time passes: {@code leftTime}/{@code rightTime} are join keys at
     * the same position (e.g. {@code window_end} of both sides after {@link #window}); rows with a time below
     * the watermark (largest time seen minus {@code lateness}) are dropped and index state of such times freed.
     * See {@link JoinOperator}.
     */
    public Stream windowedJoin(
        final String name,
        final Stream right,
        final String[] leftKeys,
        final String[] rightKeys,
        final String leftTime,
        final String rightTime,
        final long lateness,
        final JoinType type,
        final Schema out,
        final JoinCombiner combiner,
        final String version)
    {
        return builder.add(new JoinOperator(
            name, operator, sameProgram(name, right).operator, leftKeys, rightKeys, leftTime, rightTime, lateness,
            type, out, combiner, version, builder.arena()), operator, right.operator);
    }

    /** Appends {@code window_start} and {@code window_end}, once per window containing the row. */
    public Stream window(final String name, final String timeColumn, final long size, final long hop)
    {
        return builder.add(new WindowOperator(name, operator, timeColumn, size, hop), operator);
    }

    /** Aggregates per group and event-time window; see {@link WindowAggregateOperator}. */
    public Stream windowAggregate(
        final String name,
        final String timeColumn,
        final long size,
        final long hop,
        final long lateness,
        final String[] groupBy,
        final Agg... aggs)
    {
        return builder.add(new WindowAggregateOperator(
            name, operator, timeColumn, size, hop, lateness, groupBy, aggs, builder.arena()), operator);
    }

    /** Per group, the first {@code n} rows by {@code orderBy}; see {@link TopNOperator}. */
    public Stream topN(
        final String name, final String[] groupBy, final String orderBy, final boolean descending, final int n)
    {
        return builder.add(new TopNOperator(name, operator, groupBy, orderBy, descending, n, builder.arena()), operator);
    }

    private Stream sameProgram(final String name, final Stream other)
    {
        if (other.builder != builder)
        {
            throw new KeelException(KeelException.Category.PROGRAM, "PROGRAM_FOREIGN_STREAM",
                "'" + name + "': stream '" + other.operator.name() + "' belongs to another program");
        }
        return other;
    }
}
