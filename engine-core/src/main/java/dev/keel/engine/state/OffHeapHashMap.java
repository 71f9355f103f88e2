package dev.keel.engine.state;

import org.agrona.DirectBuffer;

/**
 * A hash map from byte-string keys to a fixed-size value area, entirely in a {@link PagedArena}: the
 * slot table lives in whole arena pages and every entry is one arena record, so checkpoints see the
 * map as dirty pages and no Java object exists per key.
 * <pre>
 *   slot (16 bytes):   | int64 hash | int64 record address (0 = empty) |
 *   record:            | int32 key length | int32 reserved | value area (valueLength, 8-aligned) | key |
 * </pre>
 * Open addressing with linear probing and backward-shift deletion (no tombstones). The table doubles
 * when it is 5/8 full; give a realistic {@code expectedKeys} to avoid rehashing in steady state.
 * Value areas of new entries are zeroed. Single-threaded.
 */
public final class OffHeapHashMap implements Stateful
{
    private static final int SLOT_LENGTH = 16;
    private static final int SLOTS_PER_PAGE = PagedArena.PAGE_SIZE / SLOT_LENGTH;
    private static final int SLOTS_PER_PAGE_SHIFT = Integer.numberOfTrailingZeros(SLOTS_PER_PAGE);
    private static final int HEADER_LENGTH = 8;

    private final PagedArena arena;
    private final int valueLength;
    private final int valueArea;
    private final int keyStart;
    private int[] tablePages;
    private long mask;
    private int size;
    private int resizeThreshold;
    private boolean inserted;

    public OffHeapHashMap(final PagedArena arena, final int valueLength, final int expectedKeys)
    {
        if (valueLength < 0 || valueLength > PagedArena.MAX_RECORD_LENGTH / 2)
        {
            throw new IllegalArgumentException("valueLength=" + valueLength);
        }
        this.arena = arena;
        this.valueLength = valueLength;
        this.valueArea = (valueLength + 7) & ~7;
        this.keyStart = HEADER_LENGTH + valueArea;
        long capacity = SLOTS_PER_PAGE;
        while (capacity * 5 / 8 < expectedKeys)
        {
            capacity <<= 1;
        }
        allocateTable((int)capacity);
    }

    public int size()
    {
        return size;
    }

    public int valueLength()
    {
        return valueLength;
    }

    /** True if the last {@link #findOrInsert} created the entry. */
    public boolean wasInserted()
    {
        return inserted;
    }

    /** Address of the entry's value area. */
    public static long valueAddress(final long record)
    {
        return record + HEADER_LENGTH;
    }

    public int keyLength(final long record)
    {
        return arena.getInt(record);
    }

    /** Address of the entry's key bytes (read them with {@link PagedArena#pageOf(long)}). */
    public long keyAddress(final long record)
    {
        return record + HEADER_LENGTH + valueArea;
    }

    /** Record address of the key, or 0. */
    public long find(final DirectBuffer key, final int offset, final int length, final long hash)
    {
        long slot = hash & mask;
        while (true)
        {
            final long slotAddress = slotAddress(slot);
            final long record = arena.getLong(slotAddress + 8);
            if (record == 0)
            {
                return 0;
            }
            if (arena.getLong(slotAddress) == hash && keyEquals(record, key, offset, length))
            {
                return record;
            }
            slot = (slot + 1) & mask;
        }
    }

    /**
     * The record in the first slot of {@code hash}'s probe sequence that holds the same hash, or 0 if the
     * sequence ends first; keys are not compared, so the record may belong to another key with an equal
     * hash. A prefetch hint: reads only the slot table, changes nothing.
     */
    public long probeHash(final long hash)
    {
        long slot = hash & mask;
        while (true)
        {
            final long slotAddress = slotAddress(slot);
            final long record = arena.getLong(slotAddress + 8);
            if (record == 0 || arena.getLong(slotAddress) == hash)
            {
                return record;
            }
            slot = (slot + 1) & mask;
        }
    }

