package dev.keel.checkpoint;

import dev.keel.engine.KeelException;
import dev.keel.engine.spi.CheckpointInfo;
import dev.keel.engine.spi.CheckpointMetadata;
import dev.keel.engine.spi.CheckpointStore;
import dev.keel.engine.spi.LoadedCheckpoint;
import dev.keel.engine.spi.PendingCheckpoint;
import dev.keel.engine.state.PagedArena;
import dev.keel.engine.storage.FileStorageBackend;
import dev.keel.engine.storage.StorageBackend;
import dev.keel.engine.storage.StorageDirectory;
import dev.keel.engine.storage.StoredFile;
import org.agrona.concurrent.AgentRunner;
import org.agrona.concurrent.BackoffIdleStrategy;
import org.agrona.concurrent.IdleStrategy;
import org.agrona.concurrent.UnsafeBuffer;

import java.io.IOException;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.LockSupport;
import java.util.function.Consumer;
import java.util.function.Supplier;

/**
 * {@link CheckpointStore} on a local file system: page files written by a writer agent with direct I/O,
 * manifests, a catalog and a CURRENT pointer under {@code <storage>/checkpoints/} (layout in
 * {@link CheckpointFormat}); every metadata file goes through a {@link StorageBackend} over that directory.
 * <p>
 * The store is a facade over the owners of its state:
 * <ul>
 *   <li>{@link CheckpointDirectoryRepair}: what open (and {@link #reload()}) finds, refuses and repairs;</li>
 *   <li>{@link CheckpointRestorer}: the newest usable checkpoint and reading its pages back;</li>
 *   <li>{@link PageTable}: where a durable copy of every arena page is, for incremental checkpoints;</li>
 *   <li>{@link PendingFileCheckpoint}: one checkpoint from begin to commit or abort;</li>
 *   <li>{@link CheckpointWriterAgent} on its own thread: page files ({@link CheckpointWriteJob}), commits and
 *       retention ({@link CheckpointCommitter}), deletions.</li>
 * </ul>
 * <b>Commit</b> ({@link PendingCheckpoint#requestCommit()}, returns at once): on the writer thread, manifest, then
 * catalog (with the new entry), then CURRENT, each through the backend's one durable commit protocol; then
 * retention: the catalog is rewritten without the checkpoints beyond {@link Context#retainedCheckpoints()}, and
 * only then are files deleted that no retained manifest references.
 * <p>
 * <b>Open</b>: if CURRENT is missing or behind the catalog's newest entry (a crash between catalog and pointer),
 * it is moved forward: an entry reaches the catalog only after its manifest is durable and the commit was
 * requested, so the newest entry is a valid commit. Files and directories no retained manifest references
 * (temp files, half-written checkpoints) are deleted; nothing is deleted while a retained manifest is
 * unreadable. The store refuses to start, naming the path and {@code keel checkpoint verify}, when it cannot
 * prove what is safe: a missing or corrupt catalog next to checkpoint directories, a corrupt CURRENT, CURRENT
 * naming a checkpoint outside the catalog, or a manifest referencing a missing file.
 * <p>
 * <b>Sync</b>: {@link #filesOf(UUID)} lists exactly the files a committed checkpoint consists of, for a push to
 * object storage; after a standby pulled files into the directory, {@link #reload()} reads the catalog again.
 */
public final class FileCheckpointStore implements CheckpointStore
{
    private static final System.Logger LOGGER = System.getLogger(FileCheckpointStore.class.getName());

