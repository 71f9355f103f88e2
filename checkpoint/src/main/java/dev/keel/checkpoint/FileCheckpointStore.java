package dev.keel.checkpoint;

import com.sun.nio.file.ExtendedOpenOption;
import dev.keel.engine.KeelException;
import dev.keel.engine.spi.CheckpointInfo;
import dev.keel.engine.spi.CheckpointMetadata;
import dev.keel.engine.spi.CheckpointStore;
import dev.keel.engine.spi.LoadedCheckpoint;
import dev.keel.engine.spi.PendingCheckpoint;
import dev.keel.engine.state.PagedArena;
import dev.keel.engine.storage.StorageDirectory;
import org.agrona.ExpandableArrayBuffer;
import org.agrona.concurrent.AgentRunner;
import org.agrona.concurrent.BackoffIdleStrategy;
import org.agrona.concurrent.IdleStrategy;
import org.agrona.concurrent.UnsafeBuffer;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.HashSet;
import java.util.IdentityHashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.LockSupport;
import java.util.function.Supplier;

/**
 * {@link CheckpointStore} on a local file system: page files written by a writer agent with direct I/O,
 * manifests, a catalog and a CURRENT pointer under {@code <storage>/checkpoints/} (layout in
 * {@link CheckpointFormat}).
 * <p>
 * <b>Commit</b> ({@link PendingCheckpoint#commit()}): manifest, then catalog (with the new entry), then CURRENT,
 * each through the one protocol of {@link DurableFiles}; then retention: the catalog is rewritten without the
 * checkpoints beyond {@link Context#retainedCheckpoints()}, and only then are files deleted that no retained
 * manifest references.
 * <p>
 * <b>Open</b>: if CURRENT is missing or behind the catalog's newest entry (a crash between catalog and pointer),
 * it is moved forward: an entry reaches the catalog only after its manifest is durable and {@code commit()}
 * was called, so the newest entry is a valid commit. Files and directories no retained manifest references
 * (temp files, half-written checkpoints) are deleted; nothing is deleted while a retained manifest is
 * unreadable. The store refuses to start, naming the path and {@code keel checkpoint verify}, when it cannot
 * prove what is safe: a missing or corrupt catalog next to checkpoint directories, a corrupt CURRENT, CURRENT
 * naming a checkpoint outside the catalog, or a manifest referencing a missing file.
 */
public final class FileCheckpointStore implements CheckpointStore
{
    private static final System.Logger LOGGER = System.getLogger(FileCheckpointStore.class.getName());

    private final Context ctx;
    private final Path dir;
    private final DirectIo directIo;
    private final CheckpointWriterAgent writerAgent;
    private final AgentRunner writerRunner;
    private final ExpandableArrayBuffer encodeBuffer = new ExpandableArrayBuffer(64 * 1024);
    private final Map<UUID, Manifest> manifests = new HashMap<>();
    private final Map<UUID, String> unreadable = new LinkedHashMap<>();
    private final Map<UUID, String> skipped = new LinkedHashMap<>();
    private List<Catalog.Entry> catalog;
    private volatile List<CheckpointInfo> infos = List.of();
    private FileRef[] baseFile = new FileRef[0];
    private int[] baseSlot = new int[0];
    private Pending pending;
    private final AtomicLong retentionErrors = new AtomicLong();
    private volatile Throwable lastRetentionError;
    private final AtomicLong writerErrors = new AtomicLong();
    private volatile Throwable lastWriterError;
    private boolean closed;

