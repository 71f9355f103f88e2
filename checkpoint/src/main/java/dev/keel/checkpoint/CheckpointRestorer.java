package dev.keel.checkpoint;

import com.sun.nio.file.ExtendedOpenOption;
import dev.keel.engine.KeelException;
import dev.keel.engine.spi.CheckpointMetadata;
import dev.keel.engine.spi.LoadedCheckpoint;
import dev.keel.engine.state.PagedArena;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;

/**
 * Finding the newest usable checkpoint and reading its pages back into an arena (owner thread, before the first
 * step). Page files are read straight from the directory, with direct I/O when the store writes with it: they
 * are the file-specific part of the store, the metadata comes from the {@link CatalogState}.
 */
final class CheckpointRestorer
{
    private static final System.Logger LOGGER = System.getLogger(FileCheckpointStore.class.getName());

    private final Path dir;
    private final DirectIo directIo;
    private final int pagesPerRead;
    private final Map<UUID, String> skipped = new LinkedHashMap<>();

    CheckpointRestorer(final Path dir, final DirectIo directIo, final int pagesPerRead)
    {
        this.dir = dir;
        this.directIo = directIo;
        this.pagesPerRead = pagesPerRead;
    }

    /** Excludes a checkpoint from later {@link #loadLatest} calls. */
    void skip(final UUID id, final String reason)
    {
        skipped.put(id, reason);
    }

    /** See {@link dev.keel.engine.spi.CheckpointStore#loadLatest()}. */
    Optional<LoadedCheckpoint> loadLatest(final CatalogState state)
    {
        final List<String> warnings = new ArrayList<>();
        for (int i = state.entries.size() - 1; i >= 0; i--)
        {
            final UUID id = state.entries.get(i).id();
            final Manifest manifest = state.manifests.get(id);
            if (skipped.containsKey(id))
            {
                warnings.add("checkpoint " + id + " skipped: " + skipped.get(id));
                continue;
            }
            if (null == manifest)
            {
                warnings.add("checkpoint " + id + " skipped: " + state.unreadable.get(id));
                continue;
            }
            final String problem = checkFiles(manifest);
            if (null != problem)
            {
                warnings.add("checkpoint " + id + " skipped: " + problem);
                continue;
            }
            for (final String warning : warnings)
            {
                LOGGER.log(System.Logger.Level.WARNING, warning + "; falling back to " + id + " (step " +
                    manifest.metadata.step() + ")");
            }
            return Optional.of(new Loaded(manifest, warnings));
        }
        if (state.entries.isEmpty())
        {
            return Optional.empty();
        }
        throw new KeelException(KeelException.Category.STORAGE, "CHECKPOINT_NONE_USABLE",
            "none of the " + state.entries.size() + " checkpoints in " + dir + " is usable: " + warnings + "; " +
            CheckpointFormat.toolHint(dir));
    }

    /**
     * Restores the arena (see {@link dev.keel.engine.spi.CheckpointStore#restoreInto}) and returns the page table
     * the next checkpoint is incremental on.
     */
    void restoreInto(final LoadedCheckpoint checkpoint, final PagedArena arena, final PageTable table)
    {
        final Manifest manifest = ((Loaded)checkpoint).manifest;
        if (manifest.pageSize != PagedArena.PAGE_SIZE)
        {
            throw CheckpointFormat.corrupt(manifestPath(manifest.id) + ": page size " + manifest.pageSize +
                ", this arena has " + PagedArena.PAGE_SIZE);
        }
        final FileRef[] fileOf = new FileRef[manifest.pageCount];
        final int[] slotOf = new int[manifest.pageCount];
        tabulate(manifest, fileOf, slotOf);
        arena.restoreMeta(manifest.arenaMeta);
        final ByteBuffer[] run = new ByteBuffer[pagesPerRead];
        for (final FileRef file : manifest.files)
        {
            final Path path = dir.resolve(file.name);
            try (FileChannel channel = openForRestore(path))
            {
                int i = 0;
                while (i < file.pageCount())
                {
                    // one scattering read per run of pages that are contiguous in the file
                    int count = 1;
                    while (count < run.length && i + count < file.pageCount() &&
                        file.offsets[i + count] == file.offsets[i] + (long)count * PagedArena.PAGE_SIZE)
                    {
                        count++;
                    }
                    for (int j = 0; j < count; j++)
                    {
                        run[j] = arena.restorePage(file.pageIds[i + j]);
                    }
                    readRun(channel, run, count, path, file, i);
                    for (int j = 0; j < count; j++)
                    {
                        final int crc = PageFiles.crc32c(run[j].flip());
                        if (crc != file.crcs[i + j])
                        {
                            throw CheckpointFormat.corrupt(path + " page " + file.pageIds[i + j] + " at offset " +
                                file.offsets[i + j] + ": CRC32C mismatch, expected " +
                                Integer.toHexString(file.crcs[i + j]) + ", found " + Integer.toHexString(crc) + "; " +
                                CheckpointFormat.toolHint(dir));
                        }
                        run[j] = null;
                    }
                    i += count;
                }
            }
            catch (final IOException ex)
            {
                throw CheckpointFormat.io("restoring checkpoint " + manifest.id + " from " + path, ex);
            }
        }
        table.reset(fileOf, slotOf);
    }

