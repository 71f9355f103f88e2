package dev.keel.engine.state;

import org.agrona.BufferUtil;
import org.agrona.DirectBuffer;
import org.agrona.MutableDirectBuffer;
import org.agrona.UnsafeApi;
import org.agrona.concurrent.UnsafeBuffer;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.ArrayDeque;
import java.util.Arrays;

/**
 * Off-heap memory for operator state, in fixed-size pages carved from large, 4 KiB-aligned chunks.
 * <p>
 * <b>Addresses.</b> A record lives inside one page and is named by a long {@code (page << 16) | offset};
 * 0 is the null address (page 0 is never handed out). Records are allocated by a slab allocator with
 * size classes (each page serves one class; freed records go to a per-class free list threaded
 * through the records themselves), so records up to {@link #MAX_RECORD_LENGTH} bytes can be freed and
 * reused without fragmentation of pages.
 * <p>
 * <b>Dirty pages and copy-on-write.</b> Every write goes through this class, which marks the page
 * dirty. {@link #freeze()} (on the owning thread, at a step boundary) takes the set of pages dirtied
 * since the previous freeze, plus the allocator metadata, as a {@link Snapshot} and clears the dirty
 * set; a checkpoint writer thread then writes the snapshot's pages while the owner keeps running. If
 * the owner writes to a page the writer has not taken yet, the page is first copied to a shadow
 * buffer (copy-on-write); if the writer is writing that very page, the owner waits for it (one page).
 * So the owner stalls only to swap its dirty bitmap for a fresh one and copy the allocator's arrays: nothing it
 * does at a freeze grows with the number of dirty pages; the list of frozen pages is made from the bitmap by the
 * writer.
 * <p>
 * Single writer: all methods except those of {@link Snapshot} are called from the owning (circuit)
 * thread.
 * <p>
 * <b>Lanes (one per circuit worker).</b> {@link #lanes(int, int, boolean)} makes N arenas that share one page
 * address space; see {@link ArenaLanes} for how they are laid out, frozen and checkpointed.
 */
public final class PagedArena implements AutoCloseable
{
    public static final int PAGE_SHIFT = 16;
    public static final int PAGE_SIZE = 1 << PAGE_SHIFT;
    public static final int OFFSET_MASK = PAGE_SIZE - 1;
    public static final int MAX_RECORD_LENGTH = PAGE_SIZE;
    public static final int ALIGNMENT = 4096;

    private static final ByteOrder LE = ByteOrder.LITTLE_ENDIAN;
    private static final boolean NATIVE_LE = ByteOrder.nativeOrder() == LE;
    private static final int[] SIZE_CLASSES = {
        16, 24, 32, 40, 48, 64, 80, 96, 128, 160, 192, 256, 320, 384, 512, 640, 768, 1024, 1536, 2048, 3072,
        4096, 6144, 8192, 12288, 16384, 21840, 32768, PAGE_SIZE };
    static final int WHOLE_PAGE_CLASS = SIZE_CLASSES.length - 1;
    private static final byte[] CLASS_OF_UNITS = new byte[PAGE_SIZE / 8 + 1];

    /**
     * States of a frozen page (a page whose bit is set in the snapshot's bitmap) in the snapshot's own state array,
     * which starts zeroed: frozen, then being written, or copied by the owner first, then written. The states of
     * pages not in the bitmap mean nothing.
     */
    static final int PAGE_FROZEN = 0;
    static final int PAGE_WRITING = 1;
    static final int PAGE_COPIED = 2;
    static final int PAGE_WRITTEN = 3;
    private static final VarHandle STATES = MethodHandles.arrayElementVarHandle(int[].class);

    static
    {
        int sizeClass = 0;
        for (int units = 0; units < CLASS_OF_UNITS.length; units++)
        {
            while (SIZE_CLASSES[sizeClass] < units * 8)
            {
                sizeClass++;
            }
            CLASS_OF_UNITS[units] = (byte)sizeClass;
        }
    }

