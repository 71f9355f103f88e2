package dev.keel.engine.program;

import dev.keel.engine.KeelException;
import dev.keel.engine.data.ZSetBatch;
import dev.keel.engine.operators.Operator;
import org.agrona.concurrent.BackoffIdleStrategy;
import org.agrona.concurrent.IdleStrategy;

import java.util.ArrayList;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.IntConsumer;

/**
 * N circuit workers evaluating one program in lockstep ({@code workers} = N): one {@link Program} per worker,
 * built from the same definition, each over its own lane of one arena group
 * ({@link dev.keel.engine.state.PagedArena#lanes}), so each worker owns its slice of the state and no state is
 * shared at run time. Worker 0 is the calling (circuit) thread; workers 1..N-1 have a thread each.
 * <p>
 * <b>A step</b> (the DBSP exchange scheme): the circuit puts the step's input into worker 0's input tables; the
 * workers start together, each re-shards the tables' inputs ({@link Exchange}: a keyed table by its primary key,
 * the others spread by position), then runs the operators in order. Before a stateful operator, each of its
 * inputs is re-sharded by the operator's key ({@link Operator#shardColumns(int)}), behind a barrier; stateless
 * operators run on whatever part their worker holds. After the last operator, a barrier; the circuit thread then
 * raises every worker's event time to the largest ({@link Operator#raiseEventTime}, so watermarks are those of
 * the whole input) and appends the other workers' view deltas to worker 0's views, which the outputs read as
 * with one worker. Sharding depends only on the step's input, so a replayed step is re-sharded the same way.
 * <p>
 * <b>State and checkpoints</b>: the workers' arenas are lanes of one page address space; lane 0 freezes all of
 * them at the step boundary (the workers idle between steps), so a checkpoint is one consistent cut with the
 * page format of one arena, and {@link Program#saveMeta} of worker 0 writes every worker's operator metadata.
 * That design (rather than N checkpoints, or one arena shared by the workers) leaves the checkpoint stores,
 * manifests and recovery untouched and keeps the hot paths of one single-threaded arena.
 * <p>
 * <b>Barrier</b>: an arrival counter and a generation number; waiting spins, then yields, then parks with
 * growing back-off. Nothing is allocated per step once the exchange parts have grown to the largest step.
 */
public final class Workers implements AutoCloseable
{
    private final Program[] programs;
    private final int count;
    private final Exchange[][] before;
    private final Exchange[] inputs;
    private final Operator[][] views;
    private final Thread[] threads;
    private final AtomicInteger arrived = new AtomicInteger();
    private volatile long generation;
    private volatile boolean closed;
    private final Throwable[] errors;
    private final IdleStrategy[] idle;

    /**
     * @param programs one per worker, built from the same definition over the lanes of one arena group (lane w
     *                 for worker w); worker 0's is the one the circuit binds endpoints to.
     * @param name     pipeline name, for thread names.
     * @param pinner   called on each worker thread 1..N-1 at start with its worker index (CPU pinning), or null.
     */
    Workers(final Program[] programs, final String name, final IntConsumer pinner)
    {
        this.programs = programs.clone();
        this.count = programs.length;
        final Program lead = programs[0];
        final Operator[] operators = lead.operatorArray();
        this.before = new Exchange[operators.length][];
        final List<Exchange> tableExchanges = new ArrayList<>();
        for (int i = 0; i < operators.length; i++)
        {
            final Operator operator = operators[i];
            if (!operator.shardable())
            {
                throw new KeelException(KeelException.Category.CONFIG, "CONFIG_WORKERS_UNSUPPORTED",
                    "$.workers = " + count + ": operator '" + operator.name() + "' (" + operator.kind() + ", " +
                    operator.getClass().getName() + ") does not say how its state is keyed, so it cannot run " +
                    "sharded across workers; set \"workers\": 1");
            }
            if (operator instanceof InputTable)
            {
                final int[] key = ((InputTable)operator).primaryKeyColumns();
                final ZSetBatch[] batches = new ZSetBatch[count];
                for (int w = 0; w < count; w++)
                {
                    batches[w] = ((InputTable)programs[w].operatorArray()[i]).input();
                }
                tableExchanges.add(new Exchange(batches, operator.outputSchema(),
                    null == key ? Exchange.SPREAD : Exchange.BY_KEY, key));
                continue;
            }
            final Operator[] in = operator.inputs();
            if (null == in)
            {
                if (null != operator.shardColumns(0))
                {
                    throw new KeelException(KeelException.Category.CONFIG, "CONFIG_WORKERS_UNSUPPORTED",
                        "$.workers = " + count + ": operator '" + operator.name() + "' was added without its " +
                        "inputs, so they cannot be sharded; add it with its inputs or set \"workers\": 1");
                }
                continue;
            }
            final List<Exchange> exchanges = new ArrayList<>();
            final Map<Operator, int[]> seen = new IdentityHashMap<>();
            for (int j = 0; j < in.length; j++)
            {
                final int[] columns = operator.shardColumns(j);
                if (null == columns)
                {
                    continue;
                }
                final int[] previous = seen.put(in[j], columns);
                if (null != previous)
                {
                    if (!java.util.Arrays.equals(previous, columns))
                    {
                        throw new KeelException(KeelException.Category.CONFIG, "CONFIG_WORKERS_UNSUPPORTED",
                            "$.workers = " + count + ": operator '" + operator.name() + "' reads '" + in[j].name() +
                            "' twice with different keys (a self-join), which cannot be sharded both ways at " +
                            "once; set \"workers\": 1 or join a copy of it (a map)");
                    }
                    continue;
                }
                final ZSetBatch[] batches = new ZSetBatch[count];
                for (int w = 0; w < count; w++)
                {
                    batches[w] = programs[w].operatorArray()[in[j].id()].output();
                }
                exchanges.add(new Exchange(batches, in[j].outputSchema(),
                    columns.length == 0 ? Exchange.TO_FIRST : Exchange.BY_KEY, columns));
            }
            before[i] = exchanges.isEmpty() ? null : exchanges.toArray(new Exchange[0]);
        }
        this.inputs = tableExchanges.toArray(new Exchange[0]);
        final List<Operator> leadViews = new ArrayList<>();
        for (final Operator view : lead.views().values())
        {
            if (!leadViews.contains(view))
            {
                leadViews.add(view);
            }
        }
        this.views = new Operator[count][leadViews.size()];
        for (int w = 0; w < count; w++)
        {
            for (int v = 0; v < leadViews.size(); v++)
            {
                views[w][v] = programs[w].operatorArray()[leadViews.get(v).id()];
            }
        }
        this.errors = new Throwable[count];
        this.idle = new IdleStrategy[count];
        for (int w = 0; w < count; w++)
        {
            idle[w] = new BackoffIdleStrategy(200, 20, 1_000, 200_000);
        }
        this.threads = new Thread[count];
        for (int w = 1; w < count; w++)
        {
            final int worker = w;
            final Thread thread = new Thread(() -> run(worker, pinner), "keel-worker-" + name + "-" + w);
            thread.setDaemon(true);
            threads[w] = thread;
        }
        for (int w = 1; w < count; w++)
        {
            threads[w].start();
        }
    }

