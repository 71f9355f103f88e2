package dev.keel.wal;

import dev.keel.engine.KeelException;
import dev.keel.engine.spi.StepRecord;
import org.agrona.concurrent.UnsafeBuffer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.List;

import static dev.keel.wal.JournalTestSupport.awaitDurable;
import static dev.keel.wal.JournalTestSupport.fill;
import static dev.keel.wal.JournalTestSupport.replayAll;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Torn and damaged journal files made by hand after a clean close. A crash is simulated by also clearing the stop
 * position in the catalog, which is the state an active recording has on disk when its process dies.
 */
class JournalTornTailTest
{
    private static final int STEPS = 40;

    @TempDir
    Path dir;

    private final StepRecord record = new StepRecord();
    private final UnsafeBuffer scratch = new UnsafeBuffer(new byte[4096]);
    private final long[] ends = new long[STEPS + 1];
    private long recordingId;

    private Path journalDir()
    {
        return dir.resolve("journal");
    }

    private AeronJournal open()
    {
        return AeronJournal.launch(new AeronJournal.Context().journalDir(journalDir()).termLength(64 * 1024)
            .segmentFileLength(64 * 1024));
    }

    private void writeSteps()
    {
        try (AeronJournal journal = open())
        {
            recordingId = journal.recordingId();
            for (int step = 1; step <= STEPS; step++)
            {
                ends[step] = journal.append(fill(record, step, scratch));
            }
            awaitDurable(journal, ends[STEPS]);
        }
    }

    private Path segmentFileOf(final long position)
    {
        return JournalLayout.archiveDir(journalDir()).resolve(
            JournalLayout.segmentFileName(recordingId, position - (position & (64 * 1024 - 1))));
    }

    private void simulateCrashedCatalog()
    {
        final Path archiveDir = JournalLayout.archiveDir(journalDir());
        ArchiveCatalog.writeStopPosition(
            archiveDir, ArchiveCatalog.findJournalRecording(archiveDir, JournalLayout.STREAM_ID), -1);
    }

    private void truncate(final Path file, final long offset) throws Exception
    {
        try (FileChannel channel = FileChannel.open(file, StandardOpenOption.WRITE))
        {
            channel.truncate(offset);
        }
    }

    private void garble(final Path file, final long offset, final int length) throws Exception
    {
        try (FileChannel channel = FileChannel.open(file, StandardOpenOption.READ, StandardOpenOption.WRITE))
        {
            final ByteBuffer bytes = ByteBuffer.allocate(length);
            channel.read(bytes, offset);
            for (int i = 0; i < length; i++)
            {
                bytes.put(i, (byte)~bytes.get(i));
            }
            bytes.clear();
            channel.write(bytes, offset);
        }
    }

    private void assertRecoveredUpTo(final AeronJournal journal, final int lastStep)
    {
        assertNotNull(journal.tailRepair());
        assertTrue(journal.tailRepair().contains("position " + ends[lastStep]), journal.tailRepair());
        assertEquals(ends[lastStep], journal.position());
        final List<JournalTestSupport.Replayed> replayed = replayAll(journal, 0);
        assertEquals(lastStep, replayed.size());
        assertEquals(ends[lastStep], replayed.get(lastStep - 1).endPosition);

        // appending continues right after the last complete record
        final long end = journal.append(fill(record, lastStep + 1, scratch));
        awaitDurable(journal, end);
        final List<JournalTestSupport.Replayed> after = replayAll(journal, 0);
        assertEquals(lastStep + 1, after.size());
        for (int i = 0; i < after.size(); i++)
        {
            assertEquals(i + 1, after.get(i).step);
        }
    }

    @Test
    void crashTruncatedInsideTheLastRecordDropsIt() throws Exception
    {
        writeSteps();
        simulateCrashedCatalog();
        final long lastStart = ends[STEPS - 1];
        final Path file = segmentFileOf(lastStart);
        // 13 bytes into the payload: not a frame boundary
        truncate(file, (lastStart & (64 * 1024 - 1)) + 32 + 13);

        try (AeronJournal journal = open())
        {
            assertRecoveredUpTo(journal, STEPS - 1);
        }
        try (AeronJournal journal = open())
        {
            assertEquals(STEPS, replayAll(journal, 0).size(), "the repair and the new record survive a reopen");
        }
    }

    @Test
    void crashTruncatedInsideTheLastFrameHeaderDropsIt() throws Exception
    {
        writeSteps();
        simulateCrashedCatalog();
        final long lastStart = ends[STEPS - 1];
        truncate(segmentFileOf(lastStart), (lastStart & (64 * 1024 - 1)) + 7);

        try (AeronJournal journal = open())
        {
            assertRecoveredUpTo(journal, STEPS - 1);
        }
    }

    @Test
    void crashGarbledLastRecordIsDropped() throws Exception
    {
        writeSteps();
        simulateCrashedCatalog();
        final long lastStart = ends[STEPS - 1];
        garble(segmentFileOf(lastStart), (lastStart & (64 * 1024 - 1)) + 32 + 21, 3);

        try (AeronJournal journal = open())
        {
            assertRecoveredUpTo(journal, STEPS - 1);
            assertTrue(journal.tailRepair().contains("checksum mismatch"), journal.tailRepair());
        }
    }

    @Test
    void crashWithIntactTailRecoversEverything()
    {
        writeSteps();
        simulateCrashedCatalog();

        try (AeronJournal journal = open())
        {
            assertEquals(null, journal.tailRepair());
            assertEquals(ends[STEPS], journal.position());
            assertEquals(STEPS, replayAll(journal, 0).size());
        }
    }

    @Test
    void damageFollowedByVerifiedRecordsIsRefused() throws Exception
    {
        writeSteps();
        simulateCrashedCatalog();
        final long damaged = ends[STEPS - 5];
        final Path file = segmentFileOf(damaged);
        garble(file, (damaged & (64 * 1024 - 1)) + 40, 2);

        final KeelException ex = assertThrows(KeelException.class, this::open);
        assertEquals("JOURNAL_CORRUPT", ex.code());
        assertTrue(ex.getMessage().contains(file.toString()), ex.getMessage());
        assertTrue(ex.getMessage().contains("position " + damaged), ex.getMessage());
        assertTrue(ex.getMessage().contains("verified records follow"), ex.getMessage());
    }

    @Test
    void tearBelowACleanStopPositionIsRefusedNamingFileAndPosition() throws Exception
    {
        writeSteps();
        final long lastStart = ends[STEPS - 1];
        final Path file = segmentFileOf(lastStart);
        final long offset = lastStart & (64 * 1024 - 1);
        truncate(file, offset + 32 + 13);

        final KeelException ex = assertThrows(KeelException.class, this::open);
        assertEquals("JOURNAL_CORRUPT", ex.code());
        assertTrue(ex.getMessage().contains(file.toString()), ex.getMessage());
        assertTrue(ex.getMessage().contains("position " + lastStart), ex.getMessage());
        assertTrue(ex.getMessage().contains("offset " + offset), ex.getMessage());
        assertTrue(ex.getMessage().contains("closed cleanly at position " + ends[STEPS]), ex.getMessage());
    }
}
