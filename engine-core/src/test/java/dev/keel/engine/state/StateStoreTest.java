package dev.keel.engine.state;

import dev.keel.engine.data.Hashing;
import org.agrona.concurrent.UnsafeBuffer;
import org.junit.jupiter.api.Test;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.HashMap;
import java.util.Map;
import java.util.Random;
import java.util.TreeMap;

import static org.junit.jupiter.api.Assertions.*;

class StateStoreTest
{
    private final UnsafeBuffer key = new UnsafeBuffer(new byte[64]);

    private int putKey(final long k)
    {
        final int length = 8 + (int)(Math.abs(k) % 9);
        key.setMemory(0, 64, (byte)0);
        key.putLong(0, k);
        return length;
    }

    @Test
    void hashMapMatchesJavaMapUnderRandomInsertsAndRemoves()
    {
        final PagedArena arena = new PagedArena(4, false);
        final OffHeapHashMap map = new OffHeapHashMap(arena, 8, 10);
        final Map<Long, Long> reference = new HashMap<>();
        final Random random = new Random(42);
        for (int i = 0; i < 200_000; i++)
        {
            final long k = random.nextInt(20_000);
            final int length = putKey(k);
            final long hash = Hashing.hash(key, 0, length);
            if (random.nextInt(3) == 0)
            {
                final long record = map.find(key, 0, length, hash);
                assertEquals(reference.containsKey(k), record != 0);
                if (record != 0)
                {
                    assertEquals((long)reference.remove(k), arena.getLong(OffHeapHashMap.valueAddress(record)));
                    map.remove(record, hash);
                }
            }
            else
            {
                final long record = map.findOrInsert(key, 0, length, hash);
                assertEquals(!reference.containsKey(k), map.wasInserted());
                arena.addLong(OffHeapHashMap.valueAddress(record), 1);
                reference.merge(k, 1L, Long::sum);
            }
        }
        assertEquals(reference.size(), map.size());
        for (final Map.Entry<Long, Long> e : reference.entrySet())
        {
            final int length = putKey(e.getKey());
            final long record = map.find(key, 0, length, Hashing.hash(key, 0, length));
            assertNotEquals(0, record);
            assertEquals((long)e.getValue(), arena.getLong(OffHeapHashMap.valueAddress(record)));
        }
    }

    @Test
    void probeHashFindsTheRecordOfAHashWithoutChangingTheMap()
    {
        final PagedArena arena = new PagedArena(4, false);
        final OffHeapHashMap map = new OffHeapHashMap(arena, 24, 10);
        final Map<Long, Long> records = new HashMap<>();
        // fixed-length keys: their hashes are a bijection of k, so a hash names one key
        final int length = 16;
        for (long k = 0; k < 5_000; k++)
        {
            putKey(k);
            records.put(k, map.findOrInsert(key, 0, length, Hashing.hash(key, 0, length)));
        }
        final int dirty = arena.dirtyPageCount();
        for (long k = 0; k < 10_000; k++)
        {
            putKey(k);
            final long hash = Hashing.hash(key, 0, length);
            final long record = map.probeHash(hash);
            assertEquals(records.getOrDefault(k, 0L), record, "key " + k);
            if (record != 0)
            {
                map.touch(record);
            }
        }
        assertEquals(5_000, map.size());
        assertEquals(dirty, arena.dirtyPageCount(), "probeHash and touch only read");
        final OffHeapHashMap noValue = new OffHeapHashMap(arena, 0, 10);
        putKey(7);
        final long record = noValue.findOrInsert(key, 0, length, Hashing.hash(key, 0, length));
        assertEquals(record, noValue.probeHash(Hashing.hash(key, 0, length)));
        noValue.touch(record); // reads inside the record only
    }