    /** Marks the metadata of a group of lanes (never a size class, which the single layout has in its place). */
    static final int LANES_MAGIC = 0x4C414E45;

    private final int pagesPerChunk;
    private final boolean preTouch;
    final int lane;
    final int laneCount;
    PagedArena[] group;
    /** Local pages in use (the lane's page {@code l} is the global page {@code l * laneCount + lane}). */
    int localCount;
    private ByteBuffer[] pageBuffers = new ByteBuffer[0];
    private UnsafeBuffer[] pages = new UnsafeBuffer[0];
    /** Native address of each page, for the word accessors (one array load instead of a buffer's fields). */
    private long[] pageAddresses = new long[0];
    private byte[] pageClass = new byte[0];
    private long[] dirty = new long[0];
    int dirtyCount;
    private final long[] freeHeads = new long[SIZE_CLASSES.length];
    private final long[] bumpAddress = new long[SIZE_CLASSES.length];
    Snapshot activeSnapshot;
    private final ArrayDeque<ByteBuffer> shadowPool;
    long copyOnWriteCount;
    long allocatedBytes;

    public PagedArena()
    {
        this(64, false);
    }

    /**
     * @param pagesPerChunk pages per off-heap chunk (a chunk is allocated when the arena grows).
     * @param preTouch      write every page of a new chunk once, so that page faults do not land in a step.
     */
    public PagedArena(final int pagesPerChunk, final boolean preTouch)
    {
        this(pagesPerChunk, preTouch, 0, 1, new ArrayDeque<>());
        group = new PagedArena[] {this};
    }

    PagedArena(
        final int pagesPerChunk, final boolean preTouch, final int lane, final int laneCount,
        final ArrayDeque<ByteBuffer> shadowPool)
    {
        if (pagesPerChunk < 1 || pagesPerChunk > 16384)
        {
            throw new IllegalArgumentException("pagesPerChunk=" + pagesPerChunk + " not in 1..16384");
        }
        this.pagesPerChunk = pagesPerChunk;
        this.preTouch = preTouch;
        this.lane = lane;
        this.laneCount = laneCount;
        this.shadowPool = shadowPool;
        addChunk();
        localCount = lane == 0 ? 1 : 0; // page 0 is reserved so that address 0 is null
    }

    /**
     * Arenas for {@code count} circuit workers over one page address space (see the class comment); element 0
     * is the one to checkpoint and restore. One lane is a plain arena.
     *
     * @param count         number of lanes, 1..64.
     * @param pagesPerChunk pages per off-heap chunk of each lane.
     * @param preTouch      write every page of a new chunk once.
     * @return the lanes, lane {@code w} at index {@code w}.
     */
    public static PagedArena[] lanes(final int count, final int pagesPerChunk, final boolean preTouch)
    {
        return ArenaLanes.create(count, pagesPerChunk, preTouch);
    }

    /** Number of lanes of this arena's group (1 for a plain arena). */
    public int laneCount()
    {
        return laneCount;
    }

    /** This arena's lane in its group (0 for a plain arena). */
    public int lane()
    {
        return lane;
    }

    // ---------------------------------------------------------------------------------------------- allocation

    /** Size class index for a record length (1..{@link #MAX_RECORD_LENGTH}). */
    public static int sizeClass(final int length)
    {
        if (length <= 0 || length > MAX_RECORD_LENGTH)
        {
            throw new IllegalArgumentException("state record length " + length + " not in 1.." + MAX_RECORD_LENGTH);
        }
        return CLASS_OF_UNITS[(length + 7) >>> 3];
    }

    public static int classLength(final int sizeClass)
    {
        return SIZE_CLASSES[sizeClass];
    }

