package dev.keel.sync;

import dev.keel.engine.KeelException;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.CompletionException;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.*;

/**
 * Journal chunks on a real S3 server on loopback: shipped chunks come back in position order, a range shipped
 * again with a longer end replaces the shorter, a gap is an error naming where, nothing shipped is an empty list,
 * and a read-only instance refuses to ship.
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class JournalStoreTest
{
    @TempDir
    Path root;

    @BeforeAll
    static void startS3()
    {
        SyncFixture.shared();
    }

    private static JournalSource chunk(final long start, final long end)
    {
        return from -> new JournalChunk(start, end, 1, ("steps " + start + "-" + end).getBytes(StandardCharsets.UTF_8));
    }

    @Test
    void chunksComeBackInOrderLongestFirstAndAGapIsAnError()
    {
        final SyncFixture s3 = SyncFixture.shared();
        final String bucket = s3.newBucket();
        final UUID checkpoint = UUID.randomUUID();
        try (S3CheckpointSync sync = S3CheckpointSync.open(SyncFixture.context(
                s3.settings(bucket + "/p", s3.s3Port).build(), "node-a", root));
            S3CheckpointSync reader = S3CheckpointSync.openReadOnly(SyncFixture.context(
                s3.settings(bucket + "/p", s3.s3Port).build(), null, null)))
        {
            assertEquals(List.of(), reader.pullJournal(checkpoint).join(), "nothing shipped yet");
            assertNull(sync.shipJournal(checkpoint, 64, from -> null).join(), "nothing new: nothing uploaded");
            sync.shipJournal(checkpoint, 64, chunk(64, 512)).join();
            sync.shipJournal(checkpoint, 512, chunk(512, 1024)).join();
            sync.shipJournal(checkpoint, 512, chunk(512, 2048)).join(); // shipped again, longer
            sync.shipJournal(checkpoint, 2048, chunk(2048, 4096)).join();
            assertTrue(s3.listAll(bucket).containsKey("p/journal/" + checkpoint + "/" +
                "0000000000000000064-0000000000000000512.kjc"), s3.listAll(bucket).toString());

            final List<JournalChunk> chunks = reader.pullJournal(checkpoint).join();
            assertEquals(3, chunks.size());
            assertEquals(List.of(64L, 512L, 2048L), chunks.stream().map(JournalChunk::startPosition).toList());
            assertEquals("steps 512-2048", new String(chunks.get(1).bytes(), StandardCharsets.UTF_8));

            sync.shipJournal(checkpoint, 8192, chunk(8192, 9000)).join();
            final CompletionException gap = assertThrows(CompletionException.class,
                () -> reader.pullJournal(checkpoint).join());
            final KeelException error = (KeelException)gap.getCause();
            assertEquals(SyncErrors.JOURNAL_GAP, error.code());
            assertTrue(error.getMessage().contains("4096") && error.getMessage().contains("8192") &&
                error.getMessage().contains(checkpoint.toString()), error.getMessage());

            final KeelException readOnly = assertThrows(KeelException.class,
                () -> reader.shipJournal(checkpoint, 0, chunk(0, 64)));
            assertEquals(SyncErrors.READ_ONLY, readOnly.code());
        }
    }
}
