package dev.keel.wal;

import dev.keel.engine.KeelException;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;

import static dev.keel.engine.KeelException.Category.STORAGE;

/**
 * Checks the end of the journal recording before the archive is launched, and cuts a torn tail.
 * <p>
 * The rule follows from when a record is acknowledged. While a recording is active the catalog holds no stop
 * position; the archive writes one only when the recording stops cleanly, after every record below it was
 * recorded (and, with sync, forced). So:
 * <ul>
 *   <li><b>No stop position</b> (the previous process died): the last segment is walked record by record, each
 *   checksum verified. A record cut short or garbled at the very end was being written when the process or
 *   machine died; {@code durablePosition()} never covered it, so it is dropped: the segment file is cut at the
 *   end of the last verified record and that position becomes the stop position. If a verified record follows
 *   the damage, the damage is not a tail and the journal refuses to open ({@code JOURNAL_CORRUPT}).</li>
 *   <li><b>A stop position</b> (clean close): every record below it was acknowledged, so a record that cannot be
 *   read below it is lost acknowledged data, never a tear: the journal refuses to open with
 *   {@code JOURNAL_CORRUPT} naming the file, offset and position, and a person decides.</li>
 * </ul>
 * Only the last segment is walked: earlier segments were complete before the recorder moved on, and walking the
 * whole journal on every start would make startup grow with the journal.
 */
final class JournalTail
{
    private JournalTail()
    {
    }

    /**
     * @return a description of the repair made, or null if the tail was intact (or there is no journal yet).
     */
    static String checkAndRepair(final Path archiveDir)
    {
        final ArchiveCatalog.Recording recording = ArchiveCatalog.findJournalRecording(archiveDir, JournalLayout.STREAM_ID);
        if (null == recording)
        {
            return null;
        }

        try (RecordingScanner scanner = new RecordingScanner(archiveDir, recording))
        {
            final long limit = recording.hasStopPosition() ? recording.stopPosition : RecordingScanner.UNBOUNDED;
            final long from = Math.max(recording.startPosition, scanner.segmentBasePosition(lastPosition(
                archiveDir, recording, scanner)));
            final RecordingScanner.Result result = scanner.walk(from, limit, (position, end, adapter) -> {});

            if (result.isClean())
            {
                if (!recording.hasStopPosition())
                {
                    // verified by checksums, unlike the archive's own recovery which trusts the last frame header
                    ArchiveCatalog.writeStopPosition(archiveDir, recording, result.endPosition);
                }
                return null;
            }

            if (recording.hasStopPosition())
            {
                throw new KeelException(STORAGE, "JOURNAL_CORRUPT",
                    "journal recording " + recording.recordingId + " was closed cleanly at position " +
                    recording.stopPosition + " but cannot be read below it: " + result.describeProblem() +
                    "; every record below the stop position was acknowledged as durable, so it is not cut");
            }

            if (scanner.hasVerifiedRecordAfter(result.problemPosition, limit))
            {
                throw new KeelException(STORAGE, "JOURNAL_CORRUPT",
                    "journal recording " + recording.recordingId + " is damaged before its end: " +
                    result.describeProblem() + ", and verified records follow it");
            }

            final long cut = result.endPosition;
            final long basePosition = scanner.segmentBasePosition(cut);
            final Path file = scanner.segmentFile(basePosition);
            scanner.close();
            cutSegment(file, (int)(cut - basePosition), recording.segmentFileLength);
            ArchiveCatalog.writeStopPosition(archiveDir, recording, cut);

            return "torn journal tail cut at position " + cut + " (file " + file + ", offset " + (cut - basePosition) +
                "): " + result.describeProblem();
        }
    }

    private static long lastPosition(
        final Path archiveDir, final ArchiveCatalog.Recording recording, final RecordingScanner scanner)
    {
        if (recording.hasStopPosition())
        {
            return Math.max(recording.startPosition, recording.stopPosition - 1);
        }

        // the highest segment file present is where the recorder was writing when it stopped
        long base = scanner.segmentBasePosition(recording.startPosition);
        while (Files.exists(scanner.segmentFile(base + recording.segmentFileLength)))
        {
            base += recording.segmentFileLength;
        }
        return base;
    }

    /** Zeroes the segment file from {@code offset} on, keeping its length, as Aeron's own truncation does. */
    private static void cutSegment(final Path file, final int offset, final int segmentFileLength)
    {
        if (!Files.exists(file))
        {
            return;
        }

        try (FileChannel channel = FileChannel.open(file, StandardOpenOption.WRITE))
        {
            channel.truncate(offset);
            final ByteBuffer zero = ByteBuffer.allocate(1);
            channel.write(zero, segmentFileLength - 1);
            channel.force(true);
        }
        catch (final IOException ex)
        {
            throw new KeelException(STORAGE, "JOURNAL_IO",
                "cannot cut torn journal tail in " + file + " at offset " + offset, ex);
        }
    }
}