    @Test
    void findOrInsertWithAHintUsesItOnlyForAnEqualKey()
    {
        final PagedArena arena = new PagedArena(4, false);
        final OffHeapHashMap map = new OffHeapHashMap(arena, 8, 10);
        final int length = putKey(1);
        final long one = map.findOrInsert(key, 0, length, Hashing.hash(key, 0, length));
        final int length2 = putKey(2);
        final long hash2 = Hashing.hash(key, 0, length2);
        // a hint of another key (as when two keys share a hash) is not taken: key 2 is inserted
        final long two = map.findOrInsert(key, 0, length2, hash2, one);
        assertNotEquals(one, two);
        assertTrue(map.wasInserted());
        assertEquals(2, map.size());
        assertEquals(two, map.find(key, 0, length2, hash2));
        // the right hint is returned as found, not inserted, and the map is unchanged
        assertEquals(two, map.findOrInsert(key, 0, length2, hash2, two));
        assertFalse(map.wasInserted());
        putKey(1);
        assertEquals(one, map.findOrInsert(key, 0, length, Hashing.hash(key, 0, length), 0));
        assertFalse(map.wasInserted());
        assertEquals(2, map.size());
    }

    @Test
    void arenaWordsMustEndInsideTheirPage()
    {
        final PagedArena arena = new PagedArena(4, false);
        final int page = arena.allocatePage();
        final long base = (long)page << PagedArena.PAGE_SHIFT;
        final long lastWord = base + PagedArena.PAGE_SIZE - 8;
        arena.putLong(lastWord, -2L);
        arena.addLong(lastWord, 1);
        assertEquals(-1L, arena.getLong(lastWord));
        arena.putInt(base + PagedArena.PAGE_SIZE - 4, 0x01020304);
        assertEquals(0x01020304, arena.getInt(base + PagedArena.PAGE_SIZE - 4));
        assertEquals(0x04, arena.pageOf(base).getByte(PagedArena.PAGE_SIZE - 4), "little-endian, as the page buffers");
        final IndexOutOfBoundsException e =
            assertThrows(IndexOutOfBoundsException.class, () -> arena.getLong(lastWord + 1));
        assertTrue(e.getMessage().contains("page " + page), e.getMessage());
        assertThrows(IndexOutOfBoundsException.class, () -> arena.putLong(lastWord + 4, 0));
        assertThrows(IndexOutOfBoundsException.class, () -> arena.getInt(base + PagedArena.PAGE_SIZE - 3));
        assertThrows(IndexOutOfBoundsException.class, () -> arena.getLong(((long)arena.pageCount() + 64) << 16));
        arena.close();
        assertThrows(IndexOutOfBoundsException.class, () -> arena.getLong(base), "a closed arena has no pages");
    }

    @Test
    void indexedZSetMatchesReferenceMultisets()
    {
        final PagedArena arena = new PagedArena(4, false);
        final IndexedZSet index = new IndexedZSet(arena, 8, 16, 16);
        final Map<Long, TreeMap<Long, Long>> reference = new HashMap<>();
        final UnsafeBuffer value = new UnsafeBuffer(new byte[16]);
        final Random random = new Random(7);
        for (int i = 0; i < 100_000; i++)
        {
            final long g = random.nextInt(300);
            final long v = random.nextInt(40);
            final long w = random.nextBoolean() ? 1 : -1;
            final int length = putKey(g);
            value.putLong(0, v);
            final long result = index.add(key, 0, length, Hashing.hash(key, 0, length), value, 0, 8, w);
            final TreeMap<Long, Long> values = reference.computeIfAbsent(g, x -> new TreeMap<>());
            final long expected = values.merge(v, w, Long::sum);
            if (expected == 0)
            {
                values.remove(v);
            }
            if (values.isEmpty())
            {
                reference.remove(g);
            }
            assertEquals(expected, result);
        }
        assertEquals(reference.size(), index.groupCount());
        for (final Map.Entry<Long, TreeMap<Long, Long>> e : reference.entrySet())
        {
            final int length = putKey(e.getKey());
            final long group = index.findGroup(key, 0, length, Hashing.hash(key, 0, length));
            assertNotEquals(0, group);
            final TreeMap<Long, Long> actual = new TreeMap<>();
            for (long entry = index.firstEntry(group); entry != 0; entry = index.nextEntry(entry))
            {
                assertEquals(8, index.entryValueLength(entry));
                actual.put(arena.getLong(index.entryValueAddress(entry)), index.entryWeight(entry));
            }
            assertEquals(e.getValue(), actual);
            assertEquals(e.getValue().size(), index.entryCount(group));
        }
    }