    /** Allocates a record of at least {@code length} bytes; its content is undefined (see {@link #allocateZeroed}). */
    public long allocate(final int length)
    {
        final int sizeClass = sizeClass(length);
        final long head = freeHeads[sizeClass];
        allocatedBytes += SIZE_CLASSES[sizeClass];
        if (head != 0)
        {
            freeHeads[sizeClass] = getLong(head);
            return head;
        }
        final int classLength = SIZE_CLASSES[sizeClass];
        long address = bumpAddress[sizeClass];
        if (address == 0 || (int)(address & OFFSET_MASK) + classLength > PAGE_SIZE || sizeClass == WHOLE_PAGE_CLASS)
        {
            final int page = newPage(sizeClass);
            address = (long)page << PAGE_SHIFT;
        }
        final long next = address + classLength;
        bumpAddress[sizeClass] = ((next & OFFSET_MASK) == 0) ? 0 : next;
        return address;
    }

    public long allocateZeroed(final int length)
    {
        final long address = allocate(length);
        setMemory(address, SIZE_CLASSES[sizeClass(length)], (byte)0);
        return address;
    }

    /** Frees a record allocated with the same {@code length}. */
    public void free(final long address, final int length)
    {
        final int sizeClass = sizeClass(length);
        putLong(address, freeHeads[sizeClass]);
        freeHeads[sizeClass] = address;
        allocatedBytes -= SIZE_CLASSES[sizeClass];
    }

    /** Allocates a whole zeroed page and returns its index. */
    public int allocatePage()
    {
        final long address = allocate(PAGE_SIZE);
        setMemory(address, PAGE_SIZE, (byte)0);
        return (int)(address >>> PAGE_SHIFT);
    }

    public void freePage(final int page)
    {
        free((long)page << PAGE_SHIFT, PAGE_SIZE);
    }

    /**
     * Pages in use, including the reserved page 0; for lane 0 of a group, the end of the group's page space (the
     * largest end of any lane, each lane's end being one past its highest page).
     */
    public int pageCount()
    {
        return laneCount == 1 ? localCount : lane != 0 ? localEnd() : ArenaLanes.pageCount(group);
    }

    /** One past this lane's highest page (global index), 0 if it has none. */
    int localEnd()
    {
        return localCount == 0 ? 0 : (localCount - 1) * laneCount + lane + 1;
    }

    /** Bytes of records allocated; for lane 0 of a group, of all lanes. */
    public long allocatedBytes()
    {
        return lane != 0 || laneCount == 1 ? allocatedBytes : ArenaLanes.sum(group, ArenaLanes.ALLOCATED_BYTES);
    }

    /** Pages dirtied since the last freeze; for lane 0 of a group, of all lanes. */
    public int dirtyPageCount()
    {
        return lane != 0 || laneCount == 1 ? dirtyCount : (int)ArenaLanes.sum(group, ArenaLanes.DIRTY_PAGES);
    }

    /**
     * How many pages were copied because the owner wrote them while a checkpoint was writing; for lane 0 of a
     * group, in all lanes.
     */
    public long copyOnWriteCount()
    {
        return lane != 0 || laneCount == 1 ? copyOnWriteCount : ArenaLanes.sum(group, ArenaLanes.COPIES);
    }

    int newPage(final int sizeClass)
    {
        if (localCount * laneCount >= pages.length)
        {
            addChunk();
        }
        final int page = localCount++ * laneCount + lane;
        pageClass[page] = (byte)sizeClass;
        touch(page);
        return page;
    }

