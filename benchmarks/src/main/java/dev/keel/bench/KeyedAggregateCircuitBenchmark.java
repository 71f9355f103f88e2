package dev.keel.bench;

import dev.keel.engine.api.Keel;
import dev.keel.engine.api.EngineContext;
import dev.keel.engine.api.KeelPipeline;
import dev.keel.engine.circuit.PipelineState;
import dev.keel.engine.config.ThreadingMode;
import dev.keel.engine.connector.OutputEndpoint;
import dev.keel.engine.data.ZSetBatch;
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

import java.util.concurrent.TimeUnit;

/**
 * The keyed-aggregate workload through the real circuit: {@link Keel#launch} in INVOKER threading mode,
 * {@link KeyedAggregateWorkload} attached as the table's input endpoint, a counting output endpoint on
 * the view, no journal (fault tolerance off). Each invocation runs duty cycles until one step of
 * {@code maxBatchSizeRecords} events was polled and evaluated, so the circuit's per-step costs (staging,
 * input hash, counters, clock reads, output offer) are included. One operation is one input event.
 * <p>
 * The state is warmed to all K keys in setup, so the arena's pages are faulted in before measuring.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@Warmup(iterations = 5, time = 2)
@Measurement(iterations = 5, time = 2)
@Fork(value = 1, jvmArgsAppend = {
    "--add-exports", "java.base/jdk.internal.misc=ALL-UNNAMED", "-Xms2g", "-Xmx2g", "-XX:+AlwaysPreTouch" })
public class KeyedAggregateCircuitBenchmark
{
    private static final int STEP = 10_000;

    @Param({ "1000000", "10000" })
    public long keys;

    private KeyedAggregateWorkload workload;
    private CountingOutput output;
    private KeelPipeline pipeline;

    /** Counts the rows and sums the weights of every delta it is offered; never refuses. */
    static final class CountingOutput implements OutputEndpoint
    {
        long rows;
        long weights;
        long delivered;

        public String name()
        {
            return "count";
        }

        public void open()
        {
        }

        public void restore(final long position, final long transactionId)
        {
        }

        public boolean offer(final long transactionId, final ZSetBatch delta)
        {
            rows += delta.size();
            for (final ZSetBatch.Cursor cursor = cursorOf(delta).reset(); cursor.next(); )
            {
                weights += cursor.weight();
            }
            delivered = transactionId;
            return true;
        }

        private ZSetBatch batch;
        private ZSetBatch.Cursor cursor;

        private ZSetBatch.Cursor cursorOf(final ZSetBatch delta)
        {
            if (delta != batch)
            {
                batch = delta;
                cursor = delta.cursor();
            }
            return cursor;
        }

        public long deliveredTransactionId()
        {
            return delivered;
        }

        public long deliveredPosition()
        {
            return 0;
        }

        public void flush()
        {
        }

        public void checkError()
        {
        }

        public void close()
        {
        }
    }

    @Setup(Level.Trial)
    public void setUp()
    {
        workload = new KeyedAggregateWorkload("bids", keys, Long.MAX_VALUE);
        output = new CountingOutput();
        pipeline = Keel.launch(new EngineContext()
                .threadingMode(ThreadingMode.INVOKER)
                .maxBatchSizeRecords(STEP)
                .input("bids", "bids", workload)
                .output("count", "per_auction", output),
            KeyedAggregateBenchmark.PROGRAM);
        final long warm = Math.max(2 * keys, 1_000_000);
        while (workload.position() < warm)
        {
            pipeline.invoke();
        }
        if (pipeline.state() != PipelineState.RUNNING)
        {
            throw new IllegalStateException("pipeline " + pipeline.state());
        }
    }

    @TearDown(Level.Trial)
    public void tearDown()
    {
        if (pipeline.state() != PipelineState.RUNNING || output.delivered == 0)
        {
            throw new IllegalStateException("pipeline " + pipeline.state() + ", delivered " + output.delivered);
        }
        pipeline.close();
    }

    @Benchmark
    @OperationsPerInvocation(STEP)
    public long step10k()
    {
        final long target = workload.position() + STEP;
        long steps = 0;
        while (workload.position() < target)
        {
            steps += pipeline.invoke();
        }
        return steps + output.weights;
    }
}
