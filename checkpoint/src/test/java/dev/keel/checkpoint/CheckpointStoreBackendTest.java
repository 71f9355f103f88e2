package dev.keel.checkpoint;

import dev.keel.engine.KeelException;
import dev.keel.engine.spi.CheckpointInfo;
import dev.keel.engine.spi.PendingCheckpoint;
import dev.keel.engine.state.PagedArena;
import dev.keel.engine.storage.FaultInjectingStorageBackend;
import dev.keel.engine.storage.FileStorageBackend;
import dev.keel.engine.storage.StoredFile;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.UUID;
import java.util.zip.CRC32C;

import static dev.keel.checkpoint.CheckpointTestSupport.assertSameArena;
import static dev.keel.checkpoint.CheckpointTestSupport.awaitWritten;
import static dev.keel.checkpoint.CheckpointTestSupport.checkpoint;
import static dev.keel.checkpoint.CheckpointTestSupport.metadata;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The store on its storage backend: where the commit runs, a failing commit, files of a checkpoint, reload. */
class CheckpointStoreBackendTest
{
    @TempDir
    Path storage;

    @TempDir
    Path standby;

    private Path checkpointsDir()
    {
        return storage.resolve("checkpoints");
    }

    private static PagedArena arena(final int pages)
    {
        final PagedArena arena = new PagedArena(16, false);
        for (int i = 0; i < pages; i++)
        {
            arena.putLong(arena.allocate(PagedArena.PAGE_SIZE), i + 1);
        }
        return arena;
    }

    private static List<UUID> ids(final FileCheckpointStore store)
    {
        return store.list().stream().map(CheckpointInfo::id).toList();
    }

    @Test
    void commitFsyncsRunOnTheWriterThreadNotTheCaller()
    {
        final FaultInjectingStorageBackend backend =
            new FaultInjectingStorageBackend(new FileStorageBackend(checkpointsDir()));
        final PagedArena arena = arena(4);
        try (FileCheckpointStore store = new FileCheckpointStore(
            new FileCheckpointStore.Context().storageDir(storage).backend(backend)))
        {
            final int atOpen = backend.syncThreads().size();
            final PagedArena.Snapshot snapshot = arena.freeze();
            final PendingCheckpoint pending = store.begin(metadata(1, new byte[0]), snapshot);
            awaitWritten(pending);
            snapshot.close();
            pending.requestCommit();
            assertThrows(IllegalStateException.class, pending::requestCommit, "once");
            CheckpointTestSupport.awaitCommitted(pending);
            final List<String> syncs = backend.syncThreads().subList(atOpen, backend.syncThreads().size());
            // page directory + checkpoints/ (the write barrier), then manifest, catalog, CURRENT
            assertEquals(5, syncs.size(), syncs.toString());
            assertEquals(Set.of("keel-checkpoint-writer"), new HashSet<>(syncs), syncs.toString());
            assertEquals(List.of(pending.id()), ids(store));
        }
    }

    @Test
    void closeRightAfterRequestingTheCommitFinishesItInsteadOfLosingIt()
    {
        final PagedArena arena = arena(3);
        final UUID id;
        try (FileCheckpointStore store = new FileCheckpointStore(new FileCheckpointStore.Context().storageDir(storage)))
        {
            final PagedArena.Snapshot snapshot = arena.freeze();
            final PendingCheckpoint pending = store.begin(metadata(1, new byte[0]), snapshot);
            awaitWritten(pending);
            snapshot.close();
            pending.requestCommit();
            id = pending.id();
            // close aborts the pending checkpoint: a requested commit is waited for, not cut off half-way
        }
        try (FileCheckpointStore store = new FileCheckpointStore(new FileCheckpointStore.Context().storageDir(storage)))
        {
            assertEquals(List.of(id), ids(store));
            final PagedArena fresh = new PagedArena(16, false);
            store.restoreInto(store.loadLatest().orElseThrow(), fresh);
            assertSameArena(arena, fresh);
        }
    }

    @Test
    void failedCommitLeavesThePreviousCheckpointNewestInMemoryAndOnDisk()
    {
        final FaultInjectingStorageBackend backend =
            new FaultInjectingStorageBackend(new FileStorageBackend(checkpointsDir()));
        final PagedArena arena = arena(6);
        final UUID first;
        final UUID third;
        try (FileCheckpointStore store = new FileCheckpointStore(
            new FileCheckpointStore.Context().storageDir(storage).backend(backend)))
        {
            first = checkpoint(store, arena, 1, new byte[0]);
            arena.putLong((long)2 << PagedArena.PAGE_SHIFT, 222);
            backend.failNth(FaultInjectingStorageBackend.Operation.SYNC, 1, CheckpointFormat.CATALOG);
            final PagedArena.Snapshot snapshot = arena.freeze();
            final PendingCheckpoint pending = store.begin(metadata(2, new byte[0]), snapshot);
            awaitWritten(pending);
            snapshot.close();
            final KeelException error =
                assertThrows(KeelException.class, () -> CheckpointTestSupport.commit(pending));
            assertEquals("CHECKPOINT_IO", error.code());
            assertTrue(error.getMessage().contains("commit of checkpoint " + pending.id() + " in " + checkpointsDir() +
                " failed; checkpoint " + first + " stays the newest"), error.getMessage());
            assertTrue(error.getMessage().contains("injected SYNC failure on catalog"), error.getMessage());
            assertFalse(pending.isCommitted());
            assertEquals(List.of(first), ids(store));
            assertEquals(first, store.loadLatest().orElseThrow().id());

            // the page files of the failed one are durable: the next checkpoint may inherit from them
            arena.putLong((long)3 << PagedArena.PAGE_SHIFT, 333);
            third = checkpoint(store, arena, 3, new byte[0]);
            assertEquals(List.of(first, third), ids(store));
        }
        try (FileCheckpointStore store = new FileCheckpointStore(new FileCheckpointStore.Context().storageDir(storage)))
        {
            assertEquals(List.of(first, third), ids(store));
            final PagedArena fresh = new PagedArena(16, false);
            store.restoreInto(store.loadLatest().orElseThrow(), fresh);
            assertSameArena(arena, fresh);
        }
    }