    private void addChunk()
    {
        final int oldLength = pages.length;
        final int newLength = oldLength + pagesPerChunk * laneCount;
        if (newLength > (1 << 30) / 2)
        {
            throw new IllegalStateException("state arena exhausted at " + oldLength + " pages");
        }
        final ByteBuffer chunk = BufferUtil.allocateDirectAligned(pagesPerChunk * PAGE_SIZE, ALIGNMENT);
        pageBuffers = Arrays.copyOf(pageBuffers, newLength);
        pages = Arrays.copyOf(pages, newLength);
        pageAddresses = Arrays.copyOf(pageAddresses, newLength);
        pageClass = Arrays.copyOf(pageClass, newLength);
        // the frozen pages' bits and states live in the active snapshot's own arrays, which do not grow
        dirty = Arrays.copyOf(dirty, (newLength + 63) >>> 6);
        for (int i = 0; i < pagesPerChunk; i++)
        {
            final int page = oldLength + i * laneCount + lane;
            final ByteBuffer slice = chunk.duplicate().position(i * PAGE_SIZE).limit((i + 1) * PAGE_SIZE).slice();
            pageBuffers[page] = slice;
            pages[page] = new UnsafeBuffer(slice);
            pageAddresses[page] = pages[page].addressOffset();
            if (preTouch)
            {
                pages[page].setMemory(0, PAGE_SIZE, (byte)0);
            }
        }
    }

    // ------------------------------------------------------------------------------------------ reads

    public long getLong(final long address)
    {
        final long value = UnsafeApi.getLong(null, wordAddress(address, 8));
        return NATIVE_LE ? value : Long.reverseBytes(value);
    }

    public int getInt(final long address)
    {
        final int value = UnsafeApi.getInt(null, wordAddress(address, 4));
        return NATIVE_LE ? value : Integer.reverseBytes(value);
    }

    /**
     * Native address of the {@code length}-byte word at an arena address. The checks are the arena's own
     * instead of Agrona's: the page index is bounded by the array (pages of a closed arena are gone), the
     * offset is masked to the page and the word must end inside it; one compare, always on.
     */
    private long wordAddress(final long address, final int length)
    {
        final int offset = (int)(address & OFFSET_MASK);
        final long base = pageAddresses[(int)(address >>> PAGE_SHIFT)];
        if (offset > PAGE_SIZE - length)
        {
            throw new IndexOutOfBoundsException(
                "state word of " + length + " bytes at offset " + offset + " crosses the end of page " +
                (address >>> PAGE_SHIFT));
        }
        return base + offset;
    }

    public void getBytes(final long address, final MutableDirectBuffer dst, final int dstOffset, final int length)
    {
        pages[(int)(address >>> PAGE_SHIFT)].getBytes((int)(address & OFFSET_MASK), dst, dstOffset, length);
    }

    /** The page buffer holding {@code address}, for flyweights; index into it with {@link #offset(long)}. */
    public DirectBuffer pageOf(final long address)
    {
        return pages[(int)(address >>> PAGE_SHIFT)];
    }

    public static int offset(final long address)
    {
        return (int)(address & OFFSET_MASK);
    }

    public static int page(final long address)
    {
        return (int)(address >>> PAGE_SHIFT);
    }

    /** True if {@code length} bytes at {@code address} equal {@code src[offset, offset + length)}. */
    public boolean bytesEqual(final long address, final DirectBuffer src, final int offset, final int length)
    {
        return dev.keel.engine.data.Bytes.equals(
            pages[(int)(address >>> PAGE_SHIFT)], (int)(address & OFFSET_MASK), src, offset, length);
    }

    // ----------------------------------------------------------------------------------------- writes

    public void putLong(final long address, final long value)
    {
        touch((int)(address >>> PAGE_SHIFT));
        UnsafeApi.putLong(null, wordAddress(address, 8), NATIVE_LE ? value : Long.reverseBytes(value));
    }

    public void putInt(final long address, final int value)
    {
        touch((int)(address >>> PAGE_SHIFT));
        UnsafeApi.putInt(null, wordAddress(address, 4), NATIVE_LE ? value : Integer.reverseBytes(value));
    }

    public void addLong(final long address, final long delta)
    {
        touch((int)(address >>> PAGE_SHIFT));
        final long word = wordAddress(address, 8);
        if (NATIVE_LE)
        {
            UnsafeApi.putLong(null, word, UnsafeApi.getLong(null, word) + delta);
        }
        else
        {
            UnsafeApi.putLong(null, word, Long.reverseBytes(Long.reverseBytes(UnsafeApi.getLong(null, word)) + delta));
        }
    }