    /**
     * Reads the first word of the record and the first word of its key (both at addresses known without a
     * load, so the two reads overlap). Everything {@link #findOrInsert} and an update of the value touch lies
     * from the one to the other (header, value area, then the key compare from the key's start), so for
     * records of up to two cache lines both lines are loaded whatever the record's alignment to a line.
     * (The last value word was read before: with 80-byte records starting at a line boundary, the key sat
     * in the second line and was missed.) Only for maps whose keys are never empty: the key word of an empty
     * key lies past the record. Returns a meaningless value for the caller to keep, so that the
     * reads are not optimised away. Changes nothing.
     */
    public long touch(final long record)
    {
        return arena.getLong(record) + arena.getLong(record + keyStart);
    }

    /**
     * As {@link #findOrInsert(DirectBuffer, int, int, long)}, trying first a record of this map that is
     * probably the key's (from {@link #probeHash} earlier in the step): if its key is equal it is returned
     * without walking the slot table again. {@code hint} must be 0 or a record of this map not removed
     * since it was obtained (inserts and table growth do not move records).
     */
    public long findOrInsert(final DirectBuffer key, final int offset, final int length, final long hash, final long hint)
    {
        if (hint != 0 && keyEquals(hint, key, offset, length))
        {
            inserted = false;
            return hint;
        }
        return findOrInsert(key, offset, length, hash);
    }

    /** Record address of the key, inserting a zeroed entry if absent (then {@link #wasInserted()} is true). */
    public long findOrInsert(final DirectBuffer key, final int offset, final int length, final long hash)
    {
        long slot = hash & mask;
        while (true)
        {
            final long slotAddress = slotAddress(slot);
            final long record = arena.getLong(slotAddress + 8);
            if (record == 0)
            {
                break;
            }
            if (arena.getLong(slotAddress) == hash && keyEquals(record, key, offset, length))
            {
                inserted = false;
                return record;
            }
            slot = (slot + 1) & mask;
        }
        final int recordLength = HEADER_LENGTH + valueArea + length;
        final long record = arena.allocate(recordLength);
        arena.putInt(record, length);
        arena.putInt(record + 4, 0);
        if (valueArea > 0)
        {
            arena.setMemory(record + HEADER_LENGTH, valueArea, (byte)0);
        }
        arena.putBytes(record + HEADER_LENGTH + valueArea, key, offset, length);
        final long slotAddress = slotAddress(slot);
        arena.putLong(slotAddress, hash);
        arena.putLong(slotAddress + 8, record);
        inserted = true;
        if (++size > resizeThreshold)
        {
            grow();
        }
        return record;
    }

    /** Removes the entry at {@code record} (found with this map) and frees it. */
    public void remove(final long record, final long hash)
    {
        long slot = hash & mask;
        while (arena.getLong(slotAddress(slot) + 8) != record)
        {
            if (arena.getLong(slotAddress(slot) + 8) == 0)
            {
                throw new IllegalStateException("record " + record + " not in map");
            }
            slot = (slot + 1) & mask;
        }
        arena.free(record, HEADER_LENGTH + valueArea + keyLength(record));
        size--;
        // backward-shift deletion keeps probe sequences intact without tombstones
        long hole = slot;
        long next = (slot + 1) & mask;
        while (true)
        {
            final long nextAddress = slotAddress(next);
            final long nextRecord = arena.getLong(nextAddress + 8);
            if (nextRecord == 0)
            {
                break;
            }
            final long nextHash = arena.getLong(nextAddress);
            final long home = nextHash & mask;
            // move next into the hole if its home is not in the cyclic range (hole, next]
            final boolean homeBetween = hole <= next ? (home > hole && home <= next) : (home > hole || home <= next);
            if (!homeBetween)
            {
                final long holeAddress = slotAddress(hole);
                arena.putLong(holeAddress, nextHash);
                arena.putLong(holeAddress + 8, nextRecord);
                hole = next;
            }
            next = (next + 1) & mask;
        }
        final long holeAddress = slotAddress(hole);
        arena.putLong(holeAddress, 0);
        arena.putLong(holeAddress + 8, 0);
    }

