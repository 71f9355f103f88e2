package dev.keel.engine.ft;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.util.Set;

import static org.junit.jupiter.api.Assertions.*;

/** The newest succeeded and failed request the control API reports, in memory and after a restart. */
class CheckpointRequestsLastTest
{
    @TempDir
    Path dir;

    @Test
    void newestSuccessStepsBackOverFailuresAndSurvivesARestart()
    {
        final CheckpointRequests requests = new CheckpointRequests(new dev.keel.engine.storage.FileStorageBackend(dir), Set.of());
        assertEquals(0, requests.lastSucceeded());
        assertNull(requests.lastFailure());

        requests.issue();
        requests.failed(1, 1, "disk full");
        assertEquals(0, requests.lastSucceeded(), "request 1 failed: nothing succeeded");
        assertEquals(1, requests.lastFailure().sequenceNumber());
        assertEquals("disk full", requests.lastFailure().error());
        assertTrue(requests.lastFailure().failedAtMillis() > 0);

        requests.issue();
        requests.issue();
        requests.succeeded(3);
        assertEquals(3, requests.lastSucceeded());
        requests.issue();
        requests.issue();
        requests.failed(4, 5, "writer stopped");
        assertEquals(3, requests.lastSucceeded(), "4 and 5 failed");
        assertEquals(5, requests.lastFailure().sequenceNumber());

        final CheckpointRequests restarted = new CheckpointRequests(new dev.keel.engine.storage.FileStorageBackend(dir), Set.of());
        assertEquals(3, restarted.lastSucceeded());
        assertEquals(5, restarted.lastFailure().sequenceNumber());
        assertEquals("writer stopped", restarted.lastFailure().error());
        assertEquals(0, restarted.lastFailure().failedAtMillis(), "the statuses file keeps no time");

        restarted.issue();
        final CheckpointRequests again = new CheckpointRequests(new dev.keel.engine.storage.FileStorageBackend(dir), Set.of());
        assertEquals(6, again.lastFailure().sequenceNumber(), "issued before the stop and never covered");
        assertEquals(3, again.lastSucceeded());
    }
}
