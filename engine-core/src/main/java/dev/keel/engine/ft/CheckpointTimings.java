package dev.keel.engine.ft;

import java.util.Arrays;

/**
 * What the last committed checkpoints cost, for benchmarks and metrics: per checkpoint, the time the circuit
 * thread spent inside the checkpoint hooks (freeze, begin, commit), the time from freeze to committed, the time
 * the store took to write the pages (begin to the first duty cycle that saw them written), and the bytes of
 * pages written. Written on the circuit thread; {@link #count()} publishes, any thread may copy afterwards.
 */
public final class CheckpointTimings
{
    /** Checkpoints remembered; later ones are counted but not kept. */
    public static final int CAPACITY = 1 << 14;

    private final long[] stallNs = new long[CAPACITY];
    private final long[] freezeNs = new long[CAPACITY];
    private final long[] beginNs = new long[CAPACITY];
    private final long[] commitNs = new long[CAPACITY];
    private final long[] durationNs = new long[CAPACITY];
    private final long[] writeNs = new long[CAPACITY];
    private final long[] bytes = new long[CAPACITY];
    private volatile int count;

    void record(
        final long freeze, final long begin, final long commit, final long duration, final long write, final long pageBytes)
    {
        final int i = count;
        if (i < CAPACITY)
        {
            freezeNs[i] = freeze;
            beginNs[i] = begin;
            commitNs[i] = commit;
            stallNs[i] = freeze + begin + commit;
            durationNs[i] = duration;
            writeNs[i] = write;
            bytes[i] = pageBytes;
            count = i + 1;
        }
    }

    /** Checkpoints recorded. */
    public int count()
    {
        return count;
    }

    /** Circuit-thread nanoseconds per checkpoint: freeze + begin + commit. */
    public long[] stallNs()
    {
        return Arrays.copyOf(stallNs, count);
    }

    /** Nanoseconds of the freeze (step hook): positions, program metadata, arena freeze, output flush. */
    public long[] freezeNs()
    {
        return Arrays.copyOf(freezeNs, count);
    }

    /** Nanoseconds of {@code store.begin} with the metadata (duty-cycle hook). */
    public long[] beginNs()
    {
        return Arrays.copyOf(beginNs, count);
    }

    /**
     * Circuit-thread nanoseconds of the commit (duty-cycle hooks): closing the snapshot and requesting the commit,
     * then, once the store's writer made it durable, recording the statuses and releasing the journal. The
     * commit's fsyncs are not in it: they run on the store's writer.
     */
    public long[] commitNs()
    {
        return Arrays.copyOf(commitNs, count);
    }

    /** Nanoseconds from freeze to committed (seen durable by the circuit's duty cycle). */
    public long[] durationNs()
    {
        return Arrays.copyOf(durationNs, count);
    }

    /** Nanoseconds from begin to pages written (seen by the next duty cycle). */
    public long[] writeNs()
    {
        return Arrays.copyOf(writeNs, count);
    }

    /** Bytes of pages written per checkpoint (dirty pages only: checkpoints are incremental). */
    public long[] bytes()
    {
        return Arrays.copyOf(bytes, count);
    }
}
