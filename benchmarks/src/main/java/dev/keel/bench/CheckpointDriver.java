package dev.keel.bench;

import dev.keel.engine.circuit.StepBoundary;
import dev.keel.engine.circuit.StepListener;
import dev.keel.engine.connector.OutputEndpoint;
import dev.keel.engine.program.Program;
import dev.keel.engine.spi.CheckpointMetadata;
import dev.keel.engine.spi.CheckpointStore;
import dev.keel.engine.spi.PendingCheckpoint;
import dev.keel.engine.state.MetaBuffer;
import dev.keel.engine.state.PagedArena;

import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Periodic checkpoints driven from the circuit's step hook, for the harness while the node has no
 * checkpoint wiring of its own: at the first step boundary after each interval it freezes the arena, saves
 * the program metadata and begins a checkpoint on the {@link CheckpointStore} (pages are written by the
 * store's writer thread); at later boundaries it closes the snapshot once the pages are written and commits
 * once the sink delivered the checkpoint's transaction.
 * <p>
 * It measures what the circuit thread pays where it pays it: the nanoseconds spent inside this hook doing
 * checkpoint work (freeze + metadata + begin, snapshot close, commit), summed per checkpoint; the
 * checkpoint duration (begin to commit) and the page-write time (begin to the first boundary that sees the
 * pages written, so an upper bound). Polling a pending checkpoint (two volatile reads) is not counted.
 */
final class CheckpointDriver implements StepListener
{
    private static final int MAX_RECORDED = 100_000;

    private final CheckpointStore store;
    private final long intervalNs;
    private final String model;
    private final OutputEndpoint[] outputs;

    private final long[] stallNs = new long[MAX_RECORDED];
    private final long[] beginStallNs = new long[MAX_RECORDED];
    private final long[] commitStallNs = new long[MAX_RECORDED];
    private final long[] durationNs = new long[MAX_RECORDED];
    private final long[] writeNs = new long[MAX_RECORDED];
    private final long[] bytes = new long[MAX_RECORDED];
    private volatile int taken;
    private volatile long failures;
    private volatile Throwable lastFailure;
    private volatile boolean forceNext;

    private long nextDueNs;
    private PendingCheckpoint pending;
    private PagedArena.Snapshot snapshot;
    private long pendingTransactionId;
    private long pendingBeginNs;
    private long pendingStallNs;
    private long pendingBeginStallNs;
    private long pendingWriteNs;
    private long pendingBytes;
    private boolean needFullSnapshot;

    /**
     * @param store      where checkpoints go.
     * @param intervalNs time between the starts of checkpoints; {@code <= 0} for none (unless forced).
     * @param model      fault-tolerance model recorded in the metadata.
     * @param outputs    outputs that must have delivered a checkpoint's transaction before it commits.
     */
    CheckpointDriver(final CheckpointStore store, final long intervalNs, final String model, final OutputEndpoint... outputs)
    {
        this.store = store;
        this.intervalNs = intervalNs;
        this.model = model;
        this.outputs = outputs.clone();
        this.nextDueNs = intervalNs > 0 ? System.nanoTime() + intervalNs : Long.MAX_VALUE;
    }

    /** Takes a checkpoint at the next boundary, due or not (the harness asks for one at end of input). */
    void forceCheckpoint()
    {
        forceNext = true;
    }

    public void onStepEnd(final StepBoundary boundary)
    {
        final long t0 = System.nanoTime();
        if (null != pending)
        {
            progress(t0);
        }
        else if (!boundary.replaying() && (forceNext || t0 - nextDueNs >= 0))
        {
            forceNext = false;
            begin(boundary, t0);
            nextDueNs = t0 + intervalNs;
        }
    }

    private void begin(final StepBoundary boundary, final long t0)
    {
        final Program program = boundary.program();
        final PagedArena arena = program.arena();
        if (needFullSnapshot)
        {
            arena.markAllDirty();
            needFullSnapshot = false;
        }
        snapshot = arena.freeze();
        final MetaBuffer meta = new MetaBuffer();
        program.saveMeta(meta);
        final Map<String, Long> inputPositions = new LinkedHashMap<>();
        for (int i = 0; i < boundary.inputEndpointCount(); i++)
        {
            inputPositions.put(boundary.inputName(i), boundary.inputPosition(i));
        }
        final Map<String, CheckpointMetadata.OutputPosition> outputPositions = new LinkedHashMap<>();
        for (final OutputEndpoint output : outputs)
        {
            // the sink delivers the checkpoint's transaction before commit; what it will have delivered then
            outputPositions.put(output.name(),
                new CheckpointMetadata.OutputPosition(output.deliveredPosition(), boundary.transactionId()));
        }
        final CheckpointMetadata metadata = new CheckpointMetadata(program.fingerprint(), boundary.step(),
            boundary.transactionId(), boundary.journalPosition(), inputPositions, outputPositions, meta.toByteArray(),
            model, System.currentTimeMillis());
        pendingBytes = (long)snapshot.pageCount() * snapshot.pageSize();
        pending = store.begin(metadata, snapshot);
        pendingTransactionId = boundary.transactionId();
        pendingBeginNs = t0;
        pendingWriteNs = 0;
        pendingBeginStallNs = System.nanoTime() - t0;
        pendingStallNs = pendingBeginStallNs;
    }

    private void progress(final long t0)
    {
        if (null != pending.failure())
        {
            failures++;
            lastFailure = pending.failure();
            pending.abort();
            snapshot.close();
            snapshot = null;
            pending = null;
            needFullSnapshot = true;
            pendingStallNs += System.nanoTime() - t0;
            return;
        }
        if (null != snapshot && pending.isWritten())
        {
            pendingWriteNs = t0 - pendingBeginNs;
            snapshot.close();
            snapshot = null;
            pendingStallNs += System.nanoTime() - t0;
        }
        if (null == snapshot && delivered(pendingTransactionId))
        {
            final long c0 = System.nanoTime();
            pending.commit();
            final long c1 = System.nanoTime();
            pendingStallNs += c1 - c0;
            record(c1 - c0, c1 - pendingBeginNs);
            pending = null;
        }
    }

    private boolean delivered(final long transactionId)
    {
        for (final OutputEndpoint output : outputs)
        {
            if (output.deliveredTransactionId() < transactionId)
            {
                return false;
            }
        }
        return true;
    }

    private void record(final long commitNs, final long totalNs)
    {
        final int i = taken;
        if (i < MAX_RECORDED)
        {
            stallNs[i] = pendingStallNs;
            beginStallNs[i] = pendingBeginStallNs;
            commitStallNs[i] = commitNs;
            durationNs[i] = totalNs;
            writeNs[i] = pendingWriteNs;
            bytes[i] = pendingBytes;
            taken = i + 1;
        }
    }

    /** Aborts a checkpoint still pending when the pipeline stops (its snapshot must close before the arena). */
    void abandon()
    {
        if (null != pending)
        {
            pending.abort();
            pending = null;
        }
        if (null != snapshot)
        {
            snapshot.close();
            snapshot = null;
        }
    }

    /** True while a checkpoint is begun and not committed. */
    boolean isPending()
    {
        return null != pending;
    }

    int taken()
    {
        return Math.min(taken, MAX_RECORDED);
    }

    long failures()
    {
        return failures;
    }

    Throwable lastFailure()
    {
        return lastFailure;
    }

    long[] stallNs()
    {
        return Arrays.copyOf(stallNs, taken());
    }

    long[] beginStallNs()
    {
        return Arrays.copyOf(beginStallNs, taken());
    }

    long[] commitStallNs()
    {
        return Arrays.copyOf(commitStallNs, taken());
    }

    long[] durationNs()
    {
        return Arrays.copyOf(durationNs, taken());
    }

    long[] writeNs()
    {
        return Arrays.copyOf(writeNs, taken());
    }

    long[] bytes()
    {
        return Arrays.copyOf(bytes, taken());
    }
}