    /** Number of slots; iterate with {@link #recordAt(long)} from 0 to capacity - 1. */
    public long capacity()
    {
        return mask + 1;
    }

    /** Record in the slot, or 0 if empty. */
    public long recordAt(final long slot)
    {
        return arena.getLong(slotAddress(slot) + 8);
    }

    public long hashAt(final long slot)
    {
        return arena.getLong(slotAddress(slot));
    }

    /** True if the entry's key equals {@code key[offset, offset + length)}. */
    public boolean keyEquals(final long record, final DirectBuffer key, final int offset, final int length)
    {
        return arena.getInt(record) == length &&
            arena.bytesEqual(record + HEADER_LENGTH + valueArea, key, offset, length);
    }

    private long slotAddress(final long slot)
    {
        final int page = tablePages[(int)(slot >>> SLOTS_PER_PAGE_SHIFT)];
        return ((long)page << PagedArena.PAGE_SHIFT) + ((slot & (SLOTS_PER_PAGE - 1)) << 4);
    }

    private void allocateTable(final int capacity)
    {
        final int pageCount = Math.max(1, capacity / SLOTS_PER_PAGE);
        tablePages = new int[pageCount];
        for (int i = 0; i < pageCount; i++)
        {
            tablePages[i] = arena.allocatePage();
        }
        mask = capacity - 1;
        resizeThreshold = (int)Math.min(Integer.MAX_VALUE - 1, (long)capacity * 5 / 8);
    }

    private void grow()
    {
        final int[] oldPages = tablePages;
        final long oldCapacity = mask + 1;
        if (oldCapacity * 2 > (1L << 30))
        {
            throw new IllegalStateException("hash map exceeds 2^30 slots");
        }
        allocateTable((int)(oldCapacity * 2));
        for (final int page : oldPages)
        {
            final long base = (long)page << PagedArena.PAGE_SHIFT;
            for (int i = 0; i < SLOTS_PER_PAGE; i++)
            {
                final long record = arena.getLong(base + ((long)i << 4) + 8);
                if (record != 0)
                {
                    final long hash = arena.getLong(base + ((long)i << 4));
                    long slot = hash & mask;
                    while (arena.getLong(slotAddress(slot) + 8) != 0)
                    {
                        slot = (slot + 1) & mask;
                    }
                    final long slotAddress = slotAddress(slot);
                    arena.putLong(slotAddress, hash);
                    arena.putLong(slotAddress + 8, record);
                }
            }
            arena.freePage(page);
        }
    }

    public void saveMeta(final MetaBuffer meta)
    {
        meta.putInt(valueLength).putInt(size).putLong(mask).putIntArray(tablePages, tablePages.length);
    }

    /**
     * Reads past the metadata {@link #saveMeta} wrote for a map that is not loaded (its pages stay unused).
     *
     * @param meta positioned at the map's metadata.
     */
    public static void skipMeta(final MetaBuffer meta)
    {
        meta.getInt();
        meta.getInt();
        meta.getLong();
        meta.getIntArray();
    }

    public void loadMeta(final MetaBuffer meta)
    {
        final int savedValueLength = meta.getInt();
        if (savedValueLength != valueLength)
        {
            throw new IllegalStateException("hash map value length " + savedValueLength + " in checkpoint, " +
                valueLength + " in program");
        }
        size = meta.getInt();
        mask = meta.getLong();
        // the pages allocated by the constructor belong to the fresh arena that the restore replaces
        tablePages = meta.getIntArray();
        resizeThreshold = (int)Math.min(Integer.MAX_VALUE - 1, (mask + 1) * 5 / 8);
    }
}