    private FileChannel openForRestore(final Path path) throws IOException
    {
        if (directIo.enabled())
        {
            try
            {
                // direct reads: page buffers are aligned, and a restore should not fill the page cache
                return FileChannel.open(path, StandardOpenOption.READ, ExtendedOpenOption.DIRECT);
            }
            catch (final IOException | UnsupportedOperationException ex)
            {
                LOGGER.log(System.Logger.Level.DEBUG, "direct read refused for " + path + ": " + ex);
            }
        }
        return FileChannel.open(path, StandardOpenOption.READ);
    }

    private static void readRun(final FileChannel channel, final ByteBuffer[] run, final int count, final Path path,
        final FileRef file, final int first) throws IOException
    {
        final long size = channel.size();
        final long end = file.offsets[first] + (long)count * PagedArena.PAGE_SIZE;
        if (end > size)
        {
            final int page = (int)Math.max(0, (size - file.offsets[first]) / PagedArena.PAGE_SIZE);
            throw CheckpointFormat.corrupt(path + " page " + file.pageIds[first + Math.min(page, count - 1)] +
                " at offset " + file.offsets[first + Math.min(page, count - 1)] + ": truncated, the file has " + size +
                " bytes; " + CheckpointFormat.toolHint(path.getParent().getParent()));
        }
        channel.position(file.offsets[first]);
        long remaining = (long)count * PagedArena.PAGE_SIZE;
        while (remaining > 0)
        {
            final long read = channel.read(run, 0, count);
            if (read < 0)
            {
                throw CheckpointFormat.corrupt(path + ": truncated at offset " + channel.position());
            }
            remaining -= read;
        }
    }

    private void tabulate(final Manifest manifest, final FileRef[] fileOf, final int[] slotOf)
    {
        for (final FileRef file : manifest.files)
        {
            for (int i = 0; i < file.pageCount(); i++)
            {
                final int page = file.pageIds[i];
                if (page <= 0 || page >= manifest.pageCount)
                {
                    throw CheckpointFormat.corrupt(manifestPath(manifest.id) + ": page " + page + " in " + file.name +
                        " outside 1.." + (manifest.pageCount - 1));
                }
                fileOf[page] = file;
                slotOf[page] = i;
            }
        }
        for (int page = 1; page < manifest.pageCount; page++)
        {
            if (null == fileOf[page])
            {
                throw CheckpointFormat.corrupt(manifestPath(manifest.id) + ": no file holds page " + page + " of " +
                    manifest.pageCount + "; " + CheckpointFormat.toolHint(dir));
            }
        }
    }

    private String checkFiles(final Manifest manifest)
    {
        for (final FileRef file : manifest.files)
        {
            final Path path = dir.resolve(file.name);
            try (FileChannel channel = FileChannel.open(path, StandardOpenOption.READ))
            {
                final long size = channel.size();
                if (size != file.size)
                {
                    return path + " has " + size + " bytes, the manifest says " + file.size;
                }
                final PageFiles.Header header = PageFiles.readHeader(channel, path.toString());
                if (header.checksum() != file.checksum)
                {
                    return path + ": header checksum " + Integer.toHexString(header.checksum()) + ", the manifest " +
                        "says " + Integer.toHexString(file.checksum);
                }
            }
            catch (final NoSuchFileException ex)
            {
                return path + " is missing";
            }
            catch (final IOException | KeelException ex)
            {
                return ex.getMessage();
            }
        }
        return null;
    }

    private Path manifestPath(final UUID id)
    {
        return dir.resolve(id.toString()).resolve(CheckpointFormat.MANIFEST);
    }

    /** A checkpoint found by {@link #loadLatest}. */
    static final class Loaded implements LoadedCheckpoint
    {
        private final Manifest manifest;
        private final List<String> warnings;

        Loaded(final Manifest manifest, final List<String> warnings)
        {
            this.manifest = manifest;
            this.warnings = List.copyOf(warnings);
        }

        @Override
        public UUID id()
        {
            return manifest.id;
        }

        @Override
        public CheckpointMetadata metadata()
        {
            return manifest.metadata;
        }

        @Override
        public List<String> warnings()
        {
            return warnings;
        }
    }
}
