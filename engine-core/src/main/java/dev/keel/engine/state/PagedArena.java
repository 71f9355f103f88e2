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
 * So the owner stalls only to list the dirty pages, never to copy state.
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

    static final int PAGE_IDLE = 0;
    static final int PAGE_FROZEN = 1;
    static final int PAGE_WRITING = 2;
    static final int PAGE_COPIED = 3;
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
    private int[] states = new int[0];
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
        dirty = Arrays.copyOf(dirty, (newLength + 63) >>> 6);
        // a new array, not a copy: the frozen pages' states live in the array the active snapshot captured (a writer
        // may be switching one of them in that array right now); without a snapshot every page is idle
        states = new int[newLength];
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

    /** Marks a page dirty and, while a snapshot is being written, preserves its frozen content first. */
    private void touch(final int page)
    {
        final Snapshot snapshot = activeSnapshot;
        if (null != snapshot)
        {
            final int[] frozenStates = snapshot.laneStates[lane];
            if (page < frozenStates.length && (int)STATES.getVolatile(frozenStates, page) != PAGE_IDLE)
            {
                preserveFrozen(page, frozenStates);
            }
        }
        final long[] dirty = this.dirty;
        final int word = page >>> 6;
        final long bit = 1L << page;
        final long bits = dirty[word];
        if ((bits & bit) == 0)
        {
            dirty[word] = bits | bit;
            dirtyCount++;
        }
    }

    private void preserveFrozen(final int page, final int[] states)
    {
        while (true)
        {
            final int state = (int)STATES.getVolatile(states, page);
            if (state == PAGE_IDLE || state == PAGE_COPIED)
            {
                return;
            }
            if (state == PAGE_FROZEN)
            {
                final ByteBuffer shadow = takeShadow();
                shadow.clear();
                shadow.put(pageBuffers[page].duplicate().clear());
                shadow.flip();
                activeSnapshot.shadows[activeSnapshot.indexOf(page)] = shadow;
                if (STATES.compareAndSet(states, page, PAGE_FROZEN, PAGE_COPIED))
                {
                    copyOnWriteCount++;
                    return;
                }
                activeSnapshot.shadows[activeSnapshot.indexOf(page)] = null;
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
        final int[] frozenPages = new int[dirtyPageCount()];
        int n = 0;
        for (final PagedArena arena : group)
        {
            n = arena.freezeDirty(frozenPages, n);
        }
        if (laneCount > 1)
        {
            Arrays.sort(frozenPages);
        }
        final MetaBuffer meta = new MetaBuffer();
        saveMeta(meta);
        final ByteBuffer[] buffers = new ByteBuffer[n];
        for (int i = 0; i < n; i++)
        {
            buffers[i] = group[frozenPages[i] % laneCount].pageBuffers[frozenPages[i]];
        }
        final int[][] laneStates = new int[laneCount][];
        for (final PagedArena arena : group)
        {
            laneStates[arena.lane] = arena.states;
        }
        final Snapshot snapshot = new Snapshot(frozenPages, buffers, laneStates, meta.toByteArray());
        for (final PagedArena arena : group)
        {
            arena.activeSnapshot = snapshot;
        }
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

    private int freezeDirty(final int[] frozenPages, final int start)
    {
        int n = start;
        for (int word = 0; word < dirty.length; word++)
        {
            long bits = dirty[word];
            while (bits != 0)
            {
                final int page = (word << 6) + Long.numberOfTrailingZeros(bits);
                bits &= bits - 1;
                frozenPages[n++] = page;
                STATES.setRelease(states, page, PAGE_FROZEN);
            }
            dirty[word] = 0;
        }
        dirtyCount = 0;
        return n;
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

    private void saveMeta(final MetaBuffer meta)
    {
        if (laneCount == 1)
        {
            saveLaneMeta(meta);
            return;
        }
        ArenaLanes.saveMeta(this, meta);
    }

    void saveLaneMeta(final MetaBuffer meta)
    {
        meta.putInt(PAGE_SIZE).putInt(localCount);
        for (int local = 0; local < localCount; local++)
        {
            meta.putInt(pageClass[local * laneCount + lane]);
        }
        meta.putLongArray(freeHeads, freeHeads.length);
        meta.putLongArray(bumpAddress, bumpAddress.length);
        meta.putLong(allocatedBytes);
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
     * the writer thread; {@link #close()} from the owner thread once the writer finished.
     */
    public final class Snapshot implements AutoCloseable
    {
        private final int[] frozenPages;
        private final ByteBuffer[] buffers;
        private final ByteBuffer[] shadows;
        private final byte[] meta;
        private final int[][] laneStates;

        Snapshot(final int[] frozenPages, final ByteBuffer[] buffers, final int[][] laneStates, final byte[] meta)
        {
            this.frozenPages = frozenPages;
            this.buffers = buffers;
            // each lane's page states as of the freeze: the writer and the owner both switch the frozen pages in
            // these arrays, even after the arena grew and replaced its own
            this.laneStates = laneStates;
            this.shadows = new ByteBuffer[frozenPages.length];
            this.meta = meta;
        }

        /** Number of frozen pages. */
        public int pageCount()
        {
            return frozenPages.length;
        }

        /** Page index (address space of the arena) of the i-th frozen page; ascending. */
        public int page(final int i)
        {
            return frozenPages[i];
        }

        /** Allocator metadata at the freeze. */
        public byte[] meta()
        {
            return meta;
        }

        /** Page size in bytes. */
        public int pageSize()
        {
            return PAGE_SIZE;
        }

        /**
         * Takes the i-th page for writing: the returned buffer (aligned, position 0, limit
         * {@link #PAGE_SIZE}) holds its content at the freeze until {@link #release(int)}.
         */
        public ByteBuffer acquire(final int i)
        {
            final int page = frozenPages[i];
            final int[] states = laneStates[page % laneCount];
            while (true)
            {
                if (STATES.compareAndSet(states, page, PAGE_FROZEN, PAGE_WRITING))
                {
                    return buffers[i].duplicate().clear();
                }
                if ((int)STATES.getVolatile(states, page) == PAGE_COPIED)
                {
                    return shadows[i].duplicate().clear();
                }
                Thread.onSpinWait();
            }
        }

        public void release(final int i)
        {
            final int page = frozenPages[i];
            final int[] states = laneStates[page % laneCount];
            final int state = (int)STATES.getVolatile(states, page);
            if (state == PAGE_COPIED)
            {
                final ByteBuffer shadow = shadows[i];
                shadows[i] = null;
                returnShadow(shadow);
            }
            STATES.setRelease(states, page, PAGE_IDLE);
        }

        int indexOf(final int page)
        {
            return Arrays.binarySearch(frozenPages, page);
        }

        /** Ends the snapshot (owner thread); pages not written stay as they are, nothing is lost. */
        public void close()
        {
            for (int i = 0; i < frozenPages.length; i++)
            {
                final int page = frozenPages[i];
                final PagedArena owner = group[page % laneCount];
                final int[] states = laneStates[page % laneCount];
                if ((int)STATES.getVolatile(states, page) != PAGE_IDLE)
                {
                    if (null != shadows[i])
                    {
                        returnShadow(shadows[i]);
                        shadows[i] = null;
                    }
                    // not written: keep it dirty so that the next checkpoint writes it
                    STATES.setRelease(states, page, PAGE_IDLE);
                    owner.touch(page);
                }
            }
            for (final PagedArena arena : group)
            {
                arena.activeSnapshot = null;
            }
        }
    }
}
