package dev.keel.wal;

import dev.keel.engine.KeelException;
import dev.keel.engine.spi.StepRecord;
import org.agrona.concurrent.UnsafeBuffer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.util.List;

import static dev.keel.wal.JournalTestSupport.awaitDurable;
import static dev.keel.wal.JournalTestSupport.fill;
import static dev.keel.wal.JournalTestSupport.replayAll;
import static org.junit.jupiter.api.Assertions.*;

/**
 * Journal export and import on real Aeron archives: records exported from a running journal's segment files up to
 * a limit, in chunks from any record start, imported into another journal replay exactly as written there; a
 * damaged chunk is refused naming the problem.
 */
class JournalExportTest
{
    @TempDir
    Path dir;

    private final StepRecord record = new StepRecord();
    private final UnsafeBuffer scratch = new UnsafeBuffer(new byte[256]);

    @Test
    void chunksExportedWhileTheJournalRunsImportIntoAnotherJournalAndReplayTheSameRecords()
    {
        final long[] ends = new long[121];
        try (AeronJournal source = AeronJournal.launch(new AeronJournal.Context().journalDir(dir.resolve("a")));
            AeronJournal target = AeronJournal.launch(new AeronJournal.Context().journalDir(dir.resolve("b"))))
        {
            for (int step = 1; step <= 120; step++)
            {
                ends[step] = source.append(fill(record, step, scratch));
            }
            awaitDurable(source, ends[120]);
            assertEquals(ends[120], source.publishedDurablePosition());

            // a checkpoint at step 20, a tail shipped at step 70, then the rest: three contiguous chunks
            assertNull(JournalExport.read(source.journalDir(), ends[20], ends[20]), "nothing up to the limit");
            final JournalExport.Chunk first = JournalExport.read(source.journalDir(), ends[20], ends[70]);
            assertEquals(ends[20], first.startPosition());
            assertEquals(ends[70], first.endPosition());
            assertEquals(50, first.recordCount());
            final JournalExport.Chunk second =
                JournalExport.read(source.journalDir(), first.endPosition(), Long.MAX_VALUE);
            assertEquals(ends[120], second.endPosition(), "unbounded: up to the last record written");
            assertEquals(50, second.recordCount());
            assertNull(JournalExport.read(source.journalDir(), ends[120], Long.MAX_VALUE));

            assertEquals(50, JournalExport.importChunk(first.bytes(), target, 10_000_000_000L));
            assertEquals(50, JournalExport.importChunk(second.bytes(), target, 10_000_000_000L));
            final List<JournalTestSupport.Replayed> replayed = replayAll(target, 0);
            assertEquals(100, replayed.size());
            for (int i = 0; i < 100; i++)
            {
                assertEquals(21 + i, replayed.get(i).step, "the steps after the checkpoint, in order");
            }
            assertEquals(target.position(), target.durablePosition(), "imported records are durable");
        }
    }

    @Test
    void aCappedReadCoversAtMostTheCapAndASingleLongerRecordStillFormsAChunk()
    {
        final long[] ends = new long[61];
        try (AeronJournal source = AeronJournal.launch(new AeronJournal.Context().journalDir(dir.resolve("a"))))
        {
            for (int step = 1; step <= 60; step++)
            {
                ends[step] = source.append(fill(record, step, scratch));
            }
            awaitDurable(source, ends[60]);
            final long cap = 1024;
            long from = 0;
            int records = 0;
            int chunks = 0;
            JournalExport.Chunk chunk;
            while (null != (chunk = JournalExport.read(source.journalDir(), from, ends[60], cap)))
            {
                assertEquals(from, chunk.startPosition());
                assertTrue(chunk.endPosition() - from <= cap, "chunk [" + from + ", " + chunk.endPosition() +
                    ") covers more than the cap " + cap);
                assertTrue(chunk.bytes().length <= cap + 36, chunk.bytes().length + " bytes");
                records += chunk.recordCount();
                chunks++;
                from = chunk.endPosition();
            }
            assertEquals(ends[60], from, "the chunks cover the whole range, contiguously");
            assertEquals(60, records);
            assertTrue(chunks >= ends[60] / cap, chunks + " chunks for " + ends[60] + " bytes");

            final JournalExport.Chunk tiny = JournalExport.read(source.journalDir(), 0, ends[60], 1);
            assertNotNull(tiny, "a record longer than the cap is not stuck");
            assertEquals(1, tiny.recordCount());
            assertEquals(ends[1], tiny.endPosition());
        }
    }

    @Test
    void aDamagedChunkIsRefusedAndNothingIsAppended()
    {
        try (AeronJournal source = AeronJournal.launch(new AeronJournal.Context().journalDir(dir.resolve("a")));
            AeronJournal target = AeronJournal.launch(new AeronJournal.Context().journalDir(dir.resolve("b"))))
        {
            long end = 0;
            for (int step = 1; step <= 10; step++)
            {
                end = source.append(fill(record, step, scratch));
            }
            awaitDurable(source, end);
            final byte[] chunk = JournalExport.read(source.journalDir(), 0, end).bytes();
            final byte[] flipped = chunk.clone();
            flipped[flipped.length / 2] ^= 0x40;
            final KeelException crc = assertThrows(KeelException.class,
                () -> JournalExport.importChunk(flipped, target, 10_000_000_000L));
            assertEquals("JOURNAL_CHUNK_CORRUPT", crc.code());
            assertTrue(crc.getMessage().contains("checksum mismatch"), crc.getMessage());

            final byte[] other = chunk.clone();
            other[0] = 'X';
            final KeelException magic = assertThrows(KeelException.class, () -> JournalExport.parse(other, "s3://b/k"));
            assertTrue(magic.getMessage().contains("s3://b/k") &&
                magic.getMessage().contains("not a Keel journal chunk"), magic.getMessage());
            assertEquals(0, target.position(), "nothing appended from a damaged chunk");
        }
    }

    @Test
    void exportingWithoutAJournalFailsNamingTheDirectory()
    {
        final KeelException none = assertThrows(KeelException.class,
            () -> JournalExport.read(dir.resolve("missing"), 0, Long.MAX_VALUE));
        assertEquals("JOURNAL_EXPORT_FAILED", none.code());
        assertTrue(none.getMessage().contains("missing"), none.getMessage());
    }
}