    @Test
    void filesOfListsPageFilesThenTheManifestWithSizesAndChecksums() throws IOException
    {
        final PagedArena arena = arena(5);
        try (FileCheckpointStore store = new FileCheckpointStore(new FileCheckpointStore.Context().storageDir(storage)))
        {
            final UUID first = checkpoint(store, arena, 1, new byte[0]);
            arena.putLong((long)1 << PagedArena.PAGE_SHIFT, -1);
            final UUID second = checkpoint(store, arena, 2, new byte[0]);
            final List<StoredFile> files = store.filesOf(second);
            // page 1 was rewritten by the second, pages 2.. are inherited from the first; the manifest comes last
            assertEquals(List.of(second + "/pages-0000.dat", first + "/pages-0000.dat", second + "/manifest"),
                files.stream().map(StoredFile::name).toList());
            for (final StoredFile file : files)
            {
                final Path path = checkpointsDir().resolve(file.name());
                assertEquals(Files.size(path), file.size(), file.name());
                final byte[] bytes = Files.readAllBytes(path);
                final CRC32C crc = new CRC32C();
                if (file.name().endsWith("manifest"))
                {
                    crc.update(bytes, CheckpointFormat.ENVELOPE_HEADER_LENGTH,
                        bytes.length - CheckpointFormat.ENVELOPE_HEADER_LENGTH);
                }
                else
                {
                    final int headerLength = PageFiles.readHeader(java.nio.channels.FileChannel.open(path),
                        path.toString()).headerLength();
                    crc.update(bytes, 0, headerLength);
                }
                assertEquals(crc.getValue(), file.checksum(), file.name());
            }
            final UUID unknown = UUID.randomUUID();
            final KeelException error = assertThrows(KeelException.class, () -> store.filesOf(unknown));
            assertEquals("CHECKPOINT_UNKNOWN", error.code());
            assertTrue(error.getMessage().contains(unknown + " is not a retained"), error.getMessage());
        }
    }

    @Test
    void reloadSeesACheckpointPulledIntoTheDirectoryFromOutside() throws IOException
    {
        final PagedArena arena = arena(7);
        final Path standbyCheckpoints = standby.resolve("checkpoints");
        try (FileCheckpointStore standbyStore =
            new FileCheckpointStore(new FileCheckpointStore.Context().storageDir(standby)))
        {
            assertTrue(standbyStore.list().isEmpty());
            final UUID id;
            try (FileCheckpointStore primary =
                new FileCheckpointStore(new FileCheckpointStore.Context().storageDir(storage)))
            {
                id = checkpoint(primary, arena, 1, new byte[0]);
                // a pull as the sync will do it: exactly the files of the checkpoint, then catalog and CURRENT
                for (final StoredFile file : primary.filesOf(id))
                {
                    final Path target = standbyCheckpoints.resolve(file.name());
                    Files.createDirectories(target.getParent());
                    Files.copy(checkpointsDir().resolve(file.name()), target);
                }
            }
            Files.copy(checkpointsDir().resolve(CheckpointFormat.CATALOG),
                standbyCheckpoints.resolve(CheckpointFormat.CATALOG), java.nio.file.StandardCopyOption.REPLACE_EXISTING);
            Files.copy(checkpointsDir().resolve(CheckpointFormat.CURRENT),
                standbyCheckpoints.resolve(CheckpointFormat.CURRENT));

            assertTrue(standbyStore.list().isEmpty(), "nothing changes until reload");
            assertEquals(List.of(id), standbyStore.reload().stream().map(CheckpointInfo::id).toList());
            final PagedArena fresh = new PagedArena(16, false);
            standbyStore.restoreInto(standbyStore.loadLatest().orElseThrow(), fresh);
            assertSameArena(arena, fresh);
            assertEquals(List.of(id), standbyStore.filesOf(id).stream().map(StoredFile::name)
                .filter(name -> name.endsWith("manifest")).map(name -> UUID.fromString(name.split("/")[0])).toList());

            // reload refuses what open refuses, and writes or deletes nothing
            Files.delete(standbyCheckpoints.resolve(id.toString()).resolve("pages-0000.dat"));
            final KeelException error = assertThrows(KeelException.class, standbyStore::reload);
            assertEquals("CHECKPOINT_FILE_MISSING", error.code());
            assertNotNull(standbyStore.list());
        }
    }

    @Test
    void backendOverAnotherDirectoryIsRefusedNamingTheField()
    {
        final KeelException error = assertThrows(KeelException.class, () -> new FileCheckpointStore.Context()
            .storageDir(storage).backend(new FileStorageBackend(standby)).conclude());
        assertTrue(error.getMessage().contains("backend=FileStorageBackend(" + standby + ") is invalid"),
            error.getMessage());
        assertTrue(error.getMessage().contains("checkpointsDir " + checkpointsDir()), error.getMessage());
    }
}
