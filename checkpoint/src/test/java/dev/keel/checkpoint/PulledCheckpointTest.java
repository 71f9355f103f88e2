package dev.keel.checkpoint;

import dev.keel.engine.KeelException;
import dev.keel.engine.spi.CheckpointInfo;
import dev.keel.engine.spi.LoadedCheckpoint;
import dev.keel.engine.state.PagedArena;
import dev.keel.engine.storage.StoredFile;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.UUID;

import static dev.keel.checkpoint.CheckpointTestSupport.assertSameArena;
import static dev.keel.checkpoint.CheckpointTestSupport.checkpoint;
import static org.junit.jupiter.api.Assertions.*;

/**
 * Checkpoints copied into a directory from outside, as a sync standby pulls them: {@code adoptPulled} commits the
 * first one into an empty directory only; {@code replaceWithPulled} commits each newer one in place of the one
 * before, deleting the replaced files the new one does not reference, and a store opened afterwards restores
 * exactly the newest.
 */
class PulledCheckpointTest
{
    @TempDir
    Path dir;

    @Test
    void aStandbyFollowsNewerCheckpointsAndKeepsOnlyWhatTheNewestReferences() throws IOException
    {
        final Path primaryDir = dir.resolve("primary");
        final Path standbyDir = dir.resolve("standby");
        final PagedArena arena = new PagedArena(16, false);
        final long[] addresses = new long[64];
        for (int i = 0; i < addresses.length; i++)
        {
            addresses[i] = arena.allocate(4096);
            arena.putLong(addresses[i], i);
        }
        try (FileCheckpointStore primary = new FileCheckpointStore(new FileCheckpointStore.Context()
            .checkpointsDir(primaryDir).retainedCheckpoints(5)))
        {
            final UUID first = checkpoint(primary, arena, 1, new byte[0]);
            copy(primary, first, primaryDir, standbyDir);
            final CheckpointInfo adopted = FileCheckpointStore.adoptPulled(standbyDir, first, 77);
            assertEquals(first, adopted.id());
            assertEquals(77, adopted.journalPosition(), "rebased onto the local journal");
            final KeelException refused = assertThrows(KeelException.class,
                () -> FileCheckpointStore.adoptPulled(standbyDir, first, 77));
            assertEquals("CHECKPOINT_ADOPT_REFUSED", refused.code());

            // every page changes: the newer checkpoint references none of the first one's files
            for (int i = 0; i < addresses.length; i++)
            {
                arena.putLong(addresses[i], -i);
            }
            final UUID second = checkpoint(primary, arena, 2, new byte[0]);
            copy(primary, second, primaryDir, standbyDir);
            final CheckpointInfo replaced = FileCheckpointStore.replaceWithPulled(standbyDir, second, 77);
            assertEquals(2, replaced.step());
            assertFalse(Files.exists(standbyDir.resolve(first.toString())), "the replaced checkpoint is deleted");
            assertTrue(Files.exists(standbyDir.resolve(second + "/" + CheckpointFormat.MANIFEST)));

            // a few pages change: the third references the second's page file, which stays
            arena.putLong(addresses[3], 333);
            final UUID third = checkpoint(primary, arena, 3, new byte[0]);
            final List<StoredFile> thirdFiles = primary.filesOf(third);
            assertTrue(thirdFiles.stream().anyMatch(f -> f.name().startsWith(second + "/")),
                "incremental: " + thirdFiles);
            copy(primary, third, primaryDir, standbyDir);
            FileCheckpointStore.replaceWithPulled(standbyDir, third, 77);
            assertFalse(Files.exists(standbyDir.resolve(second + "/" + CheckpointFormat.MANIFEST)),
                "the replaced manifest is deleted");
            for (final StoredFile file : thirdFiles)
            {
                assertTrue(Files.exists(standbyDir.resolve(file.name())), "kept: " + file.name());
            }
        }

        try (FileCheckpointStore standby = new FileCheckpointStore(new FileCheckpointStore.Context()
            .checkpointsDir(standbyDir)))
        {
            assertEquals(1, standby.list().size());
            assertEquals(3, standby.list().get(0).step());
            assertEquals(77, standby.list().get(0).journalPosition());
            final LoadedCheckpoint loaded = standby.loadLatest().orElseThrow();
            final PagedArena restored = new PagedArena(16, false);
            standby.restoreInto(loaded, restored);
            assertSameArena(arena, restored);
        }
    }

    /** What a pull does: the checkpoint's files, byte for byte, the manifest last. */
    private static void copy(final FileCheckpointStore store, final UUID id, final Path from, final Path to)
        throws IOException
    {
        for (final StoredFile file : store.filesOf(id))
        {
            final Path target = to.resolve(file.name());
            if (!Files.exists(target))
            {
                Files.createDirectories(target.getParent());
                Files.copy(from.resolve(file.name()), target);
            }
        }
    }
}