    public void putBytes(final long address, final DirectBuffer src, final int srcOffset, final int length)
    {
        final int page = (int)(address >>> PAGE_SHIFT);
        touch(page);
        pages[page].putBytes((int)(address & OFFSET_MASK), src, srcOffset, length);
    }

    public void copy(final long dst, final long src, final int length)
    {
        final int page = (int)(dst >>> PAGE_SHIFT);
        touch(page);
        pages[page].putBytes((int)(dst & OFFSET_MASK), pages[(int)(src >>> PAGE_SHIFT)], (int)(src & OFFSET_MASK), length);
    }

    public void setMemory(final long address, final int length, final byte value)
    {
        final int page = (int)(address >>> PAGE_SHIFT);
        touch(page);
        pages[page].setMemory((int)(address & OFFSET_MASK), length, value);
    }

    /**
     * Marks a page dirty and, while a snapshot is being written, preserves its frozen content first. Only the first
     * write to a page since the freeze looks at the snapshot: a page dirty already was preserved (or needed no
     * preserving) by that first write, so every later write costs what it costs without fault tolerance.
     */
    private void touch(final int page)
    {
        final long[] dirty = this.dirty;
        final int word = page >>> 6;
        final long bit = 1L << page;
        final long bits = dirty[word];
        if ((bits & bit) == 0)
        {
            final Snapshot snapshot = activeSnapshot;
            if (null != snapshot)
            {
                preserveIfFrozen(snapshot, page);
            }
            dirty[word] = bits | bit;
            dirtyCount++;
        }
    }

    private void preserveIfFrozen(final Snapshot snapshot, final int page)
    {
        if (snapshot.isFrozen(lane, page))
        {
            final int[] frozenStates = snapshot.laneStates[lane];
            final int state = (int)STATES.getVolatile(frozenStates, page);
            if (state == PAGE_FROZEN || state == PAGE_WRITING)
            {
                preserveFrozen(page, frozenStates);
            }
        }
    }

    private void preserveFrozen(final int page, final int[] states)
    {
        while (true)
        {
            final int state = (int)STATES.getVolatile(states, page);
            if (state == PAGE_WRITTEN || state == PAGE_COPIED)
            {
                return;
            }
            if (state == PAGE_FROZEN)
            {
                final ByteBuffer shadow = takeShadow();
                shadow.clear();
                shadow.put(pageBuffers[page].duplicate().clear());
                shadow.flip();
                activeSnapshot.shadows[page] = shadow;
                if (STATES.compareAndSet(states, page, PAGE_FROZEN, PAGE_COPIED))
                {
                    copyOnWriteCount++;
                    return;
                }
                activeSnapshot.shadows[page] = null;
                shadowPool.addLast(shadow);
            }
            else
            {
                Thread.onSpinWait(); // the writer is writing this page: one page write at most
            }
        }
    }

    private ByteBuffer takeShadow()
    {
        synchronized (shadowPool)
        {
            final ByteBuffer shadow = shadowPool.pollFirst();
            return null != shadow ? shadow : BufferUtil.allocateDirectAligned(PAGE_SIZE, ALIGNMENT);
        }
    }

    private void returnShadow(final ByteBuffer shadow)
    {
        synchronized (shadowPool)
        {
            shadowPool.addLast(shadow);
        }
    }

    // ----------------------------------------------------------------------------------- checkpoints

