package dev.keel.engine.state;

import org.agrona.DirectBuffer;
import org.agrona.ExpandableDirectByteBuffer;

import dev.keel.engine.data.Hashing;

/**
 * An off-heap indexed Z-set: for each group key, a multiset of value byte-strings with non-zero
 * weights, plus a fixed-size per-group auxiliary area for operator data (cached aggregates). Used for
 * join indexes (join key to rows), min/max under retraction (group to values), top-N, keyed tables.
 * <p>
 * Two {@link OffHeapHashMap}s in one arena: groups (key = group key; value = head, entry count, aux)
 * and entries (key = group key ++ value ++ int32 group key length; value = weight and a doubly linked
 * list through the group's entries with a pointer to the group record). An entry whose weight drops to
 * zero is removed; a group whose last entry is removed is removed with its aux area.
 */
public final class IndexedZSet implements Stateful
{
    private static final int GROUP_HEAD = 0;
    private static final int GROUP_COUNT = 8;
    private static final int GROUP_AUX = 16;
    private static final int ENTRY_WEIGHT = 0;
    private static final int ENTRY_NEXT = 8;
    private static final int ENTRY_PREV = 16;
    private static final int ENTRY_GROUP = 24;
    private static final int ENTRY_VALUE_LENGTH = 32;

    private final PagedArena arena;
    private final OffHeapHashMap groups;
    private final OffHeapHashMap entries;
    private final ExpandableDirectByteBuffer composite = new ExpandableDirectByteBuffer(256);
    private final int auxLength;
    private boolean groupInserted;

    public IndexedZSet(final PagedArena arena, final int auxLength, final int expectedGroups, final int expectedEntries)
    {
        this.arena = arena;
        this.auxLength = auxLength;
        this.groups = new OffHeapHashMap(arena, GROUP_AUX + auxLength, expectedGroups);
        this.entries = new OffHeapHashMap(arena, ENTRY_VALUE_LENGTH, expectedEntries);
    }

    public PagedArena arena()
    {
        return arena;
    }

    public int groupCount()
    {
        return groups.size();
    }

    public int entryCount()
    {
        return entries.size();
    }

    /** Group record for the key, or 0. */
    public long findGroup(final DirectBuffer key, final int offset, final int length, final long hash)
    {
        return groups.find(key, offset, length, hash);
    }

    /** Group record for the key, created empty (zeroed aux) if absent; see {@link #wasGroupInserted()}. */
    public long findOrInsertGroup(final DirectBuffer key, final int offset, final int length, final long hash)
    {
        final long group = groups.findOrInsert(key, offset, length, hash);
        groupInserted = groups.wasInserted();
        return group;
    }

    public boolean wasGroupInserted()
    {
        return groupInserted;
    }

    /** Address of the group's aux area ({@code auxLength} bytes). */
    public static long auxAddress(final long group)
    {
        return OffHeapHashMap.valueAddress(group) + GROUP_AUX;
    }

    /** Number of distinct values (entries with non-zero weight) in the group. */
    public long entryCount(final long group)
    {
        return arena.getLong(OffHeapHashMap.valueAddress(group) + GROUP_COUNT);
    }

    public long groupKeyAddress(final long group)
    {
        return groups.keyAddress(group);
    }

    public int groupKeyLength(final long group)
    {
        return groups.keyLength(group);
    }

    /**
     * Adds {@code weight} to the value's weight in the group (creating group and entry as needed, removing
     * them when they reach zero).
     *
     * @return the value's new weight in the group.
     */
    public long add(
        final DirectBuffer key, final int keyOffset, final int keyLength, final long keyHash,
        final DirectBuffer value, final int valueOffset, final int valueLength, final long weight)
    {
        final long group = findOrInsertGroup(key, keyOffset, keyLength, keyHash);
        return addToGroup(group, keyHash, value, valueOffset, valueLength, weight);
    }

