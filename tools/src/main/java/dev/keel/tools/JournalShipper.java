package dev.keel.tools;

import dev.keel.sync.JournalChunk;
import dev.keel.sync.JournalSource;
import dev.keel.sync.S3CheckpointSync;
import dev.keel.wal.AeronJournal;
import dev.keel.wal.JournalExport;
import org.agrona.concurrent.ManyToOneConcurrentLinkedQueue;

import java.lang.System.Logger.Level;
import java.util.UUID;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Ships the journal after the newest pushed checkpoint to the bucket ({@code exactly_once} only): the push itself
 * uploads the durable steps after the checkpoint's journal position before the catalog names it
 * ({@link #source()}); then, right after the push and every {@code push_interval}, the tail since the last chunk.
 * Driven by the {@link CheckpointSyncAgent}'s duty cycle (its thread owns every field here); the journal is read
 * from its segment files on the sync's worker thread ({@link JournalExport#read}), up to the durable position the
 * circuit last published, so the circuit's thread is never involved.
 * <p>
 * Continuous ({@code release_output: "shipped"}): a new chunk goes out as soon as the previous one is done and the
 * durable position moved past it, not only every {@code push_interval}, and {@link #releaseLimit()} publishes the
 * local journal position up to which the steps are in the bucket, for the circuit to release output up to it
 * ({@link Long#MAX_VALUE} until this node pushed a checkpoint: before that a node started from the bucket
 * starts from an older checkpoint, or fresh, whatever is held).
 */
final class JournalShipper
{
    private static final System.Logger LOG = System.getLogger(JournalShipper.class.getName());

    /** Largest journal range one chunk (one object in the bucket) covers by default. */
    static final long DEFAULT_MAX_CHUNK_BYTES = 64L * 1024 * 1024;

    private record Shipped(UUID checkpoint, long from, JournalChunk chunk, Throwable error, boolean more)
    {
    }

    /**
     * The range of the last chunk read, written on the sync's worker thread; {@code more} when the cap on a
     * chunk's size stopped it before the durable position.
     */
    private record Exported(long from, long end, boolean more)
    {
    }

    private final S3CheckpointSync sync;
    private final AeronJournal journal;
    private final boolean continuous;
    private final AtomicLong releaseLimit = new AtomicLong(Long.MAX_VALUE);
    private final AtomicInteger pushesInFlight = new AtomicInteger();
    private final JournalSource source;
    private final UUID pulled;
    private final ManyToOneConcurrentLinkedQueue<Shipped> done = new ManyToOneConcurrentLinkedQueue<>();
    private UUID checkpoint;
    private long checkpointStep = -1;
    private long position;
    private boolean inFlight;
    private boolean shipNow;
    private long chunksShipped;
    private long failures;
    private volatile Exported lastExported;

    /**
     * @param sync    the writer.
     * @param journal the node's journal.
     * @param pulled  the checkpoint this node was started from out of the bucket, or null: the journal after it is
     *                there already (in the lost node's positions), so nothing is shipped after it.
     */
    JournalShipper(final S3CheckpointSync sync, final AeronJournal journal, final UUID pulled)
    {
        this(sync, journal, pulled, DEFAULT_MAX_CHUNK_BYTES, false);
    }

    /**
     * @param sync       the writer.
     * @param journal    the node's journal.
     * @param pulled     as {@link #JournalShipper(S3CheckpointSync, AeronJournal, UUID)}.
     * @param continuous true to ship as soon as there is something new ({@code release_output: "shipped"}).
     */
    JournalShipper(final S3CheckpointSync sync, final AeronJournal journal, final UUID pulled,
        final boolean continuous)
    {
        this(sync, journal, pulled, DEFAULT_MAX_CHUNK_BYTES, continuous);
    }

    /**
     * @param sync          the writer.
     * @param journal       the node's journal.
     * @param pulled        as {@link #JournalShipper(S3CheckpointSync, AeronJournal, UUID)}.
     * @param maxChunkBytes the largest journal range one chunk covers ({@link JournalExport#read(java.nio.file.Path,
     *                      long, long, long)}): a longer backlog is shipped as consecutive chunks, one after the
     *                      other without waiting for the next interval.
     */
    JournalShipper(final S3CheckpointSync sync, final AeronJournal journal, final UUID pulled,
        final long maxChunkBytes)
    {
        this(sync, journal, pulled, maxChunkBytes, false);
    }

    private JournalShipper(final S3CheckpointSync sync, final AeronJournal journal, final UUID pulled,
        final long maxChunkBytes, final boolean continuous)
    {
        if (maxChunkBytes < 1)
        {
            throw new IllegalArgumentException("maxChunkBytes " + maxChunkBytes + " is not positive");
        }
        this.sync = sync;
        this.journal = journal;
        this.continuous = continuous;
        this.pulled = pulled;
        this.source = from ->
        {
            final long limit = journal.publishedDurablePosition();
            final JournalExport.Chunk chunk = JournalExport.read(journal.journalDir(), from, limit, maxChunkBytes);
            if (null == chunk)
            {
                return null;
            }
            lastExported = new Exported(chunk.startPosition(), chunk.endPosition(), chunk.endPosition() < limit &&
                limit - from > maxChunkBytes);
            return new JournalChunk(chunk.startPosition(), chunk.endPosition(), chunk.recordCount(), chunk.bytes());
        };
    }

    /** A checkpoint is in the bucket: the steps after it are shipped next, at once. */
    void onCheckpointPushed(final UUID id, final long step, final long journalPosition)
    {
        if (step > checkpointStep && !id.equals(pulled))
        {
            checkpoint = id;
            checkpointStep = step;
            // the push shipped the first chunk before the catalog named the checkpoint; if a tail shipment ran
            // in between, ship from the checkpoint again (a reader takes the longest chunk of a start position)
            final Exported exported = lastExported;
            position = null != exported && exported.from() == journalPosition ? exported.end() : journalPosition;
            shipNow = true;
        }
        publishLimit();
    }

    /**
     * @param tick true once every push interval: ship the tail.
     * @return work done.
     */
    int doWork(final boolean tick)
    {
        int work = 0;
        Shipped shipped;
        while (null != (shipped = done.poll()))
        {
            work++;
            inFlight = false;
            if (null != shipped.error)
            {
                failures++;
                LOG.log(Level.WARNING, "sync: shipping the journal from position " + shipped.from + " after " +
                    "checkpoint " + shipped.checkpoint + " to " + sync.bucket() + " failed (retried next interval): " +
                    shipped.error.getMessage());
            }
            else if (null != shipped.chunk && shipped.checkpoint.equals(checkpoint) && shipped.from == position)
            {
                chunksShipped++;
                position = shipped.chunk.endPosition();
                publishLimit();
                // the cap cut the chunk short of the durable position: the backlog goes on at once
                shipNow |= shipped.more;
            }
        }
        if ((tick || shipNow || continuous && journal.publishedDurablePosition() > position) &&
            null != checkpoint && !inFlight)
        {
            work++;
            shipNow = false;
            inFlight = true;
            final UUID id = checkpoint;
            final long from = position;
            try
            {
                sync.shipJournal(id, from, source).whenComplete((chunk, error) ->
                {
                    final Exported exported = lastExported;
                    final boolean more = null != chunk && null != exported && exported.more() &&
                        exported.end() == chunk.endPosition();
                    done.offer(new Shipped(id, from, chunk, error, more));
                });
            }
            catch (final RuntimeException ex)
            {
                done.offer(new Shipped(id, from, null, ex, false));
            }
        }
        return work;
    }

    /**
     * A push that ships the journal is queued (any thread, under the agent's queue lock). Once its catalog names
     * the new checkpoint, a node started from the bucket replays only the chunks after that one, and the push's
     * first chunk ends where the durable position was when the push read it, no earlier than now: so until the
     * push ended, the release limit stays at most the durable position now, whatever is shipped after the older
     * checkpoint meanwhile.
     */
    void onPushQueued()
    {
        pushesInFlight.incrementAndGet();
        releaseLimit.accumulateAndGet(journal.publishedDurablePosition(), Math::min);
    }

    /**
     * A push {@link #onPushQueued() queued} ended; on the agent's thread, before {@link #onCheckpointPushed}.
     *
     * @param succeeded true if the checkpoint is in the bucket.
     */
    void onPushEnded(final boolean succeeded)
    {
        pushesInFlight.decrementAndGet();
        if (!succeeded)
        {
            publishLimit();
        }
    }

    /** Publishes the shipped position as the release limit, unless a push holds it (see onPushQueued). */
    private void publishLimit()
    {
        if (0 == pushesInFlight.get())
        {
            // before this node pushed a checkpoint: nothing of its journal is in the bucket to wait for
            releaseLimit.set(null == checkpoint ? Long.MAX_VALUE : position);
        }
        else if (null == checkpoint)
        {
            return;
        }
        else
        {
            releaseLimit.accumulateAndGet(position, Math::min);
        }
    }

    /** @return whether {@code id} is the checkpoint this node was started from (nothing is shipped after it). */
    boolean isPulled(final UUID id)
    {
        return id.equals(pulled);
    }

    /**
     * @return the local journal position up to which the steps are in the bucket, for the circuit thread (any
     * thread may read it); {@link Long#MAX_VALUE} until a checkpoint of this node is pushed.
     */
    java.util.function.LongSupplier releaseLimit()
    {
        return releaseLimit::get;
    }

    /** @return the source the push reads the first chunk after a checkpoint from. */
    JournalSource source()
    {
        return source;
    }

    /** @return the position in the local journal up to which the steps are in the bucket. */
    long shippedPosition()
    {
        return position;
    }

    /** @return chunks shipped, for logs. */
    long chunksShipped()
    {
        return chunksShipped;
    }

    /** @return failed shipments, for logs. */
    long failures()
    {
        return failures;
    }
}
