package dev.keel.wal;

import java.nio.file.Path;

/**
 * Names and constants of the journal directory, shared by the writer and the read-only tools.
 * <pre>
 * journalDir/
 *   aeron/              media driver directory (cnc.dat, log buffers); deleted on start and on clean close
 *   archive/            Aeron Archive directory
 *     archive.catalog   recording descriptors (Aeron format)
 *     archive-mark.dat  archive liveness mark file (deleted on open: the caller owns the directory)
 *     R-P.rec           segment files of recording R starting at position P (Aeron frames)
 * </pre>
 * The journal is exactly one recording of {@link #STREAM_ID} on an IPC channel, extended on every open.
 */
final class JournalLayout
{
    static final String AERON_DIR_NAME = "aeron";
    static final String ARCHIVE_DIR_NAME = "archive";

    /** Aeron's {@code Archive.Configuration.CATALOG_FILE_NAME}, package-private there. */
    static final String CATALOG_FILE_NAME = "archive.catalog";

    /** Aeron's {@code Archive.Configuration.RECORDING_SEGMENT_SUFFIX}, package-private there. */
    static final String SEGMENT_FILE_SUFFIX = ".rec";

    /** Stream of the journal recording; part of the persistent format since the recording is found by it. */
    static final int STREAM_ID = 7001;

    /** Stream on which the archive replays the journal to the journal's own subscription. */
    static final int REPLAY_STREAM_ID = 7002;

    static final String CHANNEL = "aeron:ipc";

    /** Id of the embedded archive; recording counters are found by it. */
    static final long ARCHIVE_ID = 1L;

    private JournalLayout()
    {
    }

    static Path archiveDir(final Path journalDir)
    {
        return journalDir.resolve(ARCHIVE_DIR_NAME);
    }

    /** Same naming as Aeron's {@code Archive.segmentFileName}, package-private there. */
    static String segmentFileName(final long recordingId, final long segmentBasePosition)
    {
        return recordingId + "-" + segmentBasePosition + SEGMENT_FILE_SUFFIX;
    }
}