    /**
     * The arena grows (a new chunk, its page-state array replaced) while a writer thread takes the frozen pages: the
     * writer and the owner must switch each page's state in the same array, or the owner overwrites a page the writer
     * is reading (a torn checkpoint page), or spins forever on a state the writer released in the other array (what
     * this test did before the fix: hence the timeout). Repeated, with the growth racing the writer each time.
     */
    @Test
    @org.junit.jupiter.api.Timeout(120)
    void snapshotSeesFrozenContentWhileTheArenaGrows() throws Exception
    {
        for (int round = 0; round < 150; round++)
        {
            final PagedArena arena = new PagedArena(2, false);
            final long[] records = new long[64];
            for (int i = 0; i < records.length; i++)
            {
                records[i] = arena.allocate(16_384);
                arena.putLong(records[i], i);
            }
            final PagedArena.Snapshot snapshot = arena.freeze();
            final long[] seen = new long[records.length];
            final java.util.concurrent.CountDownLatch go = new java.util.concurrent.CountDownLatch(1);
            final Thread writer = new Thread(() ->
            {
                try
                {
                    go.await();
                }
                catch (final InterruptedException ex)
                {
                    throw new IllegalStateException(ex);
                }
                final Map<Integer, ByteBuffer> pages = new HashMap<>();
                for (int i = 0; i < snapshot.pageCount(); i++)
                {
                    final ByteBuffer page = snapshot.acquire(i);
                    final ByteBuffer copy = ByteBuffer.allocate(page.remaining());
                    copy.put(page);
                    pages.put(snapshot.page(i), copy);
                    snapshot.release(i);
                }
                for (int i = 0; i < records.length; i++)
                {
                    seen[i] = pages.get(PagedArena.page(records[i])).order(ByteOrder.LITTLE_ENDIAN)
                        .getLong(PagedArena.offset(records[i]));
                }
            });
            writer.start();
            go.countDown();
            for (int i = 0; i < 40; i++)
            {
                arena.allocate(16_384); // grows the arena by new chunks while the writer runs
            }
            for (int i = 0; i < records.length; i++)
            {
                arena.putLong(records[i], -1);
            }
            writer.join();
            snapshot.close();
            for (int i = 0; i < records.length; i++)
            {
                assertEquals(i, seen[i], "round " + round + ": record " + i + " as the checkpoint wrote it");
            }
            arena.close();
        }
    }

    @Test
    void aPartlyWrittenSnapshotLeavesItsUnwrittenPagesDirtyForTheNextFreeze()
    {
        final PagedArena arena = new PagedArena(16, false);
        final long[] records = new long[10];
        for (int i = 0; i < records.length; i++)
        {
            records[i] = arena.allocate(PagedArena.PAGE_SIZE);
            arena.putLong(records[i], i);
        }
        final PagedArena.Snapshot snapshot = arena.freeze();
        assertEquals(records.length, snapshot.pageCount());
        for (int i = 1; i < snapshot.pageCount(); i++)
        {
            assertTrue(snapshot.page(i - 1) < snapshot.page(i), "frozen pages ascending");
        }
        assertEquals(0, arena.dirtyPageCount(), "the freeze took the dirty set");
        // the writer takes the first four pages; the owner then changes one written and one unwritten page
        for (int i = 0; i < 4; i++)
        {
            assertEquals(i, snapshot.acquire(i).order(ByteOrder.LITTLE_ENDIAN).getLong(
                PagedArena.offset(records[i])));
            snapshot.release(i);
        }
        arena.putLong(records[1], 100);
        arena.putLong(records[7], 700);
        assertEquals(1, arena.copyOnWriteCount(), "only the unwritten page is copied before the owner writes it");
        assertEquals(7, snapshot.acquire(7).order(ByteOrder.LITTLE_ENDIAN).getLong(PagedArena.offset(records[7])),
            "the writer still sees the frozen content");
        snapshot.release(7);
        snapshot.close(); // the job was aborted: pages 4, 5, 6, 8, 9 were never written

        final PagedArena.Snapshot next = arena.freeze();
        final java.util.Set<Integer> pages = new java.util.TreeSet<>();
        for (int i = 0; i < next.pageCount(); i++)
        {
            pages.add(next.page(i));
        }
        final java.util.Set<Integer> expected = new java.util.TreeSet<>();
        for (final int i : new int[] {1, 4, 5, 6, 7, 8, 9})
        {
            expected.add(PagedArena.page(records[i]));
        }
        assertEquals(expected, pages, "unwritten pages and the pages written since");
        for (int i = 0; i < next.pageCount(); i++)
        {
            next.acquire(i);
            next.release(i);
        }
        next.close();
        assertEquals(0, arena.dirtyPageCount(), "a complete write leaves nothing dirty");
        arena.close();
    }

