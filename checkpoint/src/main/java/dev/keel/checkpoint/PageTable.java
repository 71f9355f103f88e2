package dev.keel.checkpoint;

import dev.keel.engine.state.PagedArena;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Where a durable copy of every arena page is (file and slot), as of the last restore, commit request or abort
 * after a write: what lets a checkpoint write only the dirty pages and reference the others. One thread at a time:
 * the writer thread while a checkpoint is pending (its job adds the written files, its commit builds the manifest
 * from the table), the owner thread otherwise (restore, the check in {@code begin}, an abort once the job
 * finished); the hand-overs are the job's and the commit's volatile state.
 * <p>
 * Copy-on-write: every change makes new arrays, so a reader holding the old arrays never sees them change.
 */
final class PageTable
{
    private FileRef[] fileOf = new FileRef[0];
    private int[] slotOf = new int[0];

    /** Replaces the table with the one of a restored manifest. */
    void reset(final FileRef[] fileOf, final int[] slotOf)
    {
        this.fileOf = fileOf;
        this.slotOf = slotOf;
    }

    /** Records the pages of durable page files (written by a checkpoint, committed or not). */
    void addWritten(final List<FileRef> files, final int pageCount)
    {
        final FileRef[] newFileOf = Arrays.copyOf(fileOf, Math.max(fileOf.length, pageCount));
        final int[] newSlotOf = Arrays.copyOf(slotOf, newFileOf.length);
        for (final FileRef file : files)
        {
            for (int i = 0; i < file.pageCount(); i++)
            {
                newFileOf[file.pageIds[i]] = file;
                newSlotOf[file.pageIds[i]] = i;
            }
        }
        fileOf = newFileOf;
        slotOf = newSlotOf;
    }

    /**
     * Forgets the durable copies of the snapshot's pages: the writer took them (they are clean in the arena) but
     * failed or was aborted before they were durable, so the older copies are no longer the pages' content.
     */
    void forget(final PagedArena.Snapshot snapshot)
    {
        final FileRef[] newFileOf = fileOf.clone();
        for (int i = 0; i < snapshot.pageCount(); i++)
        {
            final int page = snapshot.page(i);
            if (page < newFileOf.length)
            {
                newFileOf[page] = null;
            }
        }
        fileOf = newFileOf;
    }

    /** @return the first page (1..pageCount-1) neither in the snapshot nor in the table, or 0 if none. */
    int firstUncoveredPage(final PagedArena.Snapshot snapshot, final int pageCount)
    {
        int next = 0;
        for (int page = 1; page < pageCount; page++)
        {
            while (next < snapshot.pageCount() && snapshot.page(next) < page)
            {
                next++;
            }
            final boolean inSnapshot = next < snapshot.pageCount() && snapshot.page(next) == page;
            if (!inSnapshot && (page >= fileOf.length || null == fileOf[page]))
            {
                return page;
            }
        }
        return 0;
    }

    /** @return the files of a manifest for pages 1..pageCount-1: per file, the slots this table takes from it. */
    List<FileRef> manifestFiles(final int pageCount)
    {
        final Map<FileRef, List<Integer>> slotsByFile = new IdentityHashMap<>();
        final List<FileRef> order = new ArrayList<>();
        for (int page = 1; page < pageCount; page++)
        {
            final FileRef file = fileOf[page];
            List<Integer> slots = slotsByFile.get(file);
            if (null == slots)
            {
                slots = new ArrayList<>();
                slotsByFile.put(file, slots);
                order.add(file);
            }
            slots.add(slotOf[page]);
        }
        final List<FileRef> result = new ArrayList<>(order.size());
        for (final FileRef file : order)
        {
            final List<Integer> slots = slotsByFile.get(file);
            final int[] pageIds = new int[slots.size()];
            final long[] offsets = new long[slots.size()];
            final int[] crcs = new int[slots.size()];
            for (int i = 0; i < pageIds.length; i++)
            {
                final int slot = slots.get(i);
                pageIds[i] = file.pageIds[slot];
                offsets[i] = file.offsets[slot];
                crcs[i] = file.crcs[slot];
            }
            result.add(new FileRef(file.name, file.size, file.checksum, pageIds, offsets, crcs));
        }
        return result;
    }

    /** @return names of the files the table points into; retention must keep them. */
    Set<String> referencedNames()
    {
        final Set<String> names = new java.util.HashSet<>();
        for (final FileRef file : fileOf)
        {
            if (null != file)
            {
                names.add(file.name);
            }
        }
        return names;
    }
}
