package dev.keel.engine.state;

import dev.keel.engine.KeelException;

import java.nio.ByteBuffer;
import java.util.ArrayDeque;

/**
 * The group side of {@link PagedArena} lanes (one lane per circuit worker): creating the lanes, the group's
 * totals, padding the lanes to a dense page space before a freeze, and the metadata layout with a lanes section.
 * Called through lane 0 at a step boundary, while every worker is idle.
 * <p>
 * <b>Lanes (one per circuit worker).</b> {@link PagedArena#lanes(int, int, boolean)} makes N arenas that share one page
 * address space without sharing anything at run time: lane {@code w} of {@code N} owns the pages whose index is
 * {@code w} modulo {@code N} (its arrays are indexed by the global page index, the slots of other lanes stay
 * empty), so every address names one page of one lane and the hot paths are those of a single arena. Each lane
 * has its own allocator, dirty set and copy-on-write states and is written by its worker only. Lane 0 is the
 * group's face to checkpoints: its {@link PagedArena#freeze()} (called at a step boundary, all workers idle) pads the
 * lanes to the same number of pages (so that the page space 1..pageCount-1 is dense, as checkpoint stores
 * require), takes every lane's dirty pages as one {@link PagedArena.Snapshot}, and its metadata holds every lane's
 * allocator; {@link PagedArena#restoreMeta} and {@link PagedArena#restorePage} route to the lanes. The checkpoint format is the
 * page format of one arena; only the metadata gains a lanes section:
 * <pre>
 *   single arena: pageSize:int pageCount:int pageClass:int[pageCount] freeHeads bumpAddress allocatedBytes
 *   N lanes:      pageSize:int pageCount:int LANES_MAGIC:int N:int (laneMeta:bytes){N}   (laneMeta as above)
 * </pre>
 */
final class ArenaLanes
{
    static final int ALLOCATED_BYTES = 0;
    static final int DIRTY_PAGES = 1;
    static final int COPIES = 2;

    private ArenaLanes()
    {
    }

    static PagedArena[] create(final int count, final int pagesPerChunk, final boolean preTouch)
    {
        if (count < 1 || count > 64)
        {
            throw new IllegalArgumentException("arena lanes=" + count + " not in 1..64");
        }
        if (count == 1)
        {
            return new PagedArena[] {new PagedArena(pagesPerChunk, preTouch)};
        }
        final ArrayDeque<ByteBuffer> shadows = new ArrayDeque<>();
        final PagedArena[] lanes = new PagedArena[count];
        for (int i = 0; i < count; i++)
        {
            lanes[i] = new PagedArena(pagesPerChunk, preTouch, i, count, shadows);
        }
        for (final PagedArena arena : lanes)
        {
            arena.group = lanes;
        }
        return lanes;
    }

    /** End of the group's page space: the largest end of any lane. */
    static int pageCount(final PagedArena[] group)
    {
        int end = 0;
        for (final PagedArena arena : group)
        {
            end = Math.max(end, arena.localEnd());
        }
        return end;
    }

    /** Sum over the lanes of {@link #ALLOCATED_BYTES}, {@link #DIRTY_PAGES} or {@link #COPIES}. */
    static long sum(final PagedArena[] group, final int what)
    {
        long sum = 0;
        for (final PagedArena arena : group)
        {
            sum += what == ALLOCATED_BYTES ? arena.allocatedBytes :
                what == DIRTY_PAGES ? arena.dirtyCount : arena.copyOnWriteCount;
        }
        return sum;
    }

    /**
     * Gives every lane as many pages as the largest one (free whole pages on its free list), so that the group's
     * pages 1..pageCount-1 all exist: checkpoint stores require a dense page space.
     */
    static void pad(final PagedArena[] group)
    {
        int local = 0;
        for (final PagedArena arena : group)
        {
            local = Math.max(local, arena.localCount);
        }
        for (final PagedArena arena : group)
        {
            while (arena.localCount < local)
            {
                final int page = arena.newPage(PagedArena.WHOLE_PAGE_CLASS);
                arena.free((long)page << PagedArena.PAGE_SHIFT, PagedArena.PAGE_SIZE);
                arena.allocatedBytes += PagedArena.PAGE_SIZE; // free() counted a record that was never allocated
            }
        }
    }

    /** The group layout: pageSize pageCount LANES_MAGIC N, then each lane's single-arena metadata as bytes. */
    static void saveMeta(
        final PagedArena[] group, final MetaBuffer meta, final PagedArena.LaneMeta[] laneMetas, final int pageCount)
    {
        meta.putInt(PagedArena.PAGE_SIZE).putInt(pageCount).putInt(PagedArena.LANES_MAGIC).putInt(group.length);
        for (final PagedArena arena : group)
        {
            final MetaBuffer laneMeta = new MetaBuffer();
            arena.saveLaneMeta(laneMeta, laneMetas[arena.lane]);
            meta.putByteArray(laneMeta.toByteArray());
        }
    }

    static int laneCountOf(final byte[] metaBytes)
    {
        final MetaBuffer meta = new MetaBuffer(metaBytes);
        meta.getInt();
        final int count = meta.getInt();
        if (count < 1)
        {
            return 1;
        }
        // the single layout has page 0's size class (0) where the group layout has its magic
        return meta.getInt() == PagedArena.LANES_MAGIC ? meta.getInt() : 1;
    }

    /** Restores every lane; refuses metadata of another number of lanes (workers), naming $.workers. */
    static void restoreMeta(final PagedArena root, final byte[] metaBytes)
    {
        final int stored = laneCountOf(metaBytes);
        if (stored != root.laneCount)
        {
            throw new KeelException(KeelException.Category.CONFIG, "CONFIG_WORKERS_CHANGED",
                "the checkpoint holds the state of " + stored + " circuit worker(s) (stored $.workers = " + stored +
                ") but the pipeline runs " + root.laneCount + " ($.workers = " + root.laneCount + "); set " +
                "\"workers\": " + stored + " in the pipeline config to restore it (state is sharded by worker and " +
                "is not re-sharded), or remove the storage directory to start afresh");
        }
        if (root.laneCount == 1)
        {
            root.restoreLaneMeta(new MetaBuffer(metaBytes));
            return;
        }
        final MetaBuffer meta = new MetaBuffer(metaBytes);
        meta.getInt();
        meta.getInt();
        meta.getInt();
        meta.getInt();
        for (final PagedArena arena : root.group)
        {
            arena.restoreLaneMeta(new MetaBuffer(meta.getByteArray()));
        }
    }
}