    /** As {@link #add} for a group record already found. */
    public long addToGroup(
        final long group, final long keyHash,
        final DirectBuffer value, final int valueOffset, final int valueLength, final long weight)
    {
        final int keyLength = groups.keyLength(group);
        final int compositeLength = keyLength + valueLength + 4;
        composite.checkLimit(compositeLength);
        arena.getBytes(groups.keyAddress(group), composite, 0, keyLength);
        composite.putBytes(keyLength, value, valueOffset, valueLength);
        composite.putInt(keyLength + valueLength, keyLength);
        final long hash = Hashing.combine(keyHash, Hashing.hash(value, valueOffset, valueLength));
        final long groupValue = OffHeapHashMap.valueAddress(group);
        if (weight == 0)
        {
            final long entry = entries.find(composite, 0, compositeLength, hash);
            return entry == 0 ? 0 : arena.getLong(OffHeapHashMap.valueAddress(entry) + ENTRY_WEIGHT);
        }
        final long entry = entries.findOrInsert(composite, 0, compositeLength, hash);
        final long entryValue = OffHeapHashMap.valueAddress(entry);
        if (entries.wasInserted())
        {
            final long head = arena.getLong(groupValue + GROUP_HEAD);
            arena.putLong(entryValue + ENTRY_WEIGHT, weight);
            arena.putLong(entryValue + ENTRY_NEXT, head);
            arena.putLong(entryValue + ENTRY_PREV, 0);
            arena.putLong(entryValue + ENTRY_GROUP, group);
            if (head != 0)
            {
                arena.putLong(OffHeapHashMap.valueAddress(head) + ENTRY_PREV, entry);
            }
            arena.putLong(groupValue + GROUP_HEAD, entry);
            arena.addLong(groupValue + GROUP_COUNT, 1);
            return weight;
        }
        final long newWeight = arena.getLong(entryValue + ENTRY_WEIGHT) + weight;
        if (newWeight != 0)
        {
            arena.putLong(entryValue + ENTRY_WEIGHT, newWeight);
            return newWeight;
        }
        unlink(group, entry);
        entries.remove(entry, hash);
        if (arena.getLong(groupValue + GROUP_COUNT) == 0)
        {
            groups.remove(group, keyHash);
        }
        return 0;
    }

    /** Removes a group that has no entries (e.g. one that only held aux data). */
    public void removeEmptyGroup(final long group, final long keyHash)
    {
        if (entryCount(group) != 0)
        {
            throw new IllegalStateException("group still has " + entryCount(group) + " entries");
        }
        groups.remove(group, keyHash);
    }

    /** Removes a group and all its entries. */
    public void removeGroup(final long group, final long keyHash)
    {
        final int keyLength = groups.keyLength(group);
        long entry = firstEntry(group);
        while (entry != 0)
        {
            final long next = nextEntry(entry);
            final int compositeLength = entries.keyLength(entry);
            final long valueHash = Hashing.hash(
                arena.pageOf(entries.keyAddress(entry)), PagedArena.offset(entries.keyAddress(entry)) + keyLength,
                compositeLength - keyLength - 4);
            entries.remove(entry, Hashing.combine(keyHash, valueHash));
            entry = next;
        }
        groups.remove(group, keyHash);
    }

    public long firstEntry(final long group)
    {
        return arena.getLong(OffHeapHashMap.valueAddress(group) + GROUP_HEAD);
    }

    public long nextEntry(final long entry)
    {
        return arena.getLong(OffHeapHashMap.valueAddress(entry) + ENTRY_NEXT);
    }

    public long entryWeight(final long entry)
    {
        return arena.getLong(OffHeapHashMap.valueAddress(entry) + ENTRY_WEIGHT);
    }

    /** Address of the entry's value bytes; read through {@link PagedArena#pageOf(long)}. */
    public long entryValueAddress(final long entry)
    {
        final long keyAddress = entries.keyAddress(entry);
        final int compositeLength = entries.keyLength(entry);
        final int groupKeyLength = arena.getInt(keyAddress + compositeLength - 4);
        return keyAddress + groupKeyLength;
    }

    public int entryValueLength(final long entry)
    {
        final long keyAddress = entries.keyAddress(entry);
        final int compositeLength = entries.keyLength(entry);
        final int groupKeyLength = arena.getInt(keyAddress + compositeLength - 4);
        return compositeLength - groupKeyLength - 4;
    }

    /** Iterate groups: slots 0..groupSlots()-1, {@link #groupAt(long)} is 0 for empty slots. */
    public long groupSlots()
    {
        return groups.capacity();
    }

    public long groupAt(final long slot)
    {
        return groups.recordAt(slot);
    }

    public long groupHashAt(final long slot)
    {
        return groups.hashAt(slot);
    }

    private void unlink(final long group, final long entry)
    {
        final long entryValue = OffHeapHashMap.valueAddress(entry);
        final long next = arena.getLong(entryValue + ENTRY_NEXT);
        final long prev = arena.getLong(entryValue + ENTRY_PREV);
        if (prev == 0)
        {
            arena.putLong(OffHeapHashMap.valueAddress(group) + GROUP_HEAD, next);
        }
        else
        {
            arena.putLong(OffHeapHashMap.valueAddress(prev) + ENTRY_NEXT, next);
        }
        if (next != 0)
        {
            arena.putLong(OffHeapHashMap.valueAddress(next) + ENTRY_PREV, prev);
        }
        arena.addLong(OffHeapHashMap.valueAddress(group) + GROUP_COUNT, -1);
    }

    public void saveMeta(final MetaBuffer meta)
    {
        groups.saveMeta(meta);
        entries.saveMeta(meta);
    }

    public void loadMeta(final MetaBuffer meta)
    {
        groups.loadMeta(meta);
        entries.loadMeta(meta);
    }
}
