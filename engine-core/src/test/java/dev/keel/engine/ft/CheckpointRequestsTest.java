package dev.keel.engine.ft;

import dev.keel.engine.spi.CheckpointStatus;

import dev.keel.engine.KeelException;
import dev.keel.engine.storage.FaultInjectingStorageBackend;
import dev.keel.engine.storage.FileStorageBackend;
import dev.keel.engine.storage.MemoryStorageBackend;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Set;
import java.util.UUID;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class CheckpointRequestsTest
{
    @TempDir
    Path dir;

    private final MemoryStorageBackend backend = new MemoryStorageBackend();

    private String text(final String name)
    {
        return new String(backend.read(name), StandardCharsets.UTF_8);
    }

    @Test
    void issuedNumbersAndStatusesSurviveARestartInTheOnDiskFormat()
    {
        final CheckpointRequests requests = new CheckpointRequests(backend, Set.of());
        assertEquals(1, requests.issue());
        assertEquals(2, requests.issue());
        assertEquals("issued 2\n", text(CheckpointRequests.REQUESTS_FILE));
        final UUID id = UUID.randomUUID();
        requests.beforeCommit(id, 2);
        assertEquals("succeeded 0\nunknown_below 1\ncommitting " + id + " 2\n", text(CheckpointRequests.STATUSES_FILE));
        assertEquals(CheckpointStatus.IN_PROGRESS, requests.status(2));
        requests.succeeded(2);
        assertEquals(CheckpointStatus.SUCCESS, requests.status(1));
        assertEquals(3, requests.issue());
        requests.failed(3, 3, "disk full");
        assertEquals("succeeded 3\nunknown_below 1\nfailure 3 3 disk full\n", text(CheckpointRequests.STATUSES_FILE));

        final CheckpointRequests reloaded = new CheckpointRequests(backend, Set.of(id));
        assertEquals(3, reloaded.lastIssued());
        assertEquals(CheckpointStatus.SUCCESS, reloaded.status(2));
        assertEquals(new CheckpointStatus.Failure("disk full"), reloaded.status(3));
        assertEquals(CheckpointStatus.UNKNOWN, reloaded.status(4));
        assertEquals(List.of(CheckpointRequests.REQUESTS_FILE, CheckpointRequests.STATUSES_FILE),
            List.copyOf(backend.snapshot().keySet()), "no temp file left");
    }

    @Test
    void interruptedCommitIsResolvedByTheStoresList()
    {
        final UUID committed = UUID.randomUUID();
        final CheckpointRequests first = new CheckpointRequests(backend, Set.of());
        first.issue();
        first.beforeCommit(committed, 1);
        // crash here: the statuses file says "committing", the store's list decides
        assertEquals(CheckpointStatus.SUCCESS, new CheckpointRequests(backend, Set.of(committed)).status(1));

        final MemoryStorageBackend other = new MemoryStorageBackend();
        final CheckpointRequests second = new CheckpointRequests(other, Set.of());
        second.issue();
        second.beforeCommit(UUID.randomUUID(), 1);
        final CheckpointStatus status = new CheckpointRequests(other, Set.of(committed)).status(1);
        assertInstanceOf(CheckpointStatus.Failure.class, status);
        assertTrue(((CheckpointStatus.Failure)status).error().contains("pipeline stopped"), status.toString());
    }

    @Test
    void successTheWriterCouldNotWriteDownIsWrittenBeforeTheNextCommit()
    {
        final FaultInjectingStorageBackend failing = new FaultInjectingStorageBackend(backend);
        final CheckpointRequests requests = new CheckpointRequests(failing, Set.of());
        requests.issue();
        final UUID first = UUID.randomUUID();
        final var hooks = requests.commitHooks(first, 1);
        hooks.beforeCommit();
        failing.failNth(FaultInjectingStorageBackend.Operation.SYNC, 1, CheckpointRequests.STATUSES_FILE);
        assertThrows(KeelException.class, hooks::afterCommit);
        assertEquals(CheckpointStatus.IN_PROGRESS, requests.status(1), "until the circuit sees the commit");
        requests.settle(1);
        assertEquals(CheckpointStatus.SUCCESS, requests.status(1), "committed: the failed write changes no answer");

        // a periodic checkpoint covers no new request, yet rewrites the file: retention may drop 'first' after it
        final UUID second = UUID.randomUUID();
        final var next = requests.commitHooks(second, 1);
        next.beforeCommit();
        next.afterCommit();
        assertEquals("succeeded 1\nunknown_below 1\n", text(CheckpointRequests.STATUSES_FILE));
        assertEquals(CheckpointStatus.SUCCESS, new CheckpointRequests(backend, Set.of()).status(1),
            "with neither checkpoint listed any more");
    }

    @Test
    void failedWriteNamesTheFileAndDoesNotIssueTheNumber()
    {
        final FaultInjectingStorageBackend failing = new FaultInjectingStorageBackend(backend);
        final CheckpointRequests requests = new CheckpointRequests(failing, Set.of());
        assertEquals(1, requests.issue());
        failing.failNth(FaultInjectingStorageBackend.Operation.SYNC, 1, CheckpointRequests.REQUESTS_FILE);
        final KeelException error = assertThrows(KeelException.class, requests::issue);
        assertEquals("CHECKPOINT_REQUESTS_IO", error.code());
        assertTrue(error.getMessage().contains("cannot write " + CheckpointRequests.REQUESTS_FILE), error.getMessage());
        assertEquals(1, requests.lastIssued());
        assertEquals("issued 1\n", text(CheckpointRequests.REQUESTS_FILE));
        assertEquals(2, requests.issue());
    }

    @Test
    void corruptStatusesRefuseWithWhatToDo()
    {
        backend.putRaw(CheckpointRequests.STATUSES_FILE, "succeeded x\n".getBytes(StandardCharsets.UTF_8));
        final KeelException error = assertThrows(KeelException.class, () -> new CheckpointRequests(backend, Set.of()));
        assertEquals("CHECKPOINT_REQUESTS_CORRUPT", error.code());
        assertTrue(error.getMessage().contains("delete both files"), error.getMessage());
    }

    @Test
    void filesOfEarlierVersionsStillLoadAndTheirTempFilesAreRemoved() throws IOException
    {
        // as the hand-rolled protocol before the storage backend left them, byte for byte
        Files.writeString(dir.resolve("checkpoint-requests"), "issued 3\n");
        Files.writeString(dir.resolve("checkpoint-statuses"), "succeeded 2\nunknown_below 1\nfailure 1 1 boom\n");
        Files.writeString(dir.resolve("checkpoint-statuses.writing"), "succ");
        final CheckpointRequests requests = new CheckpointRequests(new FileStorageBackend(dir), Set.of());
        assertEquals(new CheckpointStatus.Failure("boom"), requests.status(1));
        assertEquals(CheckpointStatus.SUCCESS, requests.status(2));
        assertInstanceOf(CheckpointStatus.Failure.class, requests.status(3), "stopped before it was covered");
        assertTrue(Files.notExists(dir.resolve("checkpoint-statuses.writing")));
        assertNull(new MemoryStorageBackend().read("checkpoint-requests"));
    }

    @Test
    void withoutBackendEverythingStaysInMemory()
    {
        final CheckpointRequests requests = new CheckpointRequests(null, Set.of());
        assertEquals(1, requests.issue());
        requests.succeeded(1);
        assertEquals(CheckpointStatus.SUCCESS, requests.status(1));
    }
}
