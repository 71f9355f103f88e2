package dev.keel.engine.storage;

/**
 * One file of a committed checkpoint as a sync or a standby needs it: its {@link StorageBackend} name, size and
 * checksum, so that exactly these files are pushed or pulled and each can be checked after the transfer.
 *
 * @param name     name relative to the backend's root (for checkpoints: {@code <uuid>/manifest},
 *                 {@code <uuid>/pages-0000.dat}).
 * @param size     bytes.
 * @param checksum CRC32C the file's format records for it (unsigned, in the low 32 bits): for page files the one
 *                 of the header region (which holds every page's CRC32C), for envelopes the one of the message;
 *                 or {@link #NO_CHECKSUM}.
 */
public record StoredFile(String name, long size, long checksum)
{
    /** {@link #checksum()} when the format records none. */
    public static final long NO_CHECKSUM = -1;
}
