package dev.keel.sync;

import java.time.Instant;
import java.util.List;
import java.util.Objects;
import java.util.UUID;

/**
 * A checkpoint listed in a bucket's remote catalog: it is complete (every file uploaded before the catalog named
 * it) and can be pulled.
 *
 * @param id        checkpoint UUID.
 * @param step      step the checkpoint was taken at; higher is newer.
 * @param createdAt when the checkpoint was committed on the node that pushed it.
 * @param files     every file needed to load it.
 */
public record RemoteCheckpoint(UUID id, long step, Instant createdAt, List<LocalFile> files)
{
    /**
     * Validate and copy the file list.
     */
    public RemoteCheckpoint
    {
        Objects.requireNonNull(id, "id");
        Objects.requireNonNull(createdAt, "createdAt");
        files = List.copyOf(files);
    }

    /**
     * The remote entry of a local checkpoint.
     *
     * @param checkpoint the local checkpoint.
     * @return the entry with the same id, step, time and files.
     */
    public static RemoteCheckpoint of(final LocalCheckpoint checkpoint)
    {
        return new RemoteCheckpoint(checkpoint.id(), checkpoint.step(), checkpoint.createdAt(), checkpoint.files());
    }

    /**
     * Sum of the sizes of all files.
     *
     * @return bytes.
     */
    public long totalBytes()
    {
        long total = 0;
        for (final LocalFile file : files)
        {
            total += file.size();
        }
        return total;
    }
}