    /** Number of workers. */
    public int count()
    {
        return count;
    }

    /** The program of worker {@code w}. */
    public Program program(final int w)
    {
        return programs[w];
    }

    /**
     * Evaluates one step on all workers (on the circuit thread, which is worker 0) and leaves the views' whole
     * deltas in worker 0's views.
     *
     * @throws RuntimeException the first error a worker's operators raised in this step.
     */
    void step()
    {
        if (closed)
        {
            throw new IllegalStateException("the circuit workers are closed");
        }
        await(0); // start
        evaluate(0);
        await(0); // end
        Throwable error = null;
        for (int w = 0; w < count; w++)
        {
            if (null != errors[w] && null == error)
            {
                error = errors[w];
            }
            errors[w] = null;
        }
        if (null != error)
        {
            if (error instanceof RuntimeException)
            {
                throw (RuntimeException)error;
            }
            throw new IllegalStateException("circuit worker failed: " + error, error);
        }
        final Operator[] lead = programs[0].operatorArray();
        for (int i = 0; i < lead.length; i++)
        {
            long max = Long.MIN_VALUE;
            for (int w = 0; w < count; w++)
            {
                max = Math.max(max, programs[w].operatorArray()[i].eventTime());
            }
            if (max != Long.MIN_VALUE)
            {
                for (int w = 0; w < count; w++)
                {
                    programs[w].operatorArray()[i].raiseEventTime(max);
                }
            }
        }
        for (int w = 1; w < count; w++)
        {
            for (int v = 0; v < views[w].length; v++)
            {
                views[0][v].output().addAll(views[w][v].output(), 1);
            }
        }
    }

    private void evaluate(final int w)
    {
        final Operator[] operators = programs[w].operatorArray();
        boolean failed = false;
        for (final Exchange exchange : inputs)
        {
            failed = partition(exchange, w, failed);
        }
        await(w);
        for (final Exchange exchange : inputs)
        {
            failed = gather(exchange, w, failed);
        }
        for (int i = 0; i < operators.length; i++)
        {
            final Exchange[] exchanges = before[i];
            if (null != exchanges)
            {
                for (final Exchange exchange : exchanges)
                {
                    failed = partition(exchange, w, failed);
                }
                await(w);
                for (final Exchange exchange : exchanges)
                {
                    failed = gather(exchange, w, failed);
                }
            }
            if (!failed)
            {
                try
                {
                    operators[i].step();
                }
                catch (final Throwable ex)
                {
                    // keep arriving at the barriers of this step, so the other workers finish it
                    errors[w] = ex;
                    failed = true;
                }
            }
        }
    }

    private boolean partition(final Exchange exchange, final int w, final boolean failed)
    {
        if (failed)
        {
            return true;
        }
        try
        {
            exchange.partition(w);
            return false;
        }
        catch (final Throwable ex)
        {
            errors[w] = ex;
            return true;
        }
    }

    private boolean gather(final Exchange exchange, final int w, final boolean failed)
    {
        if (failed)
        {
            return true;
        }
        try
        {
            exchange.gather(w);
            return false;
        }
        catch (final Throwable ex)
        {
            errors[w] = ex;
            return true;
        }
    }

    private void await(final int w)
    {
        final long current = generation;
        if (arrived.incrementAndGet() == count)
        {
            arrived.lazySet(0);
            generation = current + 1;
            return;
        }
        final IdleStrategy idle = this.idle[w];
        idle.reset();
        while (generation == current)
        {
            idle.idle();
        }
    }

    private void run(final int w, final IntConsumer pinner)
    {
        if (null != pinner)
        {
            pinner.accept(w);
        }
        while (true)
        {
            await(w); // start
            if (closed)
            {
                return;
            }
            evaluate(w);
            await(w); // end
        }
    }

    /** Stops the worker threads (they exit at the next step's start); does not close the programs. */
    public void close()
    {
        if (closed)
        {
            return;
        }
        closed = true;
        await(0); // releases the workers waiting for a step, which see closed
        for (int w = 1; w < count; w++)
        {
            try
            {
                threads[w].join(10_000);
            }
            catch (final InterruptedException ex)
            {
                Thread.currentThread().interrupt();
                return;
            }
        }
    }
}