    /**
     * Opens (creating if needed) the checkpoint directory, checks it and removes unreferenced files.
     *
     * @throws KeelException if the directory is in a state recovery cannot prove safe.
     */
    public FileCheckpointStore(final Context ctx)
    {
        ctx.conclude();
        this.ctx = ctx;
        this.dir = ctx.checkpointsDir();
        try
        {
            open();
        }
        catch (final IOException ex)
        {
            throw CheckpointFormat.io("cannot open checkpoints in " + dir, ex);
        }
        this.directIo = new DirectIo(ctx.directIo(), dir);
        this.writerAgent = new CheckpointWriterAgent(ctx.pagesPerDutyCycle(), this::onRetentionError);
        this.writerRunner = new AgentRunner(ctx.idleStrategySupplier().get(), this::onWriterError, null, writerAgent);
        AgentRunner.startOnThread(writerRunner);
        publishInfos();
    }

    /** @return whether page files are currently written with O_DIRECT. */
    public boolean directIoEnabled()
    {
        return directIo.enabled();
    }

    /** @return the settings this store runs with. */
    public Context context()
    {
        return ctx;
    }

    /** @return how many times retention (catalog rewrite or file deletion) failed after a successful commit. */
    public long retentionErrors()
    {
        return retentionErrors.get();
    }

    /** @return errors that escaped the writer agent's duty cycle (write errors go to the pending checkpoint). */
    public long writerErrors()
    {
        return writerErrors.get();
    }

    /** @return the last error that escaped the writer agent's duty cycle, or null. */
    public Throwable lastWriterError()
    {
        return lastWriterError;
    }

    /** @return the last retention error, or null. */
    public Throwable lastRetentionError()
    {
        return lastRetentionError;
    }

    // ------------------------------------------------------------------------------------------------ SPI

    @Override
    public PendingCheckpoint begin(final CheckpointMetadata metadata, final PagedArena.Snapshot snapshot)
    {
        ensureOpen();
        if (null != pending)
        {
            if (null == pending.job.failure())
            {
                throw new IllegalStateException("checkpoint " + pending.id() + " is still pending");
            }
            pending.abort();
        }
        final byte[] arenaMeta = snapshot.meta();
        final int pageCount = Manifest.arenaPageCount(arenaMeta);
        final int missing = firstUncoveredPage(snapshot, pageCount);
        if (missing > 0)
        {
            throw new KeelException(KeelException.Category.STORAGE, "CHECKPOINT_STATE_INCOMPLETE",
                "arena page " + missing + " of " + pageCount + " is neither in the snapshot nor in an earlier " +
                "checkpoint (a previous checkpoint failed or was aborted, or the arena was not restored from this " +
                "store): call PagedArena.markAllDirty() before freeze()");
        }
        final UUID id = UUID.randomUUID();
        final CheckpointWriteJob job = new CheckpointWriteJob(id, dir, snapshot, ctx.pagesPerFile(), directIo);
        pending = new Pending(job, metadata, snapshot, arenaMeta, pageCount);
        writerAgent.submit(job);
        return pending;
    }