    private final Context ctx;
    private final Path dir;
    private final StorageBackend backend;
    private final DirectIo directIo;
    private final CheckpointDirectoryRepair repair;
    private final CheckpointRestorer restorer;
    private final PageTable pageTable = new PageTable();
    private final CheckpointIds checkpointIds = new CheckpointIds();
    // made once: linking a method reference the first time costs the first checkpoint's stall a millisecond
    private final Consumer<PendingFileCheckpoint> onEnded = this::ended;
    private final CheckpointWriterAgent writerAgent;
    private final CheckpointCommitter committer;
    private final AgentRunner writerRunner;
    private final AtomicLong writerErrors = new AtomicLong();
    private volatile Throwable lastWriterError;
    private PendingFileCheckpoint pending;
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
        this.backend = ctx.backend();
        this.repair = new CheckpointDirectoryRepair(backend, dir);
        final CatalogState state;
        try
        {
            Files.createDirectories(dir);
            state = repair.load(true);
        }
        catch (final IOException ex)
        {
            throw CheckpointFormat.io("cannot open checkpoints in " + dir, ex);
        }
        this.directIo = new DirectIo(ctx.directIo(), dir);
        this.restorer = new CheckpointRestorer(dir, directIo, ctx.pagesPerDutyCycle());
        this.writerAgent = new CheckpointWriterAgent(ctx.pagesPerDutyCycle(), backend, this::onRetentionError);
        this.committer = new CheckpointCommitter(backend, dir, ctx.retainedCheckpoints(), repair, writerAgent, state);
        this.writerRunner = new AgentRunner(ctx.idleStrategySupplier().get(), this::onWriterError, null, writerAgent);
        AgentRunner.startOnThread(writerRunner);
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
        return committer.retentionErrors();
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
        return committer.lastRetentionError();
    }

    /**
     * The files a committed checkpoint consists of, for a sync to push or a standby to check after a pull: its
     * page files (including those inherited from earlier checkpoints) with the size and checksum its manifest
     * records, then its manifest last (a copy is complete only once the manifest is there). Names are relative
     * to {@code checkpoints/}. Any thread.
     *
     * @throws KeelException (CHECKPOINT_UNKNOWN) if the checkpoint is not a retained, readable one;
     *                       (CHECKPOINT_IO) if the manifest cannot be read.
     */
    public List<StoredFile> filesOf(final UUID id)
    {
        final CatalogState state = committer.state();
        final Manifest manifest = state.manifests.get(id);
        if (null == manifest)
        {
            throw new KeelException(KeelException.Category.STORAGE, "CHECKPOINT_UNKNOWN", "checkpoint " + id +
                " is not a retained readable checkpoint of " + dir + (state.unreadable.containsKey(id) ? ": " +
                state.unreadable.get(id) : " (retained: " + ids(state) + ")"));
        }
        final List<StoredFile> files = new ArrayList<>(manifest.files.size() + 1);
        for (final FileRef file : manifest.files)
        {
            files.add(new StoredFile(file.name, file.size, Integer.toUnsignedLong(file.checksum)));
        }
        final String name = id + "/" + CheckpointFormat.MANIFEST;
        try
        {
            final byte[] bytes = backend.read(name);
            if (null == bytes || bytes.length < CheckpointFormat.ENVELOPE_HEADER_LENGTH)
            {
                throw CheckpointFormat.corrupt(dir.resolve(name) + (null == bytes ? " is missing" : " is truncated") +
                    "; " + CheckpointFormat.toolHint(dir));
            }
            // the envelope's CRC32C (bytes 4..8) covers the whole message
            final long crc = Integer.toUnsignedLong(new UnsafeBuffer(bytes).getInt(4, ByteOrder.LITTLE_ENDIAN));
            files.add(new StoredFile(name, bytes.length, crc));
        }
        catch (final IOException ex)
        {
            throw CheckpointFormat.io("cannot read " + dir.resolve(name), ex);
        }
        return files;
    }

    /**
     * Reads the catalog, CURRENT and manifests again, after files were added to the directory from outside (a
     * standby pulled a newer checkpoint): checks what open checks, refuses what open refuses, but neither writes
     * nor deletes anything. Owner thread, while no checkpoint is pending.
     *
     * @return the retained committed checkpoints now, oldest first.
     * @throws IllegalStateException if a checkpoint is being written or committed.
     * @throws KeelException         if the directory is in a state recovery cannot prove safe.
     */
    public List<CheckpointInfo> reload()
    {
        ensureOpen();
        ensureNothingPending("reload");
        try
        {
            committer.state(repair.load(false));
        }
        catch (final IOException ex)
        {
            throw CheckpointFormat.io("cannot reload checkpoints in " + dir, ex);
        }
        return list();
    }

    /**
     * Whether a checkpoints directory holds a committed checkpoint (its catalog lists one), read before a store
     * is opened on it (the node asks it to decide whether to start from a synced checkpoint). Any thread.
     *
     * @param checkpointsDir the directory; it may not exist.
     * @return true if the catalog lists at least one checkpoint.
     * @throws KeelException if the catalog cannot be read or is corrupt.
     */
    public static boolean hasCommittedCheckpoint(final Path checkpointsDir)
    {
        if (!Files.isDirectory(checkpointsDir))
        {
            return false;
        }
        final Path catalogPath = checkpointsDir.resolve(CheckpointFormat.CATALOG);
        try
        {
            final byte[] bytes = new FileStorageBackend(checkpointsDir).read(CheckpointFormat.CATALOG);
            return null != bytes && !Catalog.decode(new UnsafeBuffer(bytes), catalogPath.toString()).isEmpty();
        }
        catch (final IOException ex)
        {
            throw CheckpointFormat.io("cannot read " + catalogPath, ex);
        }
    }

    /**
     * Commits a checkpoint whose files were copied into an empty checkpoints directory from outside (pulled from
     * object storage): writes a catalog listing only it, then CURRENT, through the one durable commit protocol.
     * Called before a store is opened on the directory.
     * <p>
     * {@code journalPosition} rebases the checkpoint onto the local journal: the pulled manifest records a
     * position in the journal of the machine that wrote it, which this machine does not have. With the
     * position of the local (empty) journal instead, recovery replays nothing now, and after a crash it replays
     * exactly the local steps, which all follow the checkpoint; a foreign position is never paired with the
     * local journal. The manifest is rewritten for that (same size, new CRC); page files are untouched.
     *
     * @param checkpointsDir  the directory the checkpoint's files were copied into.
     * @param id              the checkpoint; {@code <id>/manifest} and every file it references must be there.
     * @param journalPosition the local journal's position to record, or -1 to keep the manifest's (no journal).
     * @return the committed checkpoint as {@link #list()} will show it.
     * @throws KeelException (CHECKPOINT_ADOPT_REFUSED) if the directory already has a committed checkpoint;
     *                       (CHECKPOINT_CORRUPT, CHECKPOINT_IO) if the manifest is missing or unreadable.
     */
    public static CheckpointInfo adoptPulled(final Path checkpointsDir, final UUID id, final long journalPosition)
    {
        if (hasCommittedCheckpoint(checkpointsDir))
        {
            throw new KeelException(KeelException.Category.STORAGE, "CHECKPOINT_ADOPT_REFUSED", checkpointsDir +
                " already has committed checkpoints; a pulled checkpoint is adopted only into an empty directory");
        }
        return commitPulled(checkpointsDir, id, journalPosition);
    }

    /**
     * Commits a pulled checkpoint like {@link #adoptPulled(Path, UUID, long)}, replacing whatever the directory's
     * catalog listed (a sync standby follows the bucket: each newer pulled checkpoint replaces the one pulled
     * before). The catalog then lists only {@code id}; files of the checkpoints it replaced that {@code id} does not
     * reference are deleted, as a store's open does. Called while no store is open
     * on the directory, and only where every committed checkpoint was pulled (a standby runs no pipeline).
     *
     * @param checkpointsDir  the directory the checkpoint's files were copied into.
     * @param id              the checkpoint; {@code <id>/manifest} and every file it references must be there.
     * @param journalPosition the local journal's position to record, or -1 to keep the manifest's (no journal).
     * @return the committed checkpoint as {@link #list()} will show it.
     */
    public static CheckpointInfo replaceWithPulled(
        final Path checkpointsDir, final UUID id, final long journalPosition)
    {
        final CheckpointInfo committed = commitPulled(checkpointsDir, id, journalPosition);
        try
        {
            // what open does: delete the files of the replaced checkpoints that the new one does not reference,
            // so that a standby following for days keeps one checkpoint's worth of files
            new CheckpointDirectoryRepair(new FileStorageBackend(checkpointsDir), checkpointsDir).load(true);
        }
        catch (final IOException ex)
        {
            throw CheckpointFormat.io("cannot remove replaced checkpoints in " + checkpointsDir, ex);
        }
        return committed;
    }

    private static CheckpointInfo commitPulled(final Path checkpointsDir, final UUID id, final long journalPosition)
    {
        final FileStorageBackend backend = new FileStorageBackend(checkpointsDir);
        final String name = id + "/" + CheckpointFormat.MANIFEST;
        final Path manifestPath = checkpointsDir.resolve(name);
        try
        {
            final byte[] bytes = backend.read(name);
            if (null == bytes)
            {
                throw CheckpointFormat.corrupt(manifestPath + " is missing; the pulled checkpoint is incomplete");
            }
            final Manifest pulled = Manifest.decode(new UnsafeBuffer(bytes), manifestPath.toString());
            if (!pulled.id.equals(id))
            {
                throw CheckpointFormat.corrupt(manifestPath + " names checkpoint " + pulled.id + ", not " + id);
            }
            final CheckpointMetadata md = pulled.metadata;
            final org.agrona.ExpandableArrayBuffer buffer = new org.agrona.ExpandableArrayBuffer(bytes.length);
            if (journalPosition >= 0 && journalPosition != md.journalPosition())
            {
                final Manifest rebased = new Manifest(id, new CheckpointMetadata(md.programFingerprint(), md.step(),
                    md.transactionId(), journalPosition, md.inputPositions(), md.outputPositions(), md.programMeta(),
                    md.model(), md.wallClockMillis()), pulled.pageSize, pulled.pageCount, pulled.arenaMeta,
                    pulled.files);
                final int length = rebased.encode(buffer);
                backend.writeDurably(name, buffer.byteArray(), 0, length);
            }
            final Catalog.Entry entry = new Catalog.Entry(id, md.step(), md.transactionId(), md.wallClockMillis());
            int length = Catalog.encode(List.of(entry), buffer);
            backend.writeDurably(CheckpointFormat.CATALOG, buffer.byteArray(), 0, length);
            length = Catalog.encodeCurrent(entry, buffer);
            backend.writeDurably(CheckpointFormat.CURRENT, buffer.byteArray(), 0, length);
            return new CheckpointInfo(id, md.step(), md.transactionId(),
                journalPosition >= 0 ? journalPosition : md.journalPosition(), md.wallClockMillis(),
                pulled.referencedPages(), pulled.ownBytes(), pulled.totalBytes());
        }
        catch (final IOException ex)
        {
            throw CheckpointFormat.io("cannot adopt pulled checkpoint " + id + " in " + checkpointsDir, ex);
        }
    }

    private static List<UUID> ids(final CatalogState state)
    {
        final List<UUID> ids = new ArrayList<>();
        for (final Catalog.Entry entry : state.entries)
        {
            ids.add(entry.id());
        }
        return ids;
    }

    // ------------------------------------------------------------------------------------------------ SPI

    @Override
    public PendingCheckpoint begin(final CheckpointMetadata metadata, final PagedArena.Snapshot snapshot)
    {
        ensureOpen();
        if (null != pending)
        {
            if (pending.isCommitted())
            {
                pending = null;
            }
            else if (null == pending.failure())
            {
                throw new IllegalStateException("checkpoint " + pending.id() + " is still pending");
            }
            else
            {
                pending.abort();
            }
        }
        // the check that every page is in the snapshot or an earlier checkpoint, the page-table updates and the
        // manifest are the writer thread's: nothing here grows with the number of pages
        final int pageCount = snapshot.arenaPageCount();
        final UUID id = checkpointIds.next();
        final CheckpointWriteJob job = new CheckpointWriteJob(id, dir, backend, snapshot, ctx.pagesPerFile(), directIo,
            pageTable, pageCount);
        pending = new PendingFileCheckpoint(job, metadata, snapshot, pageCount, pageTable, committer, writerAgent,
            backend, onEnded);
        writerAgent.submit(job);
        return pending;
    }

    @Override
    public Optional<LoadedCheckpoint> loadLatest()
    {
        ensureOpen();
        return restorer.loadLatest(committer.state());
    }

    @Override
    public void restoreInto(final LoadedCheckpoint checkpoint, final PagedArena arena)
    {
        ensureOpen();
        ensureNothingPending("restore");
        restorer.restoreInto(checkpoint, arena, pageTable);
    }

    @Override
    public void skip(final UUID id, final String reason)
    {
        ensureOpen();
        restorer.skip(id, reason);
    }

    @Override
    public List<CheckpointInfo> list()
    {
        return committer.state().infos;
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

    /** Waits until the writer has done the deletions retention queued; for tests and tools. */
    void awaitDeletions()
    {
        while (writerAgent.pendingDeletions() > 0)
        {
            LockSupport.parkNanos(TimeUnit.MICROSECONDS.toNanos(100));
        }
    }

    private void ended(final PendingFileCheckpoint checkpoint)
    {
        if (pending == checkpoint)
        {
            pending = null;
        }
    }

    private void ensureNothingPending(final String what)
    {
        if (null != pending && pending.isCommitted())
        {
            pending = null;
        }
        if (null != pending)
        {
            throw new IllegalStateException("cannot " + what + " while checkpoint " + pending.id() + " is pending");
        }
    }

    private void ensureOpen()
    {
        if (closed)
        {
            throw new IllegalStateException("checkpoint store " + dir + " is closed");
        }
    }

    private void onRetentionError(final Throwable throwable)
    {
        committer.onRetentionError(throwable);
    }

    private void onWriterError(final Throwable throwable)
    {
        writerErrors.incrementAndGet();
        lastWriterError = throwable;
        LOGGER.log(System.Logger.Level.ERROR, "checkpoint writer error", throwable);
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
        private StorageBackend backend;
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

        public Context backend(final StorageBackend backend)
        {
            this.backend = backend;
            return this;
        }

        /**
         * @return the backend every metadata file (manifest, catalog, CURRENT) goes through; default a
         * {@link FileStorageBackend} over {@link #checkpointsDir()}. Page files are written to that directory
         * directly (direct I/O), so a backend given must be over the same directory (a fault-injecting wrapper
         * in tests, for instance).
         */
        public StorageBackend backend()
        {
            return backend;
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
            if (null == backend)
            {
                backend = new FileStorageBackend(checkpointsDir);
            }
            else if (null == backend.fileSystemPath() || !backend.fileSystemPath().toAbsolutePath().normalize()
                .equals(checkpointsDir.toAbsolutePath().normalize()))
            {
                throw invalid("backend", String.valueOf(backend), "a backend over checkpointsDir " + checkpointsDir +
                    " (page files are written there directly)");
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