    @Test
    void lanesFreezeAsOneSnapshotInPageOrder()
    {
        final PagedArena[] lanes = PagedArena.lanes(3, 4, false);
        final long[] records = new long[30];
        for (int i = 0; i < records.length; i++)
        {
            records[i] = lanes[i % 3].allocate(PagedArena.PAGE_SIZE);
            lanes[i % 3].putLong(records[i], i);
        }
        final PagedArena.Snapshot snapshot = lanes[0].freeze();
        final java.util.Set<Integer> expected = new java.util.TreeSet<>();
        for (final long record : records)
        {
            expected.add(PagedArena.page(record));
        }
        final java.util.Set<Integer> frozen = new java.util.TreeSet<>();
        for (int i = 0; i < snapshot.pageCount(); i++)
        {
            assertTrue(i == 0 || snapshot.page(i - 1) < snapshot.page(i), "frozen pages ascending");
            frozen.add(snapshot.page(i));
        }
        assertTrue(frozen.containsAll(expected), "every lane's dirty pages are in the one snapshot: " + frozen);
        lanes[2].putLong(records[2], -2); // a lane's owner writing a frozen page copies it first
        for (int i = 0; i < snapshot.pageCount(); i++)
        {
            final ByteBuffer page = snapshot.acquire(i);
            if (snapshot.page(i) == PagedArena.page(records[2]))
            {
                assertEquals(2, page.order(ByteOrder.LITTLE_ENDIAN).getLong(PagedArena.offset(records[2])));
            }
            snapshot.release(i);
        }
        snapshot.close();
        assertEquals(-2, lanes[2].getLong(records[2]));
        lanes[0].close();
    }

    @Test
    void snapshotSeesFrozenContentWhileOwnerKeepsWriting() throws Exception
    {
        final PagedArena arena = new PagedArena(8, false);
        final long[] records = new long[5000];
        for (int i = 0; i < records.length; i++)
        {
            records[i] = arena.allocate(64);
            arena.putLong(records[i], i);
        }
        final PagedArena.Snapshot snapshot = arena.freeze();
        assertTrue(snapshot.pageCount() > 1);
        assertEquals(0, arena.dirtyPageCount());
        final Map<Integer, ByteBuffer> written = new HashMap<>();
        final Thread writer = new Thread(() ->
        {
            for (int i = 0; i < snapshot.pageCount(); i++)
            {
                final ByteBuffer page = snapshot.acquire(i);
                final ByteBuffer copy = ByteBuffer.allocate(page.remaining());
                copy.put(page);
                written.put(snapshot.page(i), copy);
                snapshot.release(i);
            }
        });
        writer.start();
        for (int i = 0; i < records.length; i++)
        {
            arena.putLong(records[i], -1);
        }
        writer.join();
        snapshot.close();
        for (int i = 0; i < records.length; i++)
        {
            final ByteBuffer page = written.get(PagedArena.page(records[i]));
            assertNotNull(page, "page of record " + i + " not in snapshot");
            assertEquals(i, page.order(ByteOrder.LITTLE_ENDIAN).getLong(PagedArena.offset(records[i])));
            assertEquals(-1, arena.getLong(records[i]));
        }
        assertTrue(arena.dirtyPageCount() > 0, "pages written after the freeze are dirty for the next one");

        final PagedArena restored = new PagedArena(8, false);
        restored.restoreMeta(snapshot.meta());
        for (final Map.Entry<Integer, ByteBuffer> e : written.entrySet())
        {
            restored.restorePage(e.getKey()).put(e.getValue().clear());
        }
        for (int i = 0; i < records.length; i++)
        {
            assertEquals(i, restored.getLong(records[i]));
        }
        final long next = restored.allocate(64);
        for (final long record : records)
        {
            assertNotEquals(record, next, "restored allocator must not hand out a live record");
        }
    }
}
