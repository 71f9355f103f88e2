package dev.keel.bench;

import dev.keel.engine.api.Keel;
import dev.keel.engine.api.EngineContext;
import dev.keel.engine.api.KeelPipeline;
import dev.keel.engine.config.ThreadingMode;
import dev.keel.engine.data.ZSetBatch;
import dev.keel.engine.program.Program;
import dev.keel.engine.state.PagedArena;

import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;
import java.util.Arrays;

/**
 * Companion to the JMH benchmarks for a shared machine: the same steps as {@link KeyedAggregateBenchmark}
 * ({@code direct}) and {@link KeyedAggregateCircuitBenchmark} ({@code circuit}), timed by the thread's CPU
 * time as well as by the wall clock. Events per CPU-second is what one core does while it is scheduled;
 * it does not drop when other processes take the CPU (their cache pollution still counts against it).
 * <pre>
 *   java -Xms2g -Xmx2g -XX:+AlwaysPreTouch -cp benchmarks.jar dev.keel.bench.KeyedAggregateCpuTime \
 *       direct|circuit keys stepEvents windows stepsPerWindow
 * </pre>
 * Prints one line per window and the median of the windows.
 */
public final class KeyedAggregateCpuTime
{
    private KeyedAggregateCpuTime()
    {
    }

    public static void main(final String[] args)
    {
        final boolean circuit = "circuit".equals(args[0]);
        final long keys = Long.parseLong(args[1]);
        final int step = Integer.parseInt(args[2]);
        final int windows = Integer.parseInt(args[3]);
        final int stepsPerWindow = Integer.parseInt(args[4]);
        final ThreadMXBean threads = ManagementFactory.getThreadMXBean();
        final KeyedAggregateWorkload workload = new KeyedAggregateWorkload("bids", keys, Long.MAX_VALUE);
        final Runnable oneStep;
        final AutoCloseable owner;
        final long[] weights = new long[1];
        if (circuit)
        {
            final KeyedAggregateCircuitBenchmark.CountingOutput output = new KeyedAggregateCircuitBenchmark.CountingOutput();
            final KeelPipeline pipeline = Keel.launch(new EngineContext()
                    .threadingMode(ThreadingMode.INVOKER)
                    .maxBatchSizeRecords(step)
                    .input("bids", "bids", workload)
                    .output("count", "per_auction", output),
                KeyedAggregateBenchmark.PROGRAM);
            oneStep = () ->
            {
                final long target = workload.position() + step;
                while (workload.position() < target)
                {
                    pipeline.invoke();
                }
                weights[0] = output.weights;
            };
            owner = pipeline;
        }
        else
        {
            final Program program = Program.build(KeyedAggregateBenchmark.PROGRAM, new PagedArena(1024, true));
            final ZSetBatch input = program.table("bids").input();
            final ZSetBatch.Cursor view = program.view("per_auction").output().cursor();
            workload.open(0);
            oneStep = () ->
            {
                workload.poll(input, step, Long.MAX_VALUE);
                program.step();
                long sum = 0;
                for (final ZSetBatch.Cursor cursor = view.reset(); cursor.next(); )
                {
                    sum += cursor.weight();
                }
                weights[0] += sum;
                program.endStep();
            };
            owner = program;
        }
        // warm the state to K keys and the JIT
        final long warm = Math.max(3 * keys, 3_000_000);
        for (long done = 0; done < warm; done += step)
        {
            oneStep.run();
        }
        final double[] perCpu = new double[windows];
        final double[] perWall = new double[windows];
        for (int w = 0; w < windows; w++)
        {
            final long cpu0 = threads.getCurrentThreadCpuTime();
            final long wall0 = System.nanoTime();
            for (int s = 0; s < stepsPerWindow; s++)
            {
                oneStep.run();
            }
            final long cpu = threads.getCurrentThreadCpuTime() - cpu0;
            final long wall = System.nanoTime() - wall0;
            final double events = (double)step * stepsPerWindow;
            perCpu[w] = events * 1e9 / cpu;
            perWall[w] = events * 1e9 / wall;
            System.out.printf("window %d: %.3f M events/cpu-s, %.3f M events/wall-s (cpu/wall %.2f)%n",
                w, perCpu[w] / 1e6, perWall[w] / 1e6, (double)cpu / wall);
        }
        Arrays.sort(perCpu);
        Arrays.sort(perWall);
        System.out.printf("%s keys=%d step=%d: median %.3f M events/cpu-s (min %.3f, max %.3f), median %.3f M events/wall-s (checksum %d)%n",
            circuit ? "circuit" : "direct", keys, step, perCpu[windows / 2] / 1e6, perCpu[0] / 1e6,
            perCpu[windows - 1] / 1e6, perWall[windows / 2] / 1e6, weights[0]);
        try
        {
            owner.close();
        }
        catch (final Exception ex)
        {
            throw new IllegalStateException(ex);
        }
    }
}
