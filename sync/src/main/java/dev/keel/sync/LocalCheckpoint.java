package dev.keel.sync;

import java.time.Instant;
import java.util.HashSet;
import java.util.List;
import java.util.Objects;
import java.util.Set;
import java.util.UUID;

/**
 * A committed checkpoint as the engine hands it to {@link S3CheckpointSync#push(LocalCheckpoint)}: its id, step,
 * creation time and every file needed to load it, including page files of earlier checkpoints it references
 * (checkpoints are incremental).
 *
 * @param id        checkpoint UUID.
 * @param step      step the checkpoint was taken at; higher is newer.
 * @param createdAt when the checkpoint was committed (retention measures age from it).
 * @param files     every file needed to load the checkpoint, names unique.
 */
public record LocalCheckpoint(UUID id, long step, Instant createdAt, List<LocalFile> files)
{
    /**
     * Validate and copy the file list.
     */
    public LocalCheckpoint
    {
        Objects.requireNonNull(id, "id");
        Objects.requireNonNull(createdAt, "createdAt");
        files = List.copyOf(files);
        if (step < 0)
        {
            throw new IllegalArgumentException("checkpoint " + id + ": negative step " + step);
        }
        final Set<String> names = new HashSet<>();
        for (final LocalFile file : files)
        {
            if (!names.add(file.name()))
            {
                throw new IllegalArgumentException("checkpoint " + id + ": file " + file.name() + " listed twice");
            }
        }
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
