package dev.keel.sync;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

/**
 * Which checkpoints and files a retention pass removes from the bucket.
 * <p>
 * A checkpoint is retired only when more than {@code minCount} newer checkpoints exist in the catalog AND it was
 * created more than {@code minAge} before now. A file of a retired checkpoint is deleted only when no kept
 * checkpoint lists it (incremental checkpoints share page files).
 */
final class Retention
{
    final List<RemoteCheckpoint> kept;
    final List<RemoteCheckpoint> retired;
    final List<String> filesToDelete;

    private Retention(final List<RemoteCheckpoint> kept, final List<RemoteCheckpoint> retired,
        final List<String> filesToDelete)
    {
        this.kept = kept;
        this.retired = retired;
        this.filesToDelete = filesToDelete;
    }

    /**
     * @param newestFirst checkpoints of the catalog, newest first.
     * @param now         the current time.
     * @param minCount    {@code retention_min_count}.
     * @param minAgeDays  {@code retention_min_age}.
     * @return the plan; {@link #retired} is empty when nothing is due.
     */
    static Retention plan(final List<RemoteCheckpoint> newestFirst, final Instant now, final int minCount,
        final int minAgeDays)
    {
        final Instant cutoff = now.minus(Duration.ofDays(minAgeDays));
        final List<RemoteCheckpoint> kept = new ArrayList<>();
        final List<RemoteCheckpoint> retired = new ArrayList<>();
        for (int i = 0; i < newestFirst.size(); i++)
        {
            final RemoteCheckpoint checkpoint = newestFirst.get(i);
            final int newer = i;
            if (newer > minCount && checkpoint.createdAt().isBefore(cutoff))
            {
                retired.add(checkpoint);
            }
            else
            {
                kept.add(checkpoint);
            }
        }
        final Set<String> referenced = new HashSet<>();
        for (final RemoteCheckpoint checkpoint : kept)
        {
            for (final LocalFile file : checkpoint.files())
            {
                referenced.add(file.name());
            }
        }
        final Set<String> toDelete = new java.util.LinkedHashSet<>();
        for (final RemoteCheckpoint checkpoint : retired)
        {
            for (final LocalFile file : checkpoint.files())
            {
                if (!referenced.contains(file.name()))
                {
                    toDelete.add(file.name());
                }
            }
        }
        return new Retention(List.copyOf(kept), List.copyOf(retired), List.copyOf(toDelete));
    }
}
