package dev.keel.wal;

import dev.keel.engine.config.JournalSync;
import dev.keel.engine.KeelException;
import dev.keel.engine.spi.StepRecord;
import org.agrona.concurrent.UnsafeBuffer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.lang.management.ManagementFactory;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;

import static dev.keel.wal.JournalTestSupport.assertRecord;
import static dev.keel.wal.JournalTestSupport.awaitDurable;
import static dev.keel.wal.JournalTestSupport.fill;
import static dev.keel.wal.JournalTestSupport.replayAll;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class AeronJournalTest
{
    @TempDir
    Path dir;

    private final StepRecord record = new StepRecord();
    private final UnsafeBuffer scratch = new UnsafeBuffer(new byte[64 * 1024]);

    private AeronJournal.Context context()
    {
        return new AeronJournal.Context().journalDir(dir.resolve("journal"));
    }

    @Test
    void appendsBecomeDurableAndReplayInOrderFromAnyReturnedPosition()
    {
        final long[] ends = new long[201];
        try (AeronJournal journal = AeronJournal.launch(context()))
        {
            assertEquals(0, journal.position());
            assertNull(journal.tailRepair());
            for (int step = 1; step <= 200; step++)
            {
                ends[step] = journal.append(fill(record, step, scratch));
                assertEquals(ends[step], journal.position());
                assertTrue(ends[step] > ends[step - 1]);
            }
            awaitDurable(journal, ends[200]);

            final List<JournalTestSupport.Replayed> all = replayAll(journal, 0);
            assertEquals(200, all.size());
            for (int i = 0; i < 200; i++)
            {
                assertEquals(i + 1, all.get(i).step);
                assertEquals(ends[i + 1], all.get(i).endPosition);
            }

            final List<JournalTestSupport.Replayed> tail = replayAll(journal, ends[150]);
            assertEquals(50, tail.size());
            assertEquals(151, tail.get(0).step);
            assertEquals(0, replayAll(journal, ends[200]).size());
        }
    }

    @Test
    void reopenContinuesTheSameRecording()
    {
        final long end;
        final long recordingId;
        try (AeronJournal journal = AeronJournal.launch(context()))
        {
            recordingId = journal.recordingId();
            for (int step = 1; step <= 50; step++)
            {
                journal.append(fill(record, step, scratch));
            }
            end = journal.position();
        }

        try (AeronJournal journal = AeronJournal.launch(context()))
        {
            assertEquals(recordingId, journal.recordingId());
            assertEquals(end, journal.position());
            assertEquals(end, journal.durablePosition());
            assertEquals(50, replayAll(journal, 0).size());

            for (int step = 51; step <= 80; step++)
            {
                journal.append(fill(record, step, scratch));
            }
            awaitDurable(journal, journal.position());
            final List<JournalTestSupport.Replayed> all = replayAll(journal, 0);
            assertEquals(80, all.size());
            for (int i = 0; i < 80; i++)
            {
                assertEquals(i + 1, all.get(i).step);
            }
        }

        try (AeronJournal journal = AeronJournal.launch(context()))
        {
            assertEquals(80, replayAll(journal, 0).size());
        }
    }

    @Test
    void fragmentedRecordsRoundTrip()
    {
        try (AeronJournal journal = AeronJournal.launch(context()))
        {
            // ~40 KiB of data: many MTU-sized fragments
            record.reset(1, 2, 2).inputCount(3).inputHash(4);
            for (int b = 0; b < 40_000; b++)
            {
                scratch.putByte(b, (byte)b);
            }
            record.data(0, scratch, 0, 40_000);
            record.position(1, 99);
            final long end = journal.append(record);
            journal.append(fill(record, 2, scratch));

            final int[] seen = new int[1];
            journal.replay(0, (endPosition, replayed) ->
            {
                if (0 == seen[0]++)
                {
                    assertEquals(end, endPosition);
                    assertEquals(40_000, replayed.dataLength(0));
                    for (int b = 0; b < 40_000; b++)
                    {
                        assertEquals((byte)b, replayed.data(0).getByte(b));
                    }
                    assertEquals(99, replayed.position(1));
                }
                else
                {
                    assertRecord(2, replayed);
                }
            });
            assertEquals(2, seen[0]);
        }
    }

    @Test
    void replayChecksItsStartPosition()
    {
        try (AeronJournal journal = AeronJournal.launch(context()))
        {
            final long first = journal.append(fill(record, 1, scratch));
            journal.append(fill(record, 2, scratch));
            awaitDurable(journal, journal.position());

            final KeelException unaligned = assertThrows(KeelException.class, () -> journal.replay(first + 1, (e, r) -> {}));
            assertEquals("JOURNAL_BAD_POSITION", unaligned.code());
            assertTrue(unaligned.getMessage().contains("position " + (first + 1)), unaligned.getMessage());

            final KeelException beyond = assertThrows(
                KeelException.class, () -> journal.replay(journal.position() + 32, (e, r) -> {}));
            assertEquals("JOURNAL_BAD_POSITION", beyond.code());

            // aligned, inside the recording, but inside record 2's payload: not a frame start
            final KeelException inside = assertThrows(KeelException.class, () -> journal.replay(first + 64, (e, r) -> {}));
            assertTrue(inside.getMessage().contains(Long.toString(first + 64)), inside.getMessage());
            assertEquals("JOURNAL_REPLAY_FAILED", inside.code(), inside.getMessage());
            assertEquals(2, replayAll(journal, 0).size(), "the journal still replays after a refused replay");
        }
    }

    @Test
    void replayFromEveryReturnedPositionAroundATermsPadding()
    {
        final int term = 64 * 1024;
        try (AeronJournal journal = AeronJournal.launch(context().termLength(term).segmentFileLength(term)))
        {
            final long[] ends = new long[2_000];
            int step = 0;
            while (journal.position() < 2L * term + 2_000)
            {
                step++;
                ends[step] = journal.append(fill(record, step, scratch));
            }
            awaitDurable(journal, journal.position());

            int padded = 0;
            for (int i = 1; i < step; i++)
            {
                // only the records around a term boundary: each replay is an archive round trip
                final boolean nearBoundary = (ends[i] / term) != (ends[Math.min(i + 3, step)] - 1) / term;
                if (!nearBoundary && 0 != i % 100)
                {
                    continue;
                }

                final List<JournalTestSupport.Replayed> rest = replayAll(journal, ends[i]);
                assertEquals(step - i, rest.size(), "records after step " + i);
                assertEquals(i + 1, rest.get(0).step);
                if ((ends[i] / term) != (ends[i + 1] - 1) / term && 0 != ends[i] % term)
                {
                    padded++;
                }
            }
            assertTrue(padded >= 2, "replays started right before a padding frame: " + padded);
        }
    }

    @Test
    void tooLargeRecordFailsNamingSizeAndLimit()
    {
        try (AeronJournal journal = AeronJournal.launch(context().termLength(64 * 1024).segmentFileLength(64 * 1024)))
        {
            assertEquals(8 * 1024, journal.maxRecordLength());
            record.reset(7, 7, 1).data(0, scratch, 0, 9_000);
            final KeelException ex = assertThrows(KeelException.class, () -> journal.append(record));
            assertEquals("JOURNAL_RECORD_TOO_LARGE", ex.code());
            final long expectedLength = StepRecordProxy.FIXED_LENGTH + 8 + 4 + 9_000;
            assertEquals(9_064, expectedLength);
            assertTrue(ex.getMessage().contains(expectedLength + " bytes"), ex.getMessage());
            assertTrue(ex.getMessage().contains("8192"), ex.getMessage());
            assertEquals(0, journal.position(), "nothing was appended");

            record.reset(8, 8, 1).data(0, scratch, 0, 8_000);
            assertTrue(journal.append(record) > 0, "a record under the limit still goes in");
        }
    }

    @Test
    void releaseBeforeDeletesWholeSegmentsAndReplayOfReleasedPositionFails() throws Exception
    {
        final int segment = 64 * 1024;
        try (AeronJournal journal = AeronJournal.launch(context().termLength(segment).segmentFileLength(segment)))
        {
            long step = 0;
            while (journal.position() < 5L * segment)
            {
                journal.append(fill(record, ++step, scratch));
            }
            awaitDurable(journal, journal.position());
            final long lastStep = step;
            assertEquals(5 + 1, segmentFiles().size());

            // a position inside the third segment frees the first two
            final long[] releaseAt = new long[1];
            final long[] stepAfter = new long[1];
            journal.replay(0, (end, r) ->
            {
                if (0 == releaseAt[0] && end > 2L * segment + 1000)
                {
                    releaseAt[0] = end;
                    stepAfter[0] = r.step() + 1;
                }
            });
            journal.releaseBefore(releaseAt[0]);

            assertEquals(2L * segment, journal.startPosition());
            // the archive deletes the detached files on its own thread after answering
            final long deadline = System.nanoTime() + 10_000_000_000L;
            while (segmentFiles().size() != 4 && System.nanoTime() < deadline)
            {
                Thread.sleep(1);
            }
            assertEquals(4, segmentFiles().size());
            assertFalse(Files.exists(dir.resolve("journal/archive/" + JournalLayout.segmentFileName(
                journal.recordingId(), 0))));

            final KeelException released = assertThrows(KeelException.class, () -> journal.replay(0, (e, r) -> {}));
            assertEquals("JOURNAL_POSITION_RELEASED", released.code());
            assertTrue(released.getMessage().contains("starts at position " + 2L * segment), released.getMessage());

            final List<JournalTestSupport.Replayed> rest = replayAll(journal, releaseAt[0]);
            assertEquals(stepAfter[0], rest.get(0).step);
            assertEquals(lastStep, rest.get(rest.size() - 1).step);

            journal.releaseBefore(releaseAt[0]);
            assertEquals(2L * segment, journal.startPosition(), "releasing again below the start is a no-op");
        }

        try (AeronJournal journal = AeronJournal.launch(context().termLength(segment).segmentFileLength(segment)))
        {
            assertEquals(2L * segment, journal.startPosition(), "the release survives a reopen");
        }
    }

    @Test
    void appendAndDurablePositionDoNotAllocate()
    {
        final com.sun.management.ThreadMXBean threads =
            (com.sun.management.ThreadMXBean)ManagementFactory.getThreadMXBean();
        try (AeronJournal journal = AeronJournal.launch(context().sync(JournalSync.NONE)))
        {
            fill(record, 3, scratch);
            long sink = 0;
            for (int i = 0; i < 30_000; i++)
            {
                sink += journal.append(record) + journal.durablePosition();
            }

            // One object per append would be at least 160,000 bytes a round. The JVM itself now and then allocates a
            // few KiB on this thread (deoptimisation when back pressure first takes the idle branch), so steady
            // state is a round with none at all, and no round may come near one object per append.
            final long threadId = Thread.currentThread().getId();
            long zeroRounds = 0;
            for (int round = 0; round < 10 && 0 == zeroRounds; round++)
            {
                final long before = threads.getThreadAllocatedBytes(threadId);
                for (int i = 0; i < 10_000; i++)
                {
                    sink += journal.append(record) + journal.durablePosition();
                }
                final long allocated = threads.getThreadAllocatedBytes(threadId) - before;
                assertTrue(allocated < 16_000, "round " + round + " allocated " + allocated + " bytes in 10,000 appends");
                zeroRounds += 0 == allocated ? 1 : 0;
            }

            assertTrue(sink > 0);
            assertEquals(1, zeroRounds, "a round of 10,000 appends without any allocation");
        }
    }

    @Test
    void aStoppedRecordingFailsAppendAndDurablePositionClearly()
    {
        final AeronJournal journal = AeronJournal.launch(context());
        final long end = journal.append(fill(record, 1, scratch));
        awaitDurable(journal, end);
        journal.stopRecordingForTest();

        final KeelException stopped = assertThrows(KeelException.class, () ->
        {
            final long deadline = System.nanoTime() + 10_000_000_000L;
            while (System.nanoTime() < deadline)
            {
                journal.durablePosition();
            }
        });
        assertEquals("JOURNAL_RECORDING_STOPPED", stopped.code());
        assertTrue(stopped.getMessage().contains("recording " + journal.recordingId()), stopped.getMessage());

        final KeelException append = assertThrows(KeelException.class, () ->
        {
            final long deadline = System.nanoTime() + 10_000_000_000L;
            for (long step = 2; System.nanoTime() < deadline; step++)
            {
                journal.append(fill(record, step, scratch));
            }
        });
        assertEquals("JOURNAL_APPEND_FAILED", append.code());
        assertTrue(append.getMessage().contains("not connected"), append.getMessage());

        final KeelException close = assertThrows(KeelException.class, journal::close);
        assertEquals("JOURNAL_RECORDING_STOPPED", close.code());
        assertEquals("JOURNAL_CLOSED", assertThrows(KeelException.class, journal::durablePosition).code());
    }

    @Test
    void closedJournalRefusesAppends()
    {
        final AeronJournal journal = AeronJournal.launch(context());
        journal.close();
        journal.close();
        final KeelException ex = assertThrows(KeelException.class, () -> journal.append(fill(record, 1, scratch)));
        assertEquals("JOURNAL_CLOSED", ex.code());
        assertEquals("JOURNAL_CLOSED", assertThrows(KeelException.class, journal::durablePosition).code());
        assertEquals("JOURNAL_CLOSED", assertThrows(KeelException.class, () -> journal.replay(0, (e, r) -> {})).code());
    }

    private List<Path> segmentFiles() throws Exception
    {
        try (Stream<Path> files = Files.list(dir.resolve("journal/archive")))
        {
            return files.filter(p -> p.toString().endsWith(".rec")).collect(java.util.stream.Collectors.toList());
        }
    }
}
