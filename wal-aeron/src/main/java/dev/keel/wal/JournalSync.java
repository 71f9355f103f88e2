package dev.keel.wal;

/**
 * How far the journal forces a record before {@link AeronJournal#durablePosition()} covers it. Maps onto the
 * Aeron Archive's {@code fileSyncLevel} and {@code catalogFileSyncLevel}.
 */
public enum JournalSync
{
    /**
     * Written to the page cache only (level 0): survives a process crash (SIGKILL), not a power cut or kernel
     * crash.
     */
    NONE(0),

    /** Segment file data forced with {@code fdatasync} before the position advances (level 1). */
    DATA(1),

    /** Data and file metadata forced with {@code fsync} before the position advances (level 2). */
    FULL(2);

    private final int archiveSyncLevel;

    JournalSync(final int archiveSyncLevel)
    {
        this.archiveSyncLevel = archiveSyncLevel;
    }

    /** Value for {@code Archive.Context.fileSyncLevel} and {@code catalogFileSyncLevel}. */
    public int archiveSyncLevel()
    {
        return archiveSyncLevel;
    }
}
