package dev.keel.bench;

import dev.keel.engine.data.Hashing;
import dev.keel.engine.state.OffHeapHashMap;
import dev.keel.engine.state.PagedArena;
import org.agrona.concurrent.UnsafeBuffer;
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
 * Cost of the state store's hot operation: find-or-insert of a 16-byte key (an encoded INT64 key row)
 * and an update of its 24-byte value, over K keys in the workload's order.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
@Fork(value = 1, jvmArgsAppend = {
    "--add-exports", "java.base/jdk.internal.misc=ALL-UNNAMED", "-Xms4g", "-Xmx4g", "-XX:+AlwaysPreTouch" })
public class StateStoreBenchmark
{
    private static final int BATCH = 10_000;

    @Param({ "1000000" })
    public int keys;

    private PagedArena arena;
    private OffHeapHashMap map;
    private final UnsafeBuffer key = new UnsafeBuffer(new byte[16]);
    private long next;

    @Setup(Level.Trial)
    public void setUp()
    {
        arena = new PagedArena(1024, true);
        map = new OffHeapHashMap(arena, 24, keys);
        for (long i = 0; i < keys; i++)
        {
            update(i);
        }
    }

    @TearDown(Level.Trial)
    public void tearDown()
    {
        arena.close();
    }

    @Benchmark
    @OperationsPerInvocation(BATCH)
    public long findOrInsertAndUpdate()
    {
        long sum = 0;
        for (int i = 0; i < BATCH; i++)
        {
            sum += update(next++);
        }
        return sum;
    }

    private long update(final long i)
    {
        final long auction = KeyedAggregateWorkload.auction(i, keys);
        key.putLong(0, 0);
        key.putLong(8, auction);
        final long record = map.findOrInsert(key, 0, 16, Hashing.hash(key, 0, 16));
        final long value = OffHeapHashMap.valueAddress(record);
        final long price = KeyedAggregateWorkload.price(i);
        arena.addLong(value, 1);
        arena.addLong(value + 8, price);
        if (price > arena.getLong(value + 16))
        {
            arena.putLong(value + 16, price);
        }
        return record;
    }
}
