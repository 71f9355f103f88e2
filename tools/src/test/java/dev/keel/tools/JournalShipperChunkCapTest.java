package dev.keel.tools;

import dev.keel.engine.config.SyncConfig;
import dev.keel.engine.spi.StepRecord;
import dev.keel.sync.JournalChunk;
import dev.keel.sync.S3CheckpointSync;
import dev.keel.sync.SyncContext;
import dev.keel.sync.SyncFixture;
import dev.keel.sync.SyncSettings;
import dev.keel.wal.AeronJournal;
import dev.keel.wal.JournalExport;
import org.agrona.concurrent.UnsafeBuffer;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.UUID;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.*;

/**
 * The cap on a shipped journal chunk: a backlog of a real Aeron journal longer than the cap is shipped to the
 * loopback S3 server as consecutive objects, each covering at most the cap, one after the other without waiting
 * for the next push interval; pulled back in order and imported into another journal, they replay every step
 * once, in order.
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class JournalShipperChunkCapTest
{
    private static final int STEPS = 400;
    private static final long CAP = 4096;

    @TempDir
    Path dir;

    @BeforeAll
    static void startS3()
    {
        SyncFixture.shared();
    }

    @Test
    void aBacklogLongerThanTheCapShipsAsConsecutiveBoundedChunksThatImportInOrder() throws Exception
    {
        final SyncFixture s3 = SyncFixture.shared();
        final String bucket = s3.newBucket();
        final UUID checkpoint = UUID.randomUUID();
        try (AeronJournal journal = AeronJournal.launch(new AeronJournal.Context().journalDir(dir.resolve("a")));
            AeronJournal target = AeronJournal.launch(new AeronJournal.Context().journalDir(dir.resolve("b")));
            S3CheckpointSync sync = S3CheckpointSync.open(context(s3, bucket, dir).ownerId("node-a"));
            S3CheckpointSync reader = S3CheckpointSync.openReadOnly(context(s3, bucket, dir)))
        {
            final StepRecord record = new StepRecord();
            final UnsafeBuffer data = new UnsafeBuffer(new byte[200]);
            long end = 0;
            for (int step = 1; step <= STEPS; step++)
            {
                for (int b = 0; b < 150; b++)
                {
                    data.putByte(b, (byte)(step + b));
                }
                end = journal.append(record.reset(step, 1000 + step, 1).data(0, data, 0, 150));
            }
            final long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
            while (journal.durablePosition() < end || journal.publishedDurablePosition() < end)
            {
                assertTrue(System.nanoTime() < deadline, "journal not durable to " + end);
                Thread.yield();
            }
            assertTrue(end > 10 * CAP, "the backlog (" + end + " bytes) is many times the cap");

            final JournalShipper shipper = new JournalShipper(sync, journal, null, CAP);
            shipper.onCheckpointPushed(checkpoint, 1, 0);
            // never a tick: only the cap's "more to ship" drives the shipments after the first
            while (shipper.shippedPosition() < end)
            {
                assertTrue(System.nanoTime() < deadline + TimeUnit.SECONDS.toNanos(20), "shipped to " +
                    shipper.shippedPosition() + " of " + end + " after " + shipper.chunksShipped() + " chunks, " +
                    shipper.failures() + " failures");
                shipper.doWork(false);
                Thread.sleep(1);
            }

            final Map<String, Long> objects = s3.listAll(bucket);
            final List<String> chunkKeys = new ArrayList<>();
            for (final Map.Entry<String, Long> object : objects.entrySet())
            {
                if (object.getKey().startsWith("journal/" + checkpoint + "/"))
                {
                    chunkKeys.add(object.getKey());
                    assertTrue(object.getValue() <= CAP + 36, object.getKey() + " has " + object.getValue() +
                        " bytes, more than the cap " + CAP + " plus the chunk framing");
                }
            }
            assertTrue(chunkKeys.size() >= end / CAP, "only " + chunkKeys.size() + " chunk(s) for " + end +
                " bytes: " + chunkKeys);

            final List<JournalChunk> pulled = reader.pullJournal(checkpoint).join();
            assertEquals(chunkKeys.size(), pulled.size());
            long expectedStart = 0;
            int imported = 0;
            for (final JournalChunk chunk : pulled)
            {
                assertEquals(expectedStart, chunk.startPosition(), "chunks pulled in position order, contiguous");
                expectedStart = chunk.endPosition();
                imported += JournalExport.importChunk(chunk.bytes(), target, TimeUnit.SECONDS.toNanos(10));
            }
            assertEquals(end, expectedStart);
            assertEquals(STEPS, imported);
            final List<Long> steps = new ArrayList<>();
            target.replay(0, (endPosition, replayed) ->
            {
                assertEquals(150, replayed.dataLength(0), "step " + replayed.step() + "'s data");
                steps.add(replayed.step());
            });
            final List<Long> want = new ArrayList<>();
            for (long step = 1; step <= STEPS; step++)
            {
                want.add(step);
            }
            assertEquals(want, steps, "every step once, in order");
        }
    }

    private static SyncContext context(final SyncFixture s3, final String bucket, final Path root)
    {
        final SyncConfig config = new SyncConfig(bucket, "", Optional.of("us-east-1"), Optional.of("Minio"),
            Optional.of(SyncFixture.ACCESS_KEY), Optional.of(SyncFixture.SECRET_KEY),
            Optional.of("http://127.0.0.1:" + s3.s3Port), OptionalLong.empty(), 10, 30, Optional.empty(), false,
            false, 10, Optional.empty(), "", true, SyncConfig.ReleaseOutput.DURABLE);
        return new SyncContext().settings(SyncSettings.from(config)).localRoot(root)
            .closeTimeout(Duration.ofSeconds(10));
    }
}