    @Override
    public Optional<LoadedCheckpoint> loadLatest()
    {
        ensureOpen();
        final List<String> warnings = new ArrayList<>();
        for (int i = catalog.size() - 1; i >= 0; i--)
        {
            final UUID id = catalog.get(i).id();
            final Manifest manifest = manifests.get(id);
            if (skipped.containsKey(id))
            {
                warnings.add("checkpoint " + id + " skipped: " + skipped.get(id));
                continue;
            }
            if (null == manifest)
            {
                warnings.add("checkpoint " + id + " skipped: " + unreadable.get(id));
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
        if (catalog.isEmpty())
        {
            return Optional.empty();
        }
        throw new KeelException(KeelException.Category.STORAGE, "CHECKPOINT_NONE_USABLE",
            "none of the " + catalog.size() + " checkpoints in " + dir + " is usable: " + warnings + "; " +
            CheckpointFormat.toolHint(dir));
    }

    @Override
    public void restoreInto(final LoadedCheckpoint checkpoint, final PagedArena arena)
    {
        ensureOpen();
        if (null != pending)
        {
            throw new IllegalStateException("cannot restore while checkpoint " + pending.id() + " is pending");
        }
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
        final ByteBuffer[] run = new ByteBuffer[ctx.pagesPerDutyCycle()];
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
        baseFile = fileOf;
        baseSlot = slotOf;
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

    @Override
    public void skip(final UUID id, final String reason)
    {
        ensureOpen();
        skipped.put(id, reason);
    }

    @Override
    public List<CheckpointInfo> list()
    {
        return infos;
    }

    @Override
    public void close()
    {
        if (closed)
        {
            return;
        }
        closed = true;
        if (null != pending)
        {
            pending.abort();
        }
        writerRunner.close();
    }

    // --------------------------------------------------------------------------------------------- commit

    private UUID commit(final Pending p)
    {
        final FileRef[] fileOf = Arrays.copyOf(baseFile, Math.max(baseFile.length, p.pageCount));
        final int[] slotOf = Arrays.copyOf(baseSlot, fileOf.length);
        for (final FileRef file : p.job.files())
        {
            for (int i = 0; i < file.pageCount(); i++)
            {
                fileOf[file.pageIds[i]] = file;
                slotOf[file.pageIds[i]] = i;
            }
        }
        // the page files are durable whatever happens below, so later checkpoints may reference them
        baseFile = fileOf;
        baseSlot = slotOf;
        final Manifest manifest = new Manifest(p.id(), p.metadata, PagedArena.PAGE_SIZE, p.pageCount, p.arenaMeta,
            group(fileOf, slotOf, p.pageCount));
        final Catalog.Entry entry = new Catalog.Entry(manifest.id, p.metadata.step(), p.metadata.transactionId(),
            p.metadata.wallClockMillis());
        final List<Catalog.Entry> newCatalog = new ArrayList<>(catalog);
        newCatalog.add(entry);
        try
        {
            // encode first: encoding may grow the buffer and replace its array
            final int manifestLength = manifest.encode(encodeBuffer);
            DurableFiles.replace(p.job.dir(), CheckpointFormat.MANIFEST, encodeBuffer.byteArray(), manifestLength);
            writeCatalog(newCatalog);
            final int currentLength = Catalog.encodeCurrent(entry, encodeBuffer);
            DurableFiles.replace(dir, CheckpointFormat.CURRENT, encodeBuffer.byteArray(), currentLength);
        }
        catch (final IOException ex)
        {
            throw CheckpointFormat.io("commit of checkpoint " + manifest.id + " in " + dir + " failed; checkpoint " +
                (catalog.isEmpty() ? "none" : catalog.get(catalog.size() - 1).id()) + " stays the newest", ex);
        }
        catalog = newCatalog;
        manifests.put(manifest.id, manifest);
        applyRetention();
        publishInfos();
        return manifest.id;
    }

    private void applyRetention()
    {
        try
        {
            if (catalog.size() > ctx.retainedCheckpoints())
            {
                final List<Catalog.Entry> retained =
                    new ArrayList<>(catalog.subList(catalog.size() - ctx.retainedCheckpoints(), catalog.size()));
                writeCatalog(retained);
                for (final Catalog.Entry dropped : catalog.subList(0, catalog.size() - retained.size()))
                {
                    manifests.remove(dropped.id());
                    unreadable.remove(dropped.id());
                }
                catalog = retained;
            }
            deleteUnreferenced(true);
        }
        catch (final IOException | RuntimeException ex)
        {
            onRetentionError(ex);
        }
    }

    private void onRetentionError(final Throwable error)
    {
        retentionErrors.incrementAndGet();
        lastRetentionError = error;
        LOGGER.log(System.Logger.Level.ERROR, "checkpoint retention in " + dir + " failed (retried after the next " +
            "commit and on open; the commit itself is durable)", error);
    }

    /** Waits until the writer has done the deletions retention queued; for tests and tools. */
    void awaitDeletions()
    {
        while (writerAgent.pendingDeletions() > 0)
        {
            LockSupport.parkNanos(TimeUnit.MICROSECONDS.toNanos(100));
        }
    }

    private static List<FileRef> group(final FileRef[] fileOf, final int[] slotOf, final int pageCount)
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

    private int firstUncoveredPage(final PagedArena.Snapshot snapshot, final int pageCount)
    {
        int next = 0;
        for (int page = 1; page < pageCount; page++)
        {
            while (next < snapshot.pageCount() && snapshot.page(next) < page)
            {
                next++;
            }
            final boolean inSnapshot = next < snapshot.pageCount() && snapshot.page(next) == page;
            if (!inSnapshot && (page >= baseFile.length || null == baseFile[page]))
            {
                return page;
            }
        }
        return 0;
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

    // ----------------------------------------------------------------------------------------------- open

    private void open() throws IOException
    {
        Files.createDirectories(dir);
        final Path catalogPath = dir.resolve(CheckpointFormat.CATALOG);
        final UnsafeBuffer catalogBytes = DurableFiles.readAll(catalogPath);
        if (null == catalogBytes)
        {
            final List<Path> dirs = subdirectories();
            if (!dirs.isEmpty())
            {
                throw refuse("CHECKPOINT_CATALOG_MISSING", catalogPath + " is missing but checkpoint directories " +
                    "exist (" + dirs.get(0).getFileName() + (dirs.size() > 1 ? " and " + (dirs.size() - 1) +
                    " more" : "") + "); refusing to guess which are committed");
            }
            deleteTempFiles();
            catalog = new ArrayList<>();
            writeCatalog(catalog);
            return;
        }
        catalog = new ArrayList<>(decodeOrRefuse(() -> Catalog.decode(catalogBytes, catalogPath.toString())));
        final Path currentPath = dir.resolve(CheckpointFormat.CURRENT);
        final UnsafeBuffer currentBytes = DurableFiles.readAll(currentPath);
        int currentIndex = -1;
        if (null != currentBytes)
        {
            final UUID current = decodeOrRefuse(() -> Catalog.decodeCurrent(currentBytes, currentPath.toString()));
            for (int i = 0; i < catalog.size(); i++)
            {
                if (catalog.get(i).id().equals(current))
                {
                    currentIndex = i;
                }
            }
            if (currentIndex < 0)
            {
                throw refuse("CHECKPOINT_CURRENT_UNKNOWN", currentPath + " names checkpoint " + current +
                    ", which the catalog does not list");
            }
        }
        for (final Catalog.Entry entry : catalog)
        {
            final Path manifestPath = manifestPath(entry.id());
            try
            {
                final UnsafeBuffer bytes = DurableFiles.readAll(manifestPath);
                if (null == bytes)
                {
                    unreadable.put(entry.id(), manifestPath + " is missing");
                    continue;
                }
                final Manifest manifest = Manifest.decode(bytes, manifestPath.toString());
                for (final FileRef file : manifest.files)
                {
                    if (!Files.exists(dir.resolve(file.name)))
                    {
                        throw refuse("CHECKPOINT_FILE_MISSING", manifestPath + " references " +
                            dir.resolve(file.name) + ", which is missing");
                    }
                }
                manifests.put(entry.id(), manifest);
            }
            catch (final KeelException ex)
            {
                if ("CHECKPOINT_CORRUPT".equals(ex.code()))
                {
                    unreadable.put(entry.id(), ex.getMessage());
                }
                else
                {
                    throw ex;
                }
            }
        }
        if (currentIndex < catalog.size() - 1)
        {
            // A catalog entry exists only once its manifest is durable and commit() was called (all output of
            // its steps delivered), so moving the pointer forward is safe; the crash hit between catalog and
            // CURRENT. Nothing is deleted for it.
            final Catalog.Entry newest = catalog.get(catalog.size() - 1);
            LOGGER.log(System.Logger.Level.WARNING, currentPath + (null == currentBytes ? " is missing" :
                " is behind the catalog") + ": moving it forward to " + newest.id() + " (step " + newest.step() + ")");
            final int length = Catalog.encodeCurrent(newest, encodeBuffer);
            DurableFiles.replace(dir, CheckpointFormat.CURRENT, encodeBuffer.byteArray(), length);
        }
        if (unreadable.isEmpty())
        {
            deleteUnreferenced(false);
        }
        else
        {
            deleteTempFiles();
            LOGGER.log(System.Logger.Level.WARNING, "not removing unreferenced checkpoint files in " + dir +
                " because some manifests are unreadable: " + unreadable.values());
        }
    }

    private KeelException refuse(final String code, final String message)
    {
        return new KeelException(KeelException.Category.STORAGE, code, message + "; " +
            CheckpointFormat.toolHint(dir));
    }

    private <T> T decodeOrRefuse(final Supplier<T> decode)
    {
        try
        {
            return decode.get();
        }
        catch (final KeelException ex)
        {
            throw refuse("CHECKPOINT_ROOT_CORRUPT", ex.getMessage());
        }
    }

    private List<Path> subdirectories() throws IOException
    {
        final List<Path> dirs = new ArrayList<>();
        try (DirectoryStream<Path> entries = Files.newDirectoryStream(dir))
        {
            for (final Path entry : entries)
            {
                if (Files.isDirectory(entry))
                {
                    dirs.add(entry);
                }
            }
        }
        return dirs;
    }

    private void deleteTempFiles() throws IOException
    {
        try (DirectoryStream<Path> entries = Files.newDirectoryStream(dir, "*" + CheckpointFormat.TEMP_SUFFIX))
        {
            for (final Path entry : entries)
            {
                Files.delete(entry);
                LOGGER.log(System.Logger.Level.INFO, "removed leftover " + entry);
            }
        }
    }

    /**
     * Deletes what no retained manifest (and not the in-memory page table) references: top-level temp files,
     * files in checkpoint directories, and directories left empty. At open ({@code async} false) on this
     * thread; after a commit on the writer thread, so that unlinking large files does not stall the owner.
     */
    private void deleteUnreferenced(final boolean async) throws IOException
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
        for (final FileRef file : baseFile)
        {
            if (null != file)
            {
                referenced.add(file.name);
            }
        }
        deleteTempFiles();
        for (final Path sub : subdirectories())
        {
            boolean empty = true;
            try (DirectoryStream<Path> files = Files.newDirectoryStream(sub))
            {
                for (final Path file : files)
                {
                    if (referenced.contains(sub.getFileName() + "/" + file.getFileName()))
                    {
                        empty = false;
                    }
                    else if (async)
                    {
                        writerAgent.delete(file);
                    }
                    else
                    {
                        Files.delete(file);
                    }
                }
            }
            if (empty)
            {
                if (async)
                {
                    writerAgent.delete(sub);
                }
                else
                {
                    Files.delete(sub);
                }
            }
        }
    }

    private void writeCatalog(final List<Catalog.Entry> entries) throws IOException
    {
        final int length = Catalog.encode(entries, encodeBuffer);
        DurableFiles.replace(dir, CheckpointFormat.CATALOG, encodeBuffer.byteArray(), length);
    }

    // ------------------------------------------------------------------------------------------- helpers

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

    private void publishInfos()
    {
        final List<CheckpointInfo> list = new ArrayList<>();
        for (final Catalog.Entry entry : catalog)
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
        infos = List.copyOf(list);
    }

    private void ensureOpen()
    {
        if (closed)
        {
            throw new IllegalStateException("checkpoint store " + dir + " is closed");
        }
    }

    private void onWriterError(final Throwable throwable)
    {
        writerErrors.incrementAndGet();
        lastWriterError = throwable;
        LOGGER.log(System.Logger.Level.ERROR, "checkpoint writer error", throwable);
    }

    // --------------------------------------------------------------------------------------- inner types

    private final class Pending implements PendingCheckpoint
    {
        private final CheckpointWriteJob job;
        private final CheckpointMetadata metadata;
        private final PagedArena.Snapshot snapshot;
        private final byte[] arenaMeta;
        private final int pageCount;
        private boolean ended;

        Pending(final CheckpointWriteJob job, final CheckpointMetadata metadata, final PagedArena.Snapshot snapshot,
            final byte[] arenaMeta, final int pageCount)
        {
            this.job = job;
            this.metadata = metadata;
            this.snapshot = snapshot;
            this.arenaMeta = arenaMeta;
            this.pageCount = pageCount;
        }

        @Override
        public UUID id()
        {
            return job.id();
        }

        @Override
        public boolean isWritten()
        {
            return job.isWritten();
        }

        @Override
        public Throwable failure()
        {
            return job.failure();
        }

        @Override
        public UUID commit()
        {
            if (ended)
            {
                throw new IllegalStateException("checkpoint " + id() + " already ended");
            }
            if (!job.isWritten())
            {
                throw new IllegalStateException("checkpoint " + id() + " is not written yet" +
                    (null != job.failure() ? " (failed: " + job.failure() + ")" : ""));
            }
            ended = true;
            pending = null;
            return FileCheckpointStore.this.commit(this);
        }

        @Override
        public void abort()
        {
            if (ended)
            {
                return;
            }
            ended = true;
            pending = null;
            job.requestAbort();
            while (!job.isFinished())
            {
                LockSupport.parkNanos(TimeUnit.MICROSECONDS.toNanos(50));
            }
            if (job.isWritten())
            {
                // durable page files: keep them for the next checkpoint to reference
                final FileRef[] fileOf = Arrays.copyOf(baseFile, Math.max(baseFile.length, pageCount));
                final int[] slotOf = Arrays.copyOf(baseSlot, fileOf.length);
                for (final FileRef file : job.files())
                {
                    for (int i = 0; i < file.pageCount(); i++)
                    {
                        fileOf[file.pageIds[i]] = file;
                        slotOf[file.pageIds[i]] = i;
                    }
                }
                baseFile = fileOf;
                baseSlot = slotOf;
                return;
            }
            // pages the writer took are clean in the arena but not durable: forget where older copies were
            for (int i = 0; i < snapshot.pageCount(); i++)
            {
                final int page = snapshot.page(i);
                if (page < baseFile.length)
                {
                    baseFile[page] = null;
                }
            }
            try
            {
                deleteTree(job.dir());
            }
            catch (final IOException ex)
            {
                throw CheckpointFormat.io("cannot remove aborted checkpoint " + job.dir(), ex);
            }
        }
    }

    private static void deleteTree(final Path path) throws IOException
    {
        if (!Files.exists(path))
        {
            return;
        }
        try (DirectoryStream<Path> entries = Files.newDirectoryStream(path))
        {
            for (final Path entry : entries)
            {
                Files.delete(entry);
            }
        }
        Files.delete(path);
    }

    private static final class Loaded implements LoadedCheckpoint
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

    /**
     * Settings of a {@link FileCheckpointStore}, Aeron style: fluent setters, defaults, {@link #conclude()}
     * validates once.
     */
    public static final class Context
    {
        /** Default {@link #retainedCheckpoints()}. */
        public static final int RETAINED_CHECKPOINTS_DEFAULT = 2;
        /** Default {@link #pagesPerFile()}: 16384 pages of 64 KiB = 1 GiB per page file. */
        public static final int PAGES_PER_FILE_DEFAULT = 16384;
        /** Upper bound of {@link #pagesPerFile()} (SBE group size is uint16). */
        public static final int PAGES_PER_FILE_MAX = 65535;
        /** Default {@link #pagesPerDutyCycle()}. */
        public static final int PAGES_PER_DUTY_CYCLE_DEFAULT = 16;

        private Path checkpointsDir;
        private int retainedCheckpoints = RETAINED_CHECKPOINTS_DEFAULT;
        private boolean directIo = true;
        private Supplier<IdleStrategy> idleStrategySupplier;
        private int pagesPerFile = PAGES_PER_FILE_DEFAULT;
        private int pagesPerDutyCycle = PAGES_PER_DUTY_CYCLE_DEFAULT;
        private boolean concluded;

        /**
         * Sets {@link #checkpointsDir()} to {@code <storage>/checkpoints}.
         */
        public Context storageDir(final Path storage)
        {
            this.checkpointsDir = storage.resolve(StorageDirectory.CHECKPOINTS_DIR);
            return this;
        }

        public Context checkpointsDir(final Path checkpointsDir)
        {
            this.checkpointsDir = checkpointsDir;
            return this;
        }

        /** @return directory holding CURRENT, catalog and checkpoint directories; required. */
        public Path checkpointsDir()
        {
            return checkpointsDir;
        }

        public Context retainedCheckpoints(final int retainedCheckpoints)
        {
            this.retainedCheckpoints = retainedCheckpoints;
            return this;
        }

        /** @return committed checkpoints kept, newest first; at least 1. */
        public int retainedCheckpoints()
        {
            return retainedCheckpoints;
        }

        public Context directIo(final boolean directIo)
        {
            this.directIo = directIo;
            return this;
        }

        /** @return whether page files are written with O_DIRECT (falls back to buffered if refused). */
        public boolean directIo()
        {
            return directIo;
        }

        public Context idleStrategySupplier(final Supplier<IdleStrategy> idleStrategySupplier)
        {
            this.idleStrategySupplier = idleStrategySupplier;
            return this;
        }

        /** @return idle strategy of the writer thread; default backoff up to 1 ms. */
        public Supplier<IdleStrategy> idleStrategySupplier()
        {
            return idleStrategySupplier;
        }

        public Context pagesPerFile(final int pagesPerFile)
        {
            this.pagesPerFile = pagesPerFile;
            return this;
        }

        /** @return pages per page file, 1..{@value #PAGES_PER_FILE_MAX}. */
        public int pagesPerFile()
        {
            return pagesPerFile;
        }

        public Context pagesPerDutyCycle(final int pagesPerDutyCycle)
        {
            this.pagesPerDutyCycle = pagesPerDutyCycle;
            return this;
        }

        /** @return pages the writer writes per duty cycle (bounds how long an abort waits), 1..1024. */
        public int pagesPerDutyCycle()
        {
            return pagesPerDutyCycle;
        }

        /**
         * Validates the settings and fills in defaults; idempotent.
         *
         * @throws KeelException naming the field, its value and what is allowed.
         */
        public Context conclude()
        {
            if (concluded)
            {
                return this;
            }
            if (null == checkpointsDir)
            {
                throw invalid("checkpointsDir", "null", "a directory path (or storageDir(<storage>))");
            }
            if (retainedCheckpoints < 1)
            {
                throw invalid("retainedCheckpoints", String.valueOf(retainedCheckpoints), ">= 1");
            }
            if (pagesPerFile < 1 || pagesPerFile > PAGES_PER_FILE_MAX)
            {
                throw invalid("pagesPerFile", String.valueOf(pagesPerFile), "1.." + PAGES_PER_FILE_MAX);
            }
            if (pagesPerDutyCycle < 1 || pagesPerDutyCycle > 1024)
            {
                throw invalid("pagesPerDutyCycle", String.valueOf(pagesPerDutyCycle), "1..1024");
            }
            if (null == idleStrategySupplier)
            {
                idleStrategySupplier = () -> new BackoffIdleStrategy(10, 20, 1_000, 1_000_000);
            }
            concluded = true;
            return this;
        }

        private static KeelException invalid(final String field, final String value, final String allowed)
        {
            return new KeelException(KeelException.Category.CONFIG, "CONFIG_OUT_OF_RANGE",
                "checkpoint store: " + field + "=" + value + " is invalid; allowed: " + allowed);
        }
    }
}
