package dev.keel.checkpoint;

import dev.keel.engine.KeelException;
import dev.keel.engine.data.Hashing;
import dev.keel.engine.spi.CheckpointInfo;
import dev.keel.engine.spi.LoadedCheckpoint;
import dev.keel.engine.spi.PendingCheckpoint;
import dev.keel.engine.state.MetaBuffer;
import dev.keel.engine.state.OffHeapHashMap;
import dev.keel.engine.state.PagedArena;
import org.agrona.concurrent.UnsafeBuffer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Collectors;
import java.util.stream.Stream;

import static dev.keel.checkpoint.CheckpointTestSupport.assertSameArena;
import static dev.keel.checkpoint.CheckpointTestSupport.awaitWritten;
import static dev.keel.checkpoint.CheckpointTestSupport.checkpoint;
import static dev.keel.checkpoint.CheckpointTestSupport.metadata;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class CheckpointStoreTest
{
    private static final int KEYS = 30_000;

    @TempDir
    Path storage;

    private final UnsafeBuffer key = new UnsafeBuffer(new byte[16]);

    private FileCheckpointStore open()
    {
        return new FileCheckpointStore(new FileCheckpointStore.Context().storageDir(storage));
    }

    private Path checkpointsDir()
    {
        return storage.resolve("checkpoints");
    }

    private long put(final OffHeapHashMap map, final PagedArena arena, final long k, final long value)
    {
        key.putLong(0, k);
        key.putLong(8, ~k);
        final long record = map.findOrInsert(key, 0, 16, Hashing.hash(key, 0, 16));
        arena.putLong(OffHeapHashMap.valueAddress(record), value);
        return record;
    }

    private long get(final OffHeapHashMap map, final PagedArena arena, final long k)
    {
        key.putLong(0, k);
        key.putLong(8, ~k);
        final long record = map.find(key, 0, 16, Hashing.hash(key, 0, 16));
        return 0 == record ? Long.MIN_VALUE : arena.getLong(OffHeapHashMap.valueAddress(record));
    }

    private static byte[] meta(final OffHeapHashMap map)
    {
        final MetaBuffer meta = new MetaBuffer();
        map.saveMeta(meta);
        return meta.toByteArray();
    }

    private Manifest readManifest(final UUID id) throws IOException
    {
        final Path path = checkpointsDir().resolve(id.toString()).resolve(CheckpointFormat.MANIFEST);
        return Manifest.decode(new UnsafeBuffer(Files.readAllBytes(path)), path.toString());
    }

    private Set<String> filesUnder(final Path dir) throws IOException
    {
        try (Stream<Path> paths = Files.walk(dir))
        {
            return paths.filter(Files::isRegularFile).map(p -> dir.relativize(p).toString())
                .collect(Collectors.toCollection(HashSet::new));
        }
    }

    private static String verifyOutput(final Path storage, final boolean expectOk)
    {
        final ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        final boolean ok = CheckpointTool.verify(storage, new PrintStream(bytes, true, StandardCharsets.UTF_8));
        final String output = bytes.toString(StandardCharsets.UTF_8);
        assertEquals(expectOk, ok, output);
        return output;
    }

    @Test
    void fullThenIncrementalRoundTripRestoresLiveState() throws IOException
    {
        final PagedArena arena = new PagedArena(16, false);
        final OffHeapHashMap map = new OffHeapHashMap(arena, 8, KEYS);
        for (long k = 0; k < KEYS; k++)
        {
            put(map, arena, k, k * 3);
        }
        try (FileCheckpointStore store = open())
        {
            final int dirtyAtFirst = arena.dirtyPageCount();
            assertEquals(arena.pageCount() - 1, dirtyAtFirst, "every page in use is dirty before the first one");
            final UUID first = checkpoint(store, arena, 1, meta(map));
            final Manifest firstManifest = readManifest(first);
            assertEquals(dirtyAtFirst, firstManifest.referencedPages());
            assertEquals(1, firstManifest.files.size());
            assertEquals(first + "/pages-0000.dat", firstManifest.files.get(0).name);

            final long[] changed = { 5, 17_000, 29_999 };
            for (final long k : changed)
            {
                put(map, arena, k, -k);
            }
            final int dirty = arena.dirtyPageCount();
            assertTrue(dirty > 0 && dirty <= changed.length, "dirty pages " + dirty);
            final UUID second = checkpoint(store, arena, 2, meta(map));
            final Manifest secondManifest = readManifest(second);
            assertEquals(arena.pageCount(), secondManifest.pageCount);
            assertEquals(arena.pageCount() - 1, secondManifest.referencedPages(), "every page referenced");
            int own = 0;
            int inherited = 0;
            for (final FileRef file : secondManifest.files)
            {
                if (file.name.startsWith(second.toString()))
                {
                    own += file.pageCount();
                    assertEquals(PageFiles.headerLength(dirty) + (long)dirty * PagedArena.PAGE_SIZE, file.size);
                }
                else
                {
                    assertEquals(first + "/pages-0000.dat", file.name);
                    inherited += file.pageCount();
                }
            }
            assertEquals(dirty, own, "only the dirty pages were written");
            assertEquals(arena.pageCount() - 1 - dirty, inherited, "the rest is inherited from the first checkpoint");

            final List<CheckpointInfo> infos = store.list();
            assertEquals(List.of(first, second), infos.stream().map(CheckpointInfo::id).collect(Collectors.toList()));
            assertTrue(infos.get(1).ownBytes() < infos.get(1).totalBytes());
        }

        try (FileCheckpointStore store = open())
        {
            final LoadedCheckpoint loaded = store.loadLatest().orElseThrow();
            assertEquals(2, loaded.metadata().step());
            assertEquals(metadata(2, meta(map)), loaded.metadata());
            assertTrue(loaded.warnings().isEmpty(), loaded.warnings().toString());
            final PagedArena fresh = new PagedArena(16, false);
            final OffHeapHashMap restored = new OffHeapHashMap(fresh, 8, KEYS);
            store.restoreInto(loaded, fresh);
            restored.loadMeta(new MetaBuffer(loaded.metadata().programMeta()));
            assertSameArena(arena, fresh);
            assertEquals(map.size(), restored.size());
            for (long k = 0; k < KEYS; k++)
            {
                assertEquals(get(map, arena, k), get(restored, fresh, k), "key " + k);
            }
            assertEquals(0, fresh.dirtyPageCount(), "restored pages are clean");

            // the next checkpoint after a restore is incremental on top of the restored one
            put(restored, fresh, 1, 111);
            final UUID third = checkpoint(store, fresh, 3, meta(restored));
            final Manifest thirdManifest = readManifest(third);
            assertEquals(fresh.pageCount() - 1, thirdManifest.referencedPages());
            assertTrue(thirdManifest.ownBytes() < thirdManifest.totalBytes());

            // nothing dirty: a checkpoint of metadata only, every page inherited
            assertEquals(0, fresh.dirtyPageCount());
            final UUID fourth = checkpoint(store, fresh, 4, meta(restored));
            final Manifest fourthManifest = readManifest(fourth);
            assertEquals(0, fourthManifest.ownBytes());
            assertEquals(fresh.pageCount() - 1, fourthManifest.referencedPages());
            final PagedArena again = new PagedArena(16, false);
            store.restoreInto(store.loadLatest().orElseThrow(), again);
            assertSameArena(fresh, again);
        }
        verifyOutput(storage, true);
    }

    @Test
    void ownerWritingDuringCheckpointDoesNotLeakIntoIt()
    {
        final PagedArena arena = new PagedArena(64, false);
        final int records = 8192;
        final long[] addresses = new long[records];
        for (int i = 0; i < records; i++)
        {
            addresses[i] = arena.allocate(4096);
            arena.putLong(addresses[i], i);
        }
        final PagedArena frozen = new PagedArena(64, false);
        final GateIdleStrategy gate = new GateIdleStrategy();
        final FileCheckpointStore.Context ctx = new FileCheckpointStore.Context().storageDir(storage)
            .idleStrategySupplier(() -> gate);
        try (FileCheckpointStore store = new FileCheckpointStore(ctx))
        {
            final PagedArena.Snapshot snapshot = arena.freeze();
            final PendingCheckpoint pending = store.begin(metadata(1, new byte[0]), snapshot);
            // the writer is held at its idle strategy: at most one duty cycle (creating the directory) ran
            for (int i = 0; i < records; i++)
            {
                arena.putLong(addresses[i], -i); // after the freeze: must not be in the checkpoint
            }
            gate.open();
            awaitWritten(pending);
            snapshot.close();
            CheckpointTestSupport.commit(pending);
            assertEquals(snapshot.pageCount(), arena.copyOnWriteCount(), "every frozen page was copied on write");

            final LoadedCheckpoint loaded = store.loadLatest().orElseThrow();
            store.restoreInto(loaded, frozen);
        }
        for (int i = 0; i < records; i++)
        {
            assertEquals(i, frozen.getLong(addresses[i]), "record " + i);
            assertEquals(-i, arena.getLong(addresses[i]));
        }
    }

    @Test
    void retentionDeletesOnlyUnreferencedFiles() throws IOException
    {
        final PagedArena arena = new PagedArena(16, false);
        final long[] addresses = new long[64];
        for (int i = 0; i < addresses.length; i++)
        {
            addresses[i] = arena.allocate(PagedArena.PAGE_SIZE);
            arena.putLong(addresses[i], i);
        }
        try (FileCheckpointStore store = open())
        {
            final UUID c1 = checkpoint(store, arena, 1, new byte[0]);
            arena.putLong(addresses[3], 33);
            final UUID c2 = checkpoint(store, arena, 2, new byte[0]);
            arena.putLong(addresses[4], 44);
            final UUID c3 = checkpoint(store, arena, 3, new byte[0]);
            store.awaitDeletions();
            // c1 left the catalog; its manifest goes, its page file stays (c2 and c3 inherit from it)
            assertEquals(Set.of(c2 + "/manifest", c2 + "/pages-0000.dat", c3 + "/manifest", c3 + "/pages-0000.dat",
                c1 + "/pages-0000.dat", "catalog", "CURRENT"), filesUnder(checkpointsDir()));

            arena.markAllDirty();
            final UUID c4 = checkpoint(store, arena, 4, new byte[0]);
            store.awaitDeletions();
            // c4 is full, but the retained c3 still inherits pages from c1's and c2's files
            assertEquals(Set.of(c3 + "/manifest", c3 + "/pages-0000.dat", c4 + "/manifest", c4 + "/pages-0000.dat",
                c1 + "/pages-0000.dat", c2 + "/pages-0000.dat", "catalog", "CURRENT"), filesUnder(checkpointsDir()));

            arena.putLong(addresses[5], 55);
            final UUID c5 = checkpoint(store, arena, 5, new byte[0]);
            store.awaitDeletions();
            // c3 left: nothing retained references c1's, c2's or c3's files any more
            assertEquals(Set.of(c4 + "/manifest", c4 + "/pages-0000.dat", c5 + "/manifest", c5 + "/pages-0000.dat",
                "catalog", "CURRENT"), filesUnder(checkpointsDir()));
            assertEquals(List.of(c4, c5), store.list().stream().map(CheckpointInfo::id).collect(Collectors.toList()));
            assertEquals(0, store.retentionErrors());
        }
        verifyOutput(storage, true);
    }

    @Test
    void truncatedPageFileFallsBackToPreviousCheckpointWithWarning() throws IOException
    {
        final PagedArena arena = twoIndependentCheckpoints();
        final UUID newest;
        try (FileCheckpointStore store = open())
        {
            newest = store.list().get(1).id();
        }
        final Path pageFile = checkpointsDir().resolve(newest.toString()).resolve("pages-0000.dat");
        final long size = Files.size(pageFile);
        try (java.nio.channels.FileChannel channel = java.nio.channels.FileChannel.open(pageFile,
            java.nio.file.StandardOpenOption.WRITE))
        {
            channel.truncate(size - 1000);
        }
        final String report = verifyOutput(storage, false);
        assertTrue(report.contains(pageFile + ": size " + (size - 1000) + ", expected " + size), report);
        assertTrue(report.contains("beyond the end of the file"), report);
        try (FileCheckpointStore store = open())
        {
            final LoadedCheckpoint loaded = store.loadLatest().orElseThrow();
            assertEquals(1, loaded.metadata().step());
            assertEquals(1, loaded.warnings().size());
            assertTrue(loaded.warnings().get(0).contains(pageFile.toString()), loaded.warnings().toString());
            final PagedArena fresh = new PagedArena(16, false);
            store.restoreInto(loaded, fresh);
            assertEquals(1, fresh.getLong((long)1 << PagedArena.PAGE_SHIFT));
            final long firstPage = (long)1 << PagedArena.PAGE_SHIFT;
            assertNotEquals(arena.getLong(firstPage), fresh.getLong(firstPage));
        }
    }

    @Test
    void flippedBitInPageIsReportedWithFileAndPage() throws IOException
    {
        twoIndependentCheckpoints();
        final UUID newest;
        try (FileCheckpointStore store = open())
        {
            newest = store.list().get(1).id();
        }
        final Path pageFile = checkpointsDir().resolve(newest.toString()).resolve("pages-0000.dat");
        final Manifest manifest = readManifest(newest);
        final FileRef file = manifest.files.get(0);
        final int slot = 2;
        final long offset = file.offsets[slot];
        final byte[] bytes = Files.readAllBytes(pageFile);
        bytes[(int)offset + 1234] ^= 0x10;
        Files.write(pageFile, bytes);

        final String report = verifyOutput(storage, false);
        assertTrue(report.contains(pageFile + ": page " + file.pageIds[slot] + " at offset " + offset + ": CRC32C"),
            report);
        try (FileCheckpointStore store = open())
        {
            final LoadedCheckpoint loaded = store.loadLatest().orElseThrow();
            assertEquals(newest, loaded.id(), "the header is intact, so the page damage shows on restore");
            final KeelException error = assertThrows(KeelException.class,
                () -> store.restoreInto(loaded, new PagedArena(16, false)));
            assertTrue(error.getMessage().contains(pageFile + " page " + file.pageIds[slot] + " at offset " + offset),
                error.getMessage());
            assertTrue(error.getMessage().contains("keel checkpoint verify --storage " + storage), error.getMessage());
        }
    }

    @Test
    void missingManifestFallsBackToPreviousWithWarning() throws IOException
    {
        twoIndependentCheckpoints();
        final UUID newest;
        try (FileCheckpointStore store = open())
        {
            newest = store.list().get(1).id();
        }
        final Path manifest = checkpointsDir().resolve(newest.toString()).resolve(CheckpointFormat.MANIFEST);
        Files.delete(manifest);
        assertTrue(verifyOutput(storage, false).contains(manifest + ": missing"));
        try (FileCheckpointStore store = open())
        {
            final LoadedCheckpoint loaded = store.loadLatest().orElseThrow();
            assertEquals(1, loaded.metadata().step());
            assertTrue(loaded.warnings().get(0).contains(manifest + " is missing"), loaded.warnings().toString());
            // an unreadable manifest means unknown references: nothing of it is deleted
            assertTrue(Files.exists(checkpointsDir().resolve(newest.toString()).resolve("pages-0000.dat")));
        }
    }

    @Test
    void corruptNewestManifestFallsBackToPreviousWithWarning() throws IOException
    {
        twoIndependentCheckpoints();
        final UUID newest;
        try (FileCheckpointStore store = open())
        {
            newest = store.list().get(1).id();
        }
        final Path manifest = checkpointsDir().resolve(newest.toString()).resolve(CheckpointFormat.MANIFEST);
        final byte[] bytes = Files.readAllBytes(manifest);
        bytes[bytes.length / 2] ^= 1;
        Files.write(manifest, bytes);
        try (FileCheckpointStore store = open())
        {
            final LoadedCheckpoint loaded = store.loadLatest().orElseThrow();
            assertEquals(1, loaded.metadata().step());
            assertEquals(1, loaded.warnings().size());
            assertTrue(loaded.warnings().get(0).contains(manifest.toString()), loaded.warnings().toString());
            assertTrue(loaded.warnings().get(0).contains("CRC32C mismatch"), loaded.warnings().toString());
        }
    }

    @Test
    void halfWrittenCheckpointAndTempFilesAreRemovedOnOpen() throws IOException
    {
        final PagedArena arena = new PagedArena(16, false);
        arena.putLong(arena.allocate(64), 42);
        final UUID committed;
        try (FileCheckpointStore store = open())
        {
            committed = checkpoint(store, arena, 1, new byte[0]);
        }
        final Path half = checkpointsDir().resolve(UUID.randomUUID().toString());
        Files.createDirectories(half);
        Files.write(half.resolve("pages-0000.dat"), new byte[8192]);
        Files.write(half.resolve("manifest.tmp"), new byte[100]);
        Files.write(checkpointsDir().resolve("catalog.tmp"), new byte[10]);
        Files.write(checkpointsDir().resolve("CURRENT.tmp"), new byte[10]);
        Files.write(checkpointsDir().resolve(committed.toString()).resolve("manifest.tmp"), new byte[10]);
        try (FileCheckpointStore store = open())
        {
            assertEquals(committed, store.loadLatest().orElseThrow().id());
        }
        assertFalse(Files.exists(half));
        assertEquals(Set.of(committed + "/manifest", committed + "/pages-0000.dat", "catalog", "CURRENT"),
            filesUnder(checkpointsDir()));
    }

    @Test
    void missingCatalogRefusesToStartAndNamesTheTool() throws IOException
    {
        twoIndependentCheckpoints();
        final Map<String, String> before = CheckpointTestSupport.fingerprintTree(storage);
        Files.delete(checkpointsDir().resolve(CheckpointFormat.CATALOG));
        final KeelException error = assertThrows(KeelException.class, this::open);
        assertEquals("CHECKPOINT_CATALOG_MISSING", error.code());
        assertTrue(error.getMessage().contains(checkpointsDir().resolve("catalog").toString()), error.getMessage());
        assertTrue(error.getMessage().contains("keel checkpoint verify --storage " + storage), error.getMessage());
        before.remove("checkpoints/catalog");
        assertEquals(before, CheckpointTestSupport.fingerprintTree(storage), "refusing changed nothing");
    }

    @Test
    void manifestReferencingMissingFileRefusesToStart() throws IOException
    {
        final PagedArena arena = new PagedArena(16, false);
        final long a = arena.allocate(PagedArena.PAGE_SIZE);
        final long b = arena.allocate(PagedArena.PAGE_SIZE);
        arena.putLong(a, 1);
        arena.putLong(b, 2);
        final UUID first;
        try (FileCheckpointStore store = open())
        {
            first = checkpoint(store, arena, 1, new byte[0]);
            arena.putLong(b, 3);
            checkpoint(store, arena, 2, new byte[0]); // inherits page of a from the first
        }
        final Path inherited = checkpointsDir().resolve(first.toString()).resolve("pages-0000.dat");
        Files.delete(inherited);
        final KeelException error = assertThrows(KeelException.class, this::open);
        assertEquals("CHECKPOINT_FILE_MISSING", error.code());
        assertTrue(error.getMessage().contains(inherited.toString()), error.getMessage());
        assertTrue(error.getMessage().contains("keel checkpoint verify --storage " + storage), error.getMessage());
        assertTrue(verifyOutput(storage, false).contains(inherited + ": missing"));
    }

    @Test
    void currentBehindTheCatalogIsMovedForward() throws IOException
    {
        twoIndependentCheckpoints();
        final UUID first;
        final UUID second;
        try (FileCheckpointStore store = open())
        {
            first = store.list().get(0).id();
            second = store.list().get(1).id();
        }
        // CURRENT back to the first: as if the commit of the second died between catalog and pointer
        final org.agrona.ExpandableArrayBuffer buffer = new org.agrona.ExpandableArrayBuffer();
        final int length = Catalog.encodeCurrent(new Catalog.Entry(first, 1, 1001, 0), buffer);
        new dev.keel.engine.storage.FileStorageBackend(checkpointsDir()).writeDurably(CheckpointFormat.CURRENT,
            buffer.byteArray(), 0, length);
        assertTrue(verifyOutput(storage, true).contains("behind; open moves it forward"));
        try (FileCheckpointStore store = open())
        {
            assertEquals(List.of(first, second),
                store.list().stream().map(CheckpointInfo::id).collect(Collectors.toList()));
            final LoadedCheckpoint loaded = store.loadLatest().orElseThrow();
            assertEquals(second, loaded.id());
            assertTrue(loaded.warnings().isEmpty());
        }
        assertEquals(second, currentId());
        verifyOutput(storage, true);
    }

    @Test
    void missingCurrentIsRepairedFromTheCatalog() throws IOException
    {
        final PagedArena arena = new PagedArena(16, false);
        arena.putLong(arena.allocate(64), 42);
        final UUID id;
        try (FileCheckpointStore store = open())
        {
            id = checkpoint(store, arena, 1, new byte[0]);
        }
        // the first commit died between catalog and pointer
        Files.delete(checkpointsDir().resolve(CheckpointFormat.CURRENT));
        try (FileCheckpointStore store = open())
        {
            assertEquals(id, store.loadLatest().orElseThrow().id());
        }
        assertEquals(id, currentId());
    }

    @Test
    void currentNamingAnUnknownCheckpointRefusesToStart() throws IOException
    {
        twoIndependentCheckpoints();
        final org.agrona.ExpandableArrayBuffer buffer = new org.agrona.ExpandableArrayBuffer();
        final UUID unknown = UUID.randomUUID();
        final int length = Catalog.encodeCurrent(new Catalog.Entry(unknown, 9, 9, 0), buffer);
        new dev.keel.engine.storage.FileStorageBackend(checkpointsDir()).writeDurably(CheckpointFormat.CURRENT,
            buffer.byteArray(), 0, length);
        final KeelException error = assertThrows(KeelException.class, this::open);
        assertEquals("CHECKPOINT_CURRENT_UNKNOWN", error.code());
        assertTrue(error.getMessage().contains(unknown.toString()), error.getMessage());
        assertTrue(error.getMessage().contains("keel checkpoint verify --storage " + storage), error.getMessage());
    }

    @Test
    void corruptCurrentRefusesToStart() throws IOException
    {
        twoIndependentCheckpoints();
        final Path current = checkpointsDir().resolve(CheckpointFormat.CURRENT);
        final byte[] bytes = Files.readAllBytes(current);
        bytes[bytes.length - 1] ^= 4;
        Files.write(current, bytes);
        final KeelException error = assertThrows(KeelException.class, this::open);
        assertEquals("CHECKPOINT_ROOT_CORRUPT", error.code());
        assertTrue(error.getMessage().contains(current + ": CRC32C mismatch"), error.getMessage());
        assertTrue(error.getMessage().contains("keel checkpoint verify --storage " + storage), error.getMessage());
        assertTrue(verifyOutput(storage, false).contains(current + ": CRC32C mismatch"));
    }

    private UUID currentId() throws IOException
    {
        final Path current = checkpointsDir().resolve(CheckpointFormat.CURRENT);
        return Catalog.decodeCurrent(new UnsafeBuffer(Files.readAllBytes(current)), current.toString());
    }

    @Test
    void verifyChangesNothing() throws IOException
    {
        twoIndependentCheckpoints();
        Files.write(checkpointsDir().resolve("catalog.tmp"), new byte[10]);
        final Path half = checkpointsDir().resolve(UUID.randomUUID().toString());
        Files.createDirectories(half);
        Files.write(half.resolve("pages-0000.dat"), new byte[4096]);
        final Map<String, String> before = CheckpointTestSupport.fingerprintTree(storage);
        final String report = verifyOutput(storage, true);
        assertTrue(report.contains("INFO unreferenced " + half.resolve("pages-0000.dat")), report);
        final ByteArrayOutputStream listing = new ByteArrayOutputStream();
        assertTrue(CheckpointTool.list(storage, new PrintStream(listing, true, StandardCharsets.UTF_8)));
        assertTrue(listing.toString(StandardCharsets.UTF_8).contains("2 checkpoint(s)"), listing.toString());
        assertEquals(before, CheckpointTestSupport.fingerprintTree(storage));
    }

    @Test
    void abortBeforeWrittenRequiresFullSnapshotNext() throws IOException
    {
        final PagedArena arena = new PagedArena(16, false);
        final long[] addresses = new long[200];
        for (int i = 0; i < addresses.length; i++)
        {
            addresses[i] = arena.allocate(PagedArena.PAGE_SIZE);
            arena.putLong(addresses[i], i);
        }
        final GateIdleStrategy gate = new GateIdleStrategy();
        final FileCheckpointStore.Context ctx = new FileCheckpointStore.Context().storageDir(storage)
            .pagesPerDutyCycle(1).idleStrategySupplier(() -> gate);
        try (FileCheckpointStore store = new FileCheckpointStore(ctx))
        {
            gate.awaitWriterIdle();
            final PagedArena.Snapshot snapshot = arena.freeze();
            final PendingCheckpoint pending = store.begin(metadata(1, new byte[0]), snapshot);
            final Path pageFile = checkpointsDir().resolve(pending.id().toString()).resolve("pages-0000.dat");
            final int pagesWritten = 5;
            gate.permit(2 + pagesWritten); // create the directory, open the file, then one page per duty cycle
            final long expectedSize =
                PageFiles.headerLength(addresses.length) + (long)pagesWritten * PagedArena.PAGE_SIZE;
            final long deadline = System.nanoTime() + 30_000_000_000L;
            while (!Files.exists(pageFile) || Files.size(pageFile) < expectedSize)
            {
                assertTrue(System.nanoTime() < deadline, "writer made no progress");
                Thread.yield();
            }
            gate.openWhenParked(Thread.currentThread()); // i.e. once abort() below waits for the writer
            pending.abort();
            assertFalse(pending.isWritten());
            assertFalse(Files.exists(pageFile.getParent()), "aborted checkpoint removed");
            snapshot.close();
            assertEquals(Set.of(), store.list().stream().map(CheckpointInfo::id).collect(Collectors.toSet()));
            arena.putLong(addresses[0], -1);
            final PagedArena.Snapshot partial = arena.freeze();
            assertEquals(addresses.length - pagesWritten + 1, partial.pageCount(),
                "pages the writer took are clean now, except the one written since");
            // the writer checks, before it writes anything: the checkpoint fails and nothing is committed
            final PendingCheckpoint incomplete = store.begin(metadata(2, new byte[0]), partial);
            final long checkDeadline = System.nanoTime() + 30_000_000_000L;
            while (null == incomplete.failure())
            {
                assertTrue(System.nanoTime() < checkDeadline, "the incomplete snapshot was not refused");
                assertFalse(incomplete.isWritten(), "an incomplete snapshot was written");
                Thread.yield();
            }
            assertEquals("CHECKPOINT_STATE_INCOMPLETE", ((KeelException)incomplete.failure()).code());
            assertFalse(incomplete.isWritten());
            incomplete.abort();
            partial.close();

            arena.markAllDirty();
            checkpoint(store, arena, 2, new byte[0]);
            final PagedArena fresh = new PagedArena(16, false);
            store.restoreInto(store.loadLatest().orElseThrow(), fresh);
            assertSameArena(arena, fresh);
        }
    }

    @Test
    void manifestLargerThanTheInitialEncodeBufferRoundTrips()
    {
        final byte[] programMeta = new byte[300_000];
        new java.util.Random(3).nextBytes(programMeta);
        final PagedArena arena = new PagedArena(16, false);
        arena.putLong(arena.allocate(64), 7);
        try (FileCheckpointStore store = open())
        {
            checkpoint(store, arena, 1, programMeta);
        }
        try (FileCheckpointStore store = open())
        {
            final LoadedCheckpoint loaded = store.loadLatest().orElseThrow();
            assertEquals(metadata(1, programMeta), loaded.metadata());
        }
        verifyOutput(storage, true);
    }

    @Test
    void emptyStoreHasNoCheckpoint() throws IOException
    {
        try (FileCheckpointStore store = open())
        {
            assertEquals(Optional.empty(), store.loadLatest());
            assertTrue(store.list().isEmpty());
        }
        assertEquals(Set.of("catalog"), filesUnder(checkpointsDir()));
        verifyOutput(storage, true);
    }

    @Test
    void contextNamesFieldValueAndAllowed()
    {
        final KeelException noDir = assertThrows(KeelException.class,
            () -> new FileCheckpointStore.Context().conclude());
        assertTrue(noDir.getMessage().contains("checkpointsDir=null"), noDir.getMessage());
        final KeelException retention = assertThrows(KeelException.class,
            () -> new FileCheckpointStore.Context().storageDir(storage).retainedCheckpoints(0).conclude());
        assertTrue(retention.getMessage().contains("retainedCheckpoints=0 is invalid; allowed: >= 1"),
            retention.getMessage());
        final KeelException perFile = assertThrows(KeelException.class,
            () -> new FileCheckpointStore.Context().storageDir(storage).pagesPerFile(70_000).conclude());
        assertTrue(perFile.getMessage().contains("pagesPerFile=70000 is invalid; allowed: 1..65535"),
            perFile.getMessage());
    }

    @Test
    void manyPageFilesPerCheckpointAndBufferedFallback() throws IOException
    {
        final PagedArena arena = new PagedArena(16, false);
        for (int i = 0; i < 40; i++)
        {
            arena.putLong(arena.allocate(PagedArena.PAGE_SIZE), i * 7L);
        }
        final FileCheckpointStore.Context ctx = new FileCheckpointStore.Context().storageDir(storage)
            .pagesPerFile(16).directIo(false);
        try (FileCheckpointStore store = new FileCheckpointStore(ctx))
        {
            assertFalse(store.directIoEnabled());
            final UUID id = checkpoint(store, arena, 1, new byte[0]);
            assertEquals(3, readManifest(id).files.size());
            final PagedArena fresh = new PagedArena(16, false);
            store.restoreInto(store.loadLatest().orElseThrow(), fresh);
            assertSameArena(arena, fresh);
        }
        verifyOutput(storage, true);
    }

    /**
     * Holds the writer thread at its idle strategy (after every duty cycle) until opened or given permits, so that
     * tests decide exactly how far the writer gets.
     */
    private static final class GateIdleStrategy implements org.agrona.concurrent.IdleStrategy
    {
        private final AtomicInteger permits = new AtomicInteger();
        private final AtomicInteger idleCalls = new AtomicInteger();
        private volatile boolean open;

        /** Waits until the writer finished a first duty cycle and sits in the gate. */
        void awaitWriterIdle()
        {
            while (idleCalls.get() == 0)
            {
                Thread.onSpinWait();
            }
        }

        void open()
        {
            open = true;
        }

        void permit(final int dutyCycles)
        {
            permits.addAndGet(dutyCycles);
        }

        /** Opens the gate from another thread once {@code waiter} parks (e.g. in an abort waiting for the writer). */
        void openWhenParked(final Thread waiter)
        {
            final Thread opener = new Thread(() ->
            {
                while (waiter.getState() != Thread.State.TIMED_WAITING && waiter.getState() != Thread.State.WAITING)
                {
                    Thread.onSpinWait();
                }
                open();
            });
            opener.setDaemon(true);
            opener.start();
        }

        @Override
        public void idle(final int workCount)
        {
            idle();
        }

        @Override
        public void idle()
        {
            idleCalls.incrementAndGet();
            while (!open)
            {
                final int available = permits.get();
                if (available > 0 && permits.compareAndSet(available, available - 1))
                {
                    return;
                }
                java.util.concurrent.locks.LockSupport.parkNanos(100_000);
            }
        }

        @Override
        public void reset()
        {
        }
    }

    /** Two checkpoints that share no files (the second is full); returns the live arena at the second. */
    private PagedArena twoIndependentCheckpoints()
    {
        final PagedArena arena = new PagedArena(16, false);
        final long[] addresses = new long[8];
        for (int i = 0; i < addresses.length; i++)
        {
            addresses[i] = arena.allocate(PagedArena.PAGE_SIZE);
            arena.putLong(addresses[i], i + 1);
        }
        try (FileCheckpointStore store = open())
        {
            checkpoint(store, arena, 1, new byte[0]);
            for (int i = 0; i < addresses.length; i++)
            {
                arena.putLong(addresses[i], 100 + i);
            }
            arena.markAllDirty();
            checkpoint(store, arena, 2, new byte[0]);
        }
        return arena;
    }
}