    /**
     * Takes the pages dirtied since the previous freeze and the allocator metadata. The previous
     * snapshot must be {@link Snapshot#close() closed} first.
     */
    public Snapshot freeze()
    {
        checkGroupFace("freeze");
        for (final PagedArena arena : group)
        {
            if (null != arena.activeSnapshot)
            {
                throw new IllegalStateException("the previous state snapshot is still being written");
            }
        }
        if (laneCount > 1)
        {
            ArenaLanes.pad(group);
        }
        final int frozenCount = dirtyPageCount();
        // the dirty bitmaps become the snapshot's (the arena gets fresh ones), the snapshot's states start zeroed
        // (frozen), and what the metadata is made of is copied, to be encoded when first asked for (on the writer
        // thread, normally): nothing here grows with the number of dirty pages
        final long[][] laneBits = new long[laneCount][];
        final int[][] laneStates = new int[laneCount][];
        final ByteBuffer[][] laneBuffers = new ByteBuffer[laneCount][];
        final LaneMeta[] laneMetas = new LaneMeta[laneCount];
        int pageSpace = 0;
        for (final PagedArena arena : group)
        {
            laneBits[arena.lane] = arena.dirty;
            arena.dirty = new long[arena.dirty.length];
            arena.dirtyCount = 0;
            laneStates[arena.lane] = new int[arena.pageBuffers.length];
            laneBuffers[arena.lane] = arena.pageBuffers;
            laneMetas[arena.lane] = arena.captureMeta();
            pageSpace = Math.max(pageSpace, arena.pageBuffers.length);
        }
        final Snapshot snapshot = new Snapshot(
            frozenCount, laneBits, laneStates, laneBuffers, laneMetas, pageCount(), pageSpace);
        for (final PagedArena arena : group)
        {
            arena.activeSnapshot = snapshot;
        }
        // the snapshot's arrays reach the writer through this fence and the volatile hand-over of the store's job
        VarHandle.releaseFence();
        return snapshot;
    }

    private void checkGroupFace(final String what)
    {
        if (lane != 0)
        {
            throw new IllegalStateException(what + " is done through lane 0 of the arena group, not lane " + lane);
        }
    }

    /** Marks every page in use dirty (of every lane), so that the next snapshot is a full one. */
    public void markAllDirty()
    {
        for (final PagedArena arena : group)
        {
            for (int page = arena.lane == 0 ? laneCount : arena.lane; page < arena.localEnd(); page += laneCount)
            {
                arena.touch(page);
            }
        }
    }

    /** The allocator state {@link #saveLaneMeta} encodes, copied at a freeze. */
    record LaneMeta(int localCount, byte[] pageClass, long[] freeHeads, long[] bumpAddress, long allocatedBytes)
    {
    }

    private LaneMeta captureMeta()
    {
        return new LaneMeta(localCount, pageClass.clone(), freeHeads.clone(), bumpAddress.clone(), allocatedBytes);
    }

    void saveLaneMeta(final MetaBuffer meta, final LaneMeta laneMeta)
    {
        meta.putInt(PAGE_SIZE).putInt(laneMeta.localCount);
        for (int local = 0; local < laneMeta.localCount; local++)
        {
            meta.putInt(laneMeta.pageClass[local * laneCount + lane]);
        }
        meta.putLongArray(laneMeta.freeHeads, laneMeta.freeHeads.length);
        meta.putLongArray(laneMeta.bumpAddress, laneMeta.bumpAddress.length);
        meta.putLong(laneMeta.allocatedBytes);
    }

    /**
     * Number of lanes (circuit workers) that wrote a snapshot's metadata: 1 for a plain arena.
     *
     * @param metaBytes {@link Snapshot#meta()} of a checkpoint.
     * @return the lane count.
     */
    public static int laneCountOf(final byte[] metaBytes)
    {
        return ArenaLanes.laneCountOf(metaBytes);
    }

    /**
     * Restores the arena from a snapshot's metadata, replacing whatever the program allocated while it was
     * being built; the caller then fills every page with {@link #restorePage} and the components load
     * their metadata. Called before the first step only.
     */
    public void restoreMeta(final byte[] metaBytes)
    {
        checkGroupFace("restoreMeta");
        for (final PagedArena arena : group)
        {
            if (null != arena.activeSnapshot)
            {
                throw new IllegalStateException("cannot restore while a snapshot is open");
            }
        }
        ArenaLanes.restoreMeta(this, metaBytes);
    }

