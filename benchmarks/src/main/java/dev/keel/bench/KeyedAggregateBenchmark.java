package dev.keel.bench;

import dev.keel.engine.data.ZSetBatch;
import dev.keel.engine.operators.Agg;
import dev.keel.engine.program.InputTable;
import dev.keel.engine.program.Program;
import dev.keel.engine.program.ProgramDefinition;
import dev.keel.engine.state.PagedArena;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OperationsPerInvocation;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;
import org.openjdk.jmh.infra.Blackhole;

import java.util.concurrent.TimeUnit;

/**
 * The keyed-aggregate workload ({@link KeyedAggregateWorkload}) through a built {@link Program} on one
 * thread, without the circuit: each invocation polls one step of events into the table input, steps the
 * program, consumes the view's delta (sum of weights into a {@link Blackhole}) and ends the step. One
 * operation is one input event, so the score is input events/s.
 * <p>
 * The state is warmed to all K keys in setup (steady state: every step updates existing groups), the
 * heap is pinned and pre-touched, and the arena pre-faults its chunks.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@Warmup(iterations = 5, time = 2)
@Measurement(iterations = 5, time = 2)
@Fork(value = 1, jvmArgsAppend = {
    "--add-exports", "java.base/jdk.internal.misc=ALL-UNNAMED", "-Xms2g", "-Xmx2g", "-XX:+AlwaysPreTouch" })
public class KeyedAggregateBenchmark
{
    /** The workload program: append-only table, per-auction count, sum and running max, one view. */
    static final ProgramDefinition PROGRAM = p -> p.view("per_auction",
        p.table("bids", KeyedAggregateWorkload.SCHEMA).aggregate("per_auction", new String[]{ "auction" },
            Agg.count("count"), Agg.sum("price", "sum"), Agg.max("price", "max")));

    /** Distinct auctions: 1M (state far larger than the caches), 10K (in cache) for comparison. */
    @Param({ "1000000", "10000" })
    public long keys;

    private Program program;
    private ZSetBatch input;
    private ZSetBatch.Cursor view;
    private KeyedAggregateWorkload workload;

    @Setup(Level.Trial)
    public void setUp()
    {
        program = Program.build(PROGRAM, new PagedArena(1024, true));
        final InputTable table = program.table("bids");
        input = table.input();
        view = program.view("per_auction").output().cursor();
        workload = new KeyedAggregateWorkload("bids", keys, Long.MAX_VALUE);
        workload.open(0);
        // every key once (the auction function is a bijection on [0, K) for K coprime to the multiplier,
        // and covers nearly all keys otherwise), plus more to grow the scratch buffers to the largest step
        final long warm = Math.max(2 * keys, 1_000_000);
        for (long done = 0; done < warm; done += 100_000)
        {
            step(100_000, null);
        }
    }

    @TearDown(Level.Trial)
    public void tearDown()
    {
        program.close();
    }

    @Benchmark
    @OperationsPerInvocation(1_000)
    public long step1k(final Blackhole bh)
    {
        return step(1_000, bh);
    }

    @Benchmark
    @OperationsPerInvocation(10_000)
    public long step10k(final Blackhole bh)
    {
        return step(10_000, bh);
    }

    @Benchmark
    @OperationsPerInvocation(100_000)
    public long step100k(final Blackhole bh)
    {
        return step(100_000, bh);
    }

    private long step(final int events, final Blackhole bh)
    {
        workload.poll(input, events, Long.MAX_VALUE);
        program.step();
        long weights = 0;
        final ZSetBatch.Cursor cursor = view.reset();
        while (cursor.next())
        {
            weights += cursor.weight();
        }
        if (null != bh)
        {
            bh.consume(weights);
        }
        program.endStep();
        return weights;
    }
}
