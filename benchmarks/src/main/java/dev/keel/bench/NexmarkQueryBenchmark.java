package dev.keel.bench;

import dev.keel.engine.data.ZSetBatch;
import dev.keel.nexmark.NexmarkInputEndpoint;
import dev.keel.nexmark.NexmarkSettings;
import dev.keel.nexmark.NexmarkTable;
import dev.keel.nexmark.queries.NexmarkQueries;
import dev.keel.engine.program.Program;
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

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * One Nexmark query through its built {@link Program} on one thread, without the circuit: each
 * invocation lets every table's generator endpoint produce the next {@value #STEP} event indexes
 * (lockstep, as the harness does), steps the program, consumes the view's delta and ends the step.
 * One operation is one event index (persons, auctions and bids together, as Nexmark counts), so the
 * score is events/s on one core; {@code -prof gc} shows the steady-state allocation per event.
 * <p>
 * State grows with the events for the queries whose joins keep every auction (q3, q4, q6): keep runs
 * short (the defaults below) or give the JVM the direct memory they need.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(value = 1, jvmArgsAppend = {
    "--add-exports", "java.base/jdk.internal.misc=ALL-UNNAMED", "-Xms2g", "-Xmx2g", "-XX:+AlwaysPreTouch",
    "-XX:MaxDirectMemorySize=8g" })
public class NexmarkQueryBenchmark
{
    static final int STEP = 10_000;

    @Param({ "nexmark-q0", "nexmark-q1", "nexmark-q2", "nexmark-q3", "nexmark-q4", "nexmark-q5", "nexmark-q7",
        "nexmark-q8" })
    public String query;

    private Program program;
    private NexmarkInputEndpoint[] endpoints;
    private ZSetBatch[] inputs;
    private ZSetBatch.Cursor view;

    @Setup(Level.Trial)
    public void setUp()
    {
        final NexmarkQueries.Query q = NexmarkQueries.query(query);
        program = Program.build(q.definition(), new PagedArena(1024, true));
        final NexmarkSettings settings = NexmarkSettings.builder().seed(42).build();
        final List<NexmarkInputEndpoint> opened = new ArrayList<>();
        final List<ZSetBatch> tables = new ArrayList<>();
        for (final NexmarkTable table : q.tables())
        {
            final NexmarkInputEndpoint endpoint = NexmarkInputEndpoint.create(table.configName(), table, settings);
            endpoint.open(0);
            opened.add(endpoint);
            tables.add(program.table(table.configName()).input());
        }
        endpoints = opened.toArray(new NexmarkInputEndpoint[0]);
        inputs = tables.toArray(new ZSetBatch[0]);
        view = program.view(q.view()).output().cursor();
        for (int i = 0; i < 100; i++)
        {
            step(null);
        }
    }

    @TearDown(Level.Trial)
    public void tearDown()
    {
        for (final NexmarkInputEndpoint endpoint : endpoints)
        {
            endpoint.close();
        }
        program.close();
    }

    @Benchmark
    @OperationsPerInvocation(STEP)
    public long step10k(final Blackhole bh)
    {
        return step(bh);
    }

    private long step(final Blackhole bh)
    {
        for (int i = 0; i < endpoints.length; i++)
        {
            endpoints[i].poll(inputs[i], STEP, Long.MAX_VALUE);
        }
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