    void restoreLaneMeta(final MetaBuffer meta)
    {
        final int pageSize = meta.getInt();
        if (pageSize != PAGE_SIZE)
        {
            throw new IllegalStateException("state page size " + pageSize + " does not match " + PAGE_SIZE);
        }
        final int count = meta.getInt();
        while (pages.length < count * laneCount)
        {
            addChunk();
        }
        for (int local = 0; local < count; local++)
        {
            pageClass[local * laneCount + lane] = (byte)meta.getInt();
        }
        localCount = count;
        final long[] heads = meta.getLongArray();
        final long[] bumps = meta.getLongArray();
        if (heads.length != freeHeads.length || bumps.length != bumpAddress.length)
        {
            throw new IllegalStateException("state metadata has " + heads.length + " size classes, expected " +
                freeHeads.length);
        }
        System.arraycopy(heads, 0, freeHeads, 0, heads.length);
        System.arraycopy(bumps, 0, bumpAddress, 0, bumps.length);
        allocatedBytes = meta.getLong();
        java.util.Arrays.fill(dirty, 0);
        dirtyCount = 0;
    }

    /** Writable view of a page for restore; the restored page is not marked dirty. */
    public ByteBuffer restorePage(final int page)
    {
        final int pageCount = pageCount();
        if (page <= 0 || page >= pageCount)
        {
            throw new IllegalArgumentException("page " + page + " outside 1.." + (pageCount - 1));
        }
        final PagedArena owner = group[page % laneCount];
        if (page >= owner.localEnd())
        {
            throw new IllegalArgumentException("page " + page + " is past the end of lane " + owner.lane);
        }
        return owner.pageBuffers[page].duplicate().clear();
    }

    /** Releases the pages; lane 0 of a group closes every lane. */
    public void close()
    {
        for (final PagedArena arena : lane == 0 ? group : new PagedArena[] {this})
        {
            arena.pages = new UnsafeBuffer[0];
            arena.pageAddresses = new long[0];
            arena.pageBuffers = new ByteBuffer[0];
        }
    }

    /**
     * The frozen pages of one checkpoint. {@link #acquire(int)} and {@link #release(int)} are called from
     * the writer thread; {@link #close()} from the owner thread once the writer finished. The frozen pages are the
     * bits of the lanes' dirty bitmaps as of the freeze; their ascending list is made on first use (by the writer,
     * normally).
     */
    public final class Snapshot implements AutoCloseable
    {
        private final int pageCount;
        private final long[][] laneBits;
        private final int[][] laneStates;
        private final ByteBuffer[][] laneBuffers;
        private final ByteBuffer[] shadows;
        private final LaneMeta[] laneMetas;
        private final int arenaPageCount;
        private volatile int released;
        private int[] frozenPages;
        private byte[] meta;

        Snapshot(final int pageCount, final long[][] laneBits, final int[][] laneStates,
            final ByteBuffer[][] laneBuffers, final LaneMeta[] laneMetas, final int arenaPageCount,
            final int pageSpace)
        {
            this.pageCount = pageCount;
            this.laneBits = laneBits;
            // each lane's page buffers as of the freeze (a page's buffer never changes) and the snapshot's own
            // states, which the writer and the owner both switch, even after the arena grew
            this.laneStates = laneStates;
            this.laneBuffers = laneBuffers;
            this.laneMetas = laneMetas;
            this.arenaPageCount = arenaPageCount;
            this.shadows = new ByteBuffer[pageSpace];
        }

        /** Number of frozen pages. */
        public int pageCount()
        {
            return pageCount;
        }

        /** Page index (address space of the arena) of the i-th frozen page; ascending. */
        public int page(final int i)
        {
            return frozenPages()[i];
        }

        /** Pages of the arena at the freeze (frozen or not), page 0 included. */
        public int arenaPageCount()
        {
            return arenaPageCount;
        }

        /** Page size in bytes. */
        public int pageSize()
        {
            return PAGE_SIZE;
        }

