package dev.keel.wal;

import dev.keel.engine.config.JournalSync;
import dev.keel.engine.KeelException;
import dev.keel.engine.status.KeelCounters;
import dev.keel.engine.config.ThreadingMode;
import dev.keel.engine.spi.StepRecord;
import io.aeron.archive.ArchiveThreadingMode;
import org.agrona.concurrent.UnsafeBuffer;
import org.agrona.concurrent.status.CountersReader;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;

import static dev.keel.wal.JournalTestSupport.awaitDurable;
import static dev.keel.wal.JournalTestSupport.fill;
import static dev.keel.wal.JournalTestSupport.replayAll;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class JournalMediaTest
{
    @TempDir
    Path dir;

    private final StepRecord record = new StepRecord();
    private final UnsafeBuffer scratch = new UnsafeBuffer(new byte[4096]);

    private JournalMedia.Context mediaContext()
    {
        return new JournalMedia.Context().journalDir(dir.resolve("journal"));
    }

    @Test
    void threadingModeFollowsTheNodesModeAndTheProcessors()
    {
        assertModes(ThreadingMode.SHARED, 2, ArchiveThreadingMode.SHARED);
        assertModes(ThreadingMode.SHARED, 16, ArchiveThreadingMode.SHARED);
        assertModes(ThreadingMode.INVOKER, 16, ArchiveThreadingMode.SHARED);
        assertModes(ThreadingMode.DEDICATED, 2, ArchiveThreadingMode.SHARED);
        assertModes(ThreadingMode.DEDICATED, 3, ArchiveThreadingMode.SHARED);
        assertModes(ThreadingMode.DEDICATED, 4, ArchiveThreadingMode.DEDICATED);
    }

    private void assertModes(final ThreadingMode mode, final int processors, final ArchiveThreadingMode archive)
    {
        final JournalMedia.Context ctx = mediaContext().threadingMode(mode).availableProcessors(processors).conclude();
        assertEquals(io.aeron.driver.ThreadingMode.SHARED, ctx.driverThreadingMode(), mode + " on " + processors);
        assertEquals(archive, ctx.archiveThreadingMode(), mode + " on " + processors);
    }

    @Test
    void invalidSettingsNameTheField()
    {
        final KeelException noDir = assertThrows(KeelException.class, () -> new JournalMedia.Context().conclude());
        assertTrue(noDir.getMessage().contains("JournalMedia.Context.journalDir=null is invalid"), noDir.getMessage());
        final KeelException segment = assertThrows(KeelException.class,
            () -> mediaContext().segmentFileLength(100_000).conclude());
        assertTrue(segment.getMessage().contains("segmentFileLength=100000 is invalid: must be a power of two"),
            segment.getMessage());
        final KeelException processors = assertThrows(KeelException.class,
            () -> mediaContext().availableProcessors(0).conclude());
        assertTrue(processors.getMessage().contains("availableProcessors=0 is invalid"), processors.getMessage());
    }

    @Test
    void journalsAttachToTheMediaAndLeaveItRunning()
    {
        try (JournalMedia media = JournalMedia.launch(
            mediaContext().threadingMode(ThreadingMode.DEDICATED).availableProcessors(4)))
        {
            // the recorder on a thread of its own: the mode a node on 4+ cores with threading_mode dedicated runs
            assertEquals(ArchiveThreadingMode.DEDICATED, media.context().archiveThreadingMode());
            final long recordingId;
            final long end;
            try (AeronJournal journal = AeronJournal.launch(new AeronJournal.Context().media(media)))
            {
                assertEquals(null, journal.tailRepair());
                for (int step = 1; step <= 20; step++)
                {
                    journal.append(fill(record, step, scratch));
                }
                recordingId = journal.recordingId();
                end = journal.position();
            }

            // the media outlived the journal: a second journal extends the same recording on it
            try (AeronJournal journal = AeronJournal.launch(new AeronJournal.Context().media(media)))
            {
                assertEquals(recordingId, journal.recordingId());
                assertEquals(end, journal.position());
                assertEquals(end, journal.durablePosition());
                for (int step = 21; step <= 30; step++)
                {
                    journal.append(fill(record, step, scratch));
                }
                awaitDurable(journal, journal.position());
                assertEquals(30, replayAll(journal, 0).size());
            }
        }

        // and a journal that launches its own media finds everything the attached ones wrote
        try (AeronJournal journal = AeronJournal.launch(new AeronJournal.Context().journalDir(dir.resolve("journal"))))
        {
            assertEquals(30, replayAll(journal, 0).size());
        }
    }

    @Test
    void mediaSettingsOnAnAttachedJournalAreRefused()
    {
        try (JournalMedia media = JournalMedia.launch(mediaContext()))
        {
            final KeelException sync = assertThrows(KeelException.class,
                () -> new AeronJournal.Context().media(media).sync(JournalSync.NONE).conclude());
            assertEquals("JOURNAL_CONFIG", sync.code());
            assertTrue(sync.getMessage().contains("AeronJournal.Context.media="), sync.getMessage());

            final KeelException otherDir = assertThrows(KeelException.class,
                () -> new AeronJournal.Context().media(media).journalDir(dir.resolve("elsewhere")).conclude());
            assertTrue(otherDir.getMessage().contains("journalDir=" + dir.resolve("elsewhere")), otherDir.getMessage());

            final AeronJournal.Context ok = new AeronJournal.Context().media(media).journalDir(dir.resolve("journal"))
                .conclude();
            assertEquals(media.context().sync(), ok.sync());
            assertEquals(media.context().aeronDir(), ok.aeronDir());
        }
        final JournalMedia closed = JournalMedia.launch(new JournalMedia.Context().journalDir(dir.resolve("other")));
        closed.close();
        final KeelException ex = assertThrows(KeelException.class,
            () -> AeronJournal.launch(new AeronJournal.Context().media(closed)));
        assertTrue(ex.getMessage().contains("a media that is not closed"), ex.getMessage());
    }

    @Test
    void countersTrackAppendsCommitsAndTheLongestCommit()
    {
        final long[] now = { 1_000 };
        try (KeelCounters counters = new KeelCounters(64 * CountersReader.COUNTER_LENGTH))
        {
            long bytes = 0;
            try (AeronJournal journal = AeronJournal.launch(new AeronJournal.Context()
                .journalDir(dir.resolve("journal"))
                .countersManager(counters.countersManager())
                .counterPipelineName("p1")
                .nanoClock(() -> now[0])))
            {
                for (int step = 1; step <= 50; step++)
                {
                    bytes += StepRecordProxy.encodedLength(fill(record, step, scratch));
                    journal.append(record);
                }
                assertEquals(50, value(counters, KeelCounters.JOURNAL_APPENDED_STEPS_TYPE_ID));
                assertEquals(bytes, value(counters, KeelCounters.JOURNAL_APPENDED_BYTES_TYPE_ID));

                // every record was appended at 1,000 ns; whichever poll sees it durable does so at 901,000 ns
                now[0] = 901_000;
                awaitDurable(journal, journal.position());
                assertEquals(journal.position(), value(counters, KeelCounters.JOURNAL_DURABLE_POSITION_TYPE_ID));
                final long commits = value(counters, KeelCounters.JOURNAL_COMMITS_TYPE_ID);
                assertTrue(commits >= 1 && commits <= 50, "group commits " + commits);
                assertEquals(900_000, value(counters, KeelCounters.JOURNAL_COMMIT_NANOS_MAX_TYPE_ID));

                // a later, quicker commit does not lower the maximum; polling without progress counts no commit
                journal.append(fill(record, 51, scratch));
                now[0] = 902_000;
                awaitDurable(journal, journal.position());
                final long afterOne = value(counters, KeelCounters.JOURNAL_COMMITS_TYPE_ID);
                assertEquals(commits + 1, afterOne);
                journal.durablePosition();
                assertEquals(afterOne, value(counters, KeelCounters.JOURNAL_COMMITS_TYPE_ID));
                assertEquals(900_000, value(counters, KeelCounters.JOURNAL_COMMIT_NANOS_MAX_TYPE_ID));
                assertEquals(51, value(counters, KeelCounters.JOURNAL_APPENDED_STEPS_TYPE_ID));
                assertEquals("keel_journal_appended_steps_total pipeline=p1",
                    labels(counters).get(KeelCounters.JOURNAL_APPENDED_STEPS_TYPE_ID));
            }
            assertTrue(labels(counters).isEmpty(), "the journal frees its counters on close: " + labels(counters));
        }
    }

    @Test
    void aReopenedJournalStartsItsDurablePositionCounterAtTheRecordingsEnd()
    {
        final long end;
        try (AeronJournal journal = AeronJournal.launch(new AeronJournal.Context().journalDir(dir.resolve("journal"))))
        {
            journal.append(fill(record, 1, scratch));
            end = journal.position();
        }
        try (KeelCounters counters = new KeelCounters(64 * CountersReader.COUNTER_LENGTH);
            AeronJournal journal = AeronJournal.launch(new AeronJournal.Context()
                .journalDir(dir.resolve("journal")).countersManager(counters.countersManager())))
        {
            assertEquals(end, value(counters, KeelCounters.JOURNAL_DURABLE_POSITION_TYPE_ID));
            assertEquals(0, value(counters, KeelCounters.JOURNAL_APPENDED_STEPS_TYPE_ID));
            journal.durablePosition();
            assertEquals(0, value(counters, KeelCounters.JOURNAL_COMMITS_TYPE_ID), "nothing new became durable");
            assertFalse(labels(counters).isEmpty());
        }
    }

    @Test
    void errorsReachTheHostHandlerAndAFailingHandlerIsContained()
    {
        final java.util.List<Throwable> seen = new java.util.ArrayList<>();
        final JournalErrors errors = new JournalErrors(error ->
        {
            seen.add(error);
            throw new IllegalStateException("host handler broke");
        });
        final RuntimeException first = new RuntimeException("first");
        errors.onError(first);
        errors.onError(new RuntimeException("second"));
        assertEquals(2, seen.size());
        assertEquals(first, errors.first());
        assertEquals(2, errors.count());
    }

    private static long value(final KeelCounters counters, final int typeId)
    {
        final long[] value = { Long.MIN_VALUE };
        counters.countersManager().forEach((id, type, key, label) ->
        {
            if (type == typeId)
            {
                value[0] = counters.countersManager().getCounterValue(id);
            }
        });
        assertTrue(Long.MIN_VALUE != value[0], "no counter of type " + typeId);
        return value[0];
    }

    private static Map<Integer, String> labels(final KeelCounters counters)
    {
        final Map<Integer, String> labels = new HashMap<>();
        counters.countersManager().forEach((id, type, key, label) -> labels.put(type, label));
        return labels;
    }
}
