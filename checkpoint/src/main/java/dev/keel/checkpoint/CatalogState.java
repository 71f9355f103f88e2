package dev.keel.checkpoint;

import dev.keel.engine.spi.CheckpointInfo;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;

/**
 * What the store knows of its committed checkpoints, as one immutable value: the catalog's entries (oldest
 * first), the manifests that could be read and why the others could not. Replaced as a whole (by open, a
 * commit on the writer thread, a reload on the owner thread; never two at once) and published through a
 * volatile field, so that any thread may read a consistent one without locks.
 */
final class CatalogState
{
    final List<Catalog.Entry> entries;
    final Map<UUID, Manifest> manifests;
    final Map<UUID, String> unreadable;
    final List<CheckpointInfo> infos;

    CatalogState(final List<Catalog.Entry> entries, final Map<UUID, Manifest> manifests,
        final Map<UUID, String> unreadable)
    {
        this.entries = List.copyOf(entries);
        this.manifests = Map.copyOf(manifests);
        this.unreadable = Map.copyOf(unreadable);
        this.infos = infos(this.entries, this.manifests);
    }

    /** @return the newest entry, or null if the catalog is empty. */
    Catalog.Entry newest()
    {
        return entries.isEmpty() ? null : entries.get(entries.size() - 1);
    }

    /** @return this state plus a committed checkpoint as its newest entry. */
    CatalogState with(final Catalog.Entry entry, final Manifest manifest)
    {
        final List<Catalog.Entry> newEntries = new ArrayList<>(entries);
        newEntries.add(entry);
        final Map<UUID, Manifest> newManifests = new LinkedHashMap<>(manifests);
        newManifests.put(manifest.id, manifest);
        return new CatalogState(newEntries, newManifests, unreadable);
    }

    /** @return this state with only the newest {@code retained} entries (itself if it has no more). */
    CatalogState retainNewest(final int retained)
    {
        if (entries.size() <= retained)
        {
            return this;
        }
        final List<Catalog.Entry> kept = entries.subList(entries.size() - retained, entries.size());
        final Map<UUID, Manifest> keptManifests = new LinkedHashMap<>();
        final Map<UUID, String> keptUnreadable = new LinkedHashMap<>();
        for (final Catalog.Entry entry : kept)
        {
            if (manifests.containsKey(entry.id()))
            {
                keptManifests.put(entry.id(), manifests.get(entry.id()));
            }
            if (unreadable.containsKey(entry.id()))
            {
                keptUnreadable.put(entry.id(), unreadable.get(entry.id()));
            }
        }
        return new CatalogState(kept, keptManifests, keptUnreadable);
    }

    /** @return names (relative to {@code checkpoints/}) of every file a retained, readable manifest needs. */
    Set<String> referencedNames()
    {
        final Set<String> referenced = new HashSet<>();
        for (final Manifest manifest : manifests.values())
        {
            referenced.add(manifest.id + "/" + CheckpointFormat.MANIFEST);
            for (final FileRef file : manifest.files)
            {
                referenced.add(file.name);
            }
        }
        return referenced;
    }

    private static List<CheckpointInfo> infos(final List<Catalog.Entry> entries, final Map<UUID, Manifest> manifests)
    {
        final List<CheckpointInfo> list = new ArrayList<>(entries.size());
        for (final Catalog.Entry entry : entries)
        {
            final Manifest manifest = manifests.get(entry.id());
            if (null != manifest)
            {
                list.add(new CheckpointInfo(entry.id(), entry.step(), entry.transactionId(),
                    manifest.metadata.journalPosition(), entry.wallClockMillis(), manifest.referencedPages(),
                    manifest.ownBytes(), manifest.totalBytes()));
            }
            else
            {
                list.add(new CheckpointInfo(entry.id(), entry.step(), entry.transactionId(), -1,
                    entry.wallClockMillis(), -1, -1, -1));
            }
        }
        return List.copyOf(list);
    }
}