        boolean isFrozen(final int lane, final int page)
        {
            final long[] bits = laneBits[lane];
            final int word = page >>> 6;
            return word < bits.length && (bits[word] & (1L << page)) != 0;
        }

        private synchronized int[] frozenPages()
        {
            if (null == frozenPages)
            {
                int words = 0;
                for (final long[] bits : laneBits)
                {
                    words = Math.max(words, bits.length);
                }
                final int[] pages = new int[pageCount];
                int n = 0;
                for (int word = 0; word < words; word++)
                {
                    long union = 0;
                    for (final long[] bits : laneBits)
                    {
                        // the lanes' pages are disjoint: one bitmap per lane, all in the group's page numbering
                        union |= word < bits.length ? bits[word] : 0;
                    }
                    while (union != 0)
                    {
                        pages[n++] = (word << 6) + Long.numberOfTrailingZeros(union);
                        union &= union - 1;
                    }
                }
                if (n != pageCount)
                {
                    throw new IllegalStateException("snapshot has " + n + " frozen pages, counted " + pageCount);
                }
                frozenPages = pages;
            }
            return frozenPages;
        }

        /**
         * Allocator metadata at the freeze, encoded on the first call (any thread; the writer's, normally).
         *
         * @return the encoded metadata, the same array on every call.
         */
        public synchronized byte[] meta()
        {
            if (null == meta)
            {
                final MetaBuffer buffer = new MetaBuffer();
                if (laneCount == 1)
                {
                    group[0].saveLaneMeta(buffer, laneMetas[0]);
                }
                else
                {
                    ArenaLanes.saveMeta(group, buffer, laneMetas, arenaPageCount);
                }
                meta = buffer.toByteArray();
            }
            return meta;
        }

        /**
         * Takes the i-th page for writing: the returned buffer (aligned, position 0, limit
         * {@link #PAGE_SIZE}) holds its content at the freeze until {@link #release(int)}.
         */
        public ByteBuffer acquire(final int i)
        {
            final int page = page(i);
            final int[] states = laneStates[page % laneCount];
            while (true)
            {
                if (STATES.compareAndSet(states, page, PAGE_FROZEN, PAGE_WRITING))
                {
                    return laneBuffers[page % laneCount][page].duplicate().clear();
                }
                if ((int)STATES.getVolatile(states, page) == PAGE_COPIED)
                {
                    return shadows[page].duplicate().clear();
                }
                Thread.onSpinWait();
            }
        }

        public void release(final int i)
        {
            final int page = page(i);
            final int[] states = laneStates[page % laneCount];
            final int state = (int)STATES.getVolatile(states, page);
            if (state == PAGE_COPIED)
            {
                final ByteBuffer shadow = shadows[page];
                shadows[page] = null;
                returnShadow(shadow);
            }
            STATES.setRelease(states, page, PAGE_WRITTEN);
            // one writer thread: the count needs no atomic increment
            released = released + 1;
        }

        /**
         * Ends the snapshot (owner thread, once the writer finished with it: the store's job reported so through
         * a volatile, which is what makes the writer's state changes visible here); pages not written stay as they
         * are, nothing is lost. After a complete write there is nothing to do.
         */
        public void close()
        {
            if (released != pageCount)
            {
                final int[] pages = frozenPages();
                for (int i = 0; i < pages.length; i++)
                {
                    final int page = pages[i];
                    final int[] states = laneStates[page % laneCount];
                    if (states[page] != PAGE_WRITTEN)
                    {
                        if (null != shadows[page])
                        {
                            returnShadow(shadows[page]);
                            shadows[page] = null;
                        }
                        // not written: keep it dirty so that the next checkpoint writes it (written first, so that
                        // the touch does not preserve it)
                        states[page] = PAGE_WRITTEN;
                        group[page % laneCount].touch(page);
                    }
                }
            }
            for (final PagedArena arena : group)
            {
                arena.activeSnapshot = null;
            }
        }
    }
}
