package dev.keel.sync;

import dev.keel.engine.KeelException;
import dev.keel.engine.config.ConfigException;
import software.amazon.awssdk.services.s3.S3AsyncClient;
import software.amazon.awssdk.transfer.s3.S3TransferManager;

import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;

import static java.lang.System.Logger.Level.INFO;

/**
 * Pushes committed checkpoints to an S3-compatible bucket and pulls them back, on the AWS CRT S3 client.
 *
 * <h2>Remote layout</h2>
 * Everything lives under {@code bucket[/prefix]/}:
 * <pre>
 *   s3://&lt;bucket&gt;/&lt;prefix&gt;/
 *   ├── keel-sync.owner          owner marker: "KEEL-SYNC-OWNER 1", "owner &lt;id&gt;", "created &lt;ISO-8601&gt;"
 *   │                            created once with If-None-Match: *, never rewritten
 *   ├── keel-sync.catalog        the catalog ({@link Catalog}): every complete checkpoint (id, step, created,
 *   │                            files with sizes), newest first, CRC32-protected; the commit point, replaced
 *   │                            only with If-Match: &lt;ETag read or written last&gt;
 *   └── files/
 *       └── checkpoints/&lt;uuid&gt;/manifest          the same relative names as under the local root; a name is
 *       └── checkpoints/&lt;uuid&gt;/pages-0000.dat    immutable, so files shared by incremental checkpoints are
 *       └── ...                                  stored once
 * </pre>
 *
 * <h2>Protocols</h2>
 * <ul>
 *   <li><b>Push</b>: check the local files' sizes; create the owner marker or verify it names this writer; list
 *   {@code files/} once (then keep the listing as a cache); upload the missing data files in parallel (multipart
 *   above {@link SyncContext#multipartThreshold()}), then the missing commit markers, then write the catalog. A reader
 *   sees the checkpoint only once the catalog names it, and then every file is there. Then retention: the catalog
 *   without the retired checkpoints is written first, their files no kept checkpoint lists are deleted after.</li>
 *   <li><b>Pull</b>: read the catalog. An absent catalog on an empty prefix is "no checkpoint"; an absent catalog
 *   next to other objects, an unreadable catalog, a missing file, a size mismatch, an auth or network error are
 *   errors, never "no checkpoint". Files already present locally with the right size are skipped; the others are
 *   downloaded in parallel to temporary files, checked, fsynced and renamed into place, data files first and the
 *   commit markers last; the directories are fsynced.</li>
 *   <li><b>Retries</b>: the CRT retries a failed request (one part, one range) {@link
 *   SyncContext#crtRetriesPerRequest()} times itself; above it, each operation attempt has a timeout of {@link SyncContext#requestTimeout()} plus its bytes at
 *   {@link SyncContext#minThroughputBytesPerSec()}; 5xx, 408, 429, timeouts and transport errors (reset, refused) are
 *   retried up to {@link SyncContext#maxAttempts()} attempts with exponential backoff; 401/403 fail at once.</li>
 * </ul>
 *
 * <h2>Threading</h2>
 * Every public method may be called from any thread and none blocks on the network: pushes, pulls and listings
 * are queued to one dedicated daemon thread per instance ({@code keel-sync-<bucket>}), which runs them one after
 * the other and completes the returned {@link CompletableFuture}s. An agent polls the futures (or
 * {@link #syncStatus(UUID)}, {@link #progress()}) in its duty cycle instead of joining them. CRT completions land
 * on CRT threads and only complete futures; timeouts and retry backoff run on a second daemon timer thread.
 * <p>
 * A read-only instance ({@link #openReadOnly}, {@link #openReadBucket}) is built without a writer and on a client
 * that only forwards GET, HEAD and LIST ({@link ReadOnlyS3Client}): it cannot issue a write, not even the owner
 * marker.
 * <p>
 * The work is split by state owner: this class owns the threads, the client and the public surface;
 * {@link CatalogStore} the owner marker, catalog and listing cache; {@link PushJob} and {@link PullJob} one
 * transfer each; {@link SyncStatuses} the per-checkpoint statuses; {@link CrtClients} builds the client.
 */
public final class S3CheckpointSync implements AutoCloseable
{
    static final String OWNER_OBJECT = "keel-sync.owner";
    static final String CATALOG_OBJECT = "keel-sync.catalog";
    static final String FILES_DIR = "files/";
    private static final System.Logger LOGGER = RemoteReader.LOGGER;

    private final SyncContext ctx;
    private final SyncSettings settings;
    private final BucketPath bucket;
    private final S3AsyncClient crtClient;
    private final S3TransferManager transferManager;
    private final RemoteReader reader;
    private final RemoteWriter writer;
    private final ExecutorService worker;
    private final ScheduledExecutorService timer;
    private final ProgressTracker progress = new ProgressTracker();
    private final SyncStatuses statuses = new SyncStatuses();
    private final CatalogStore store;
    private final PushJob pushJob;
    private final PullJob pullJob;
    private final JournalStore journalStore;
    private volatile boolean closed;

    private S3CheckpointSync(final SyncContext ctx, final BucketPath bucket, final boolean writable)
    {
        this.ctx = ctx;
        this.settings = ctx.settings();
        this.bucket = bucket;
        final String name = "keel-sync-" + bucket.name() + (writable ? "" : "-ro");
        this.worker = Executors.newSingleThreadExecutor(r -> daemon(r, name));
        this.timer = Executors.newSingleThreadScheduledExecutor(r -> daemon(r, name + "-timer"));
        this.crtClient = CrtClients.build(ctx);
        if (writable)
        {
            this.transferManager = S3TransferManager.builder().s3Client(crtClient).build();
            this.writer = new RemoteWriter(crtClient, transferManager, bucket, ctx, timer, progress);
            this.reader = writer;
        }
        else
        {
            this.transferManager = null;
            this.writer = null;
            this.reader = new RemoteReader(new ReadOnlyS3Client(crtClient), bucket, ctx, timer, progress);
        }
        this.store = new CatalogStore(ctx, bucket, reader, writer, statuses);
        this.journalStore = new JournalStore(bucket, reader, writer, progress);
        this.pushJob = null == writer ? null :
            new PushJob(ctx, bucket, writer, store, statuses, progress, timer, journalStore);
        this.pullJob = new PullJob(ctx, bucket, reader, store, progress, timer);
        LOGGER.log(INFO, () -> "sync " + (writable ? "writer" : "reader (read-only)") + " on " + bucket + " at " +
            reader.endpoint + (writable ? " as owner " + ctx.ownerId() : ""));
    }

    /**
     * Open a writer on {@code bucket}: it pushes, applies retention and can pull. The owner marker is created or
     * verified by the first push.
     *
     * @param ctx concluded here; {@link SyncContext#ownerId()} and {@link SyncContext#localRoot()} are required.
     * @return the sync.
     */
    public static S3CheckpointSync open(final SyncContext ctx)
    {
        ctx.conclude(true);
        return new S3CheckpointSync(ctx, ctx.settings().bucketPath(), true);
    }

    /**
     * Open a read-only view of {@code bucket}, e.g. for a standby that follows another node's pushes.
     *
     * @param ctx concluded here.
     * @return the sync; {@link #push} fails with {@link SyncErrors#READ_ONLY}.
     */
    public static S3CheckpointSync openReadOnly(final SyncContext ctx)
    {
        ctx.conclude(false);
        return new S3CheckpointSync(ctx, ctx.settings().bucketPath(), false);
    }

    /**
     * Open a read-only view of {@code read_bucket}.
     *
     * @param ctx concluded here; its settings must have a {@code read_bucket}.
     * @return the sync; {@link #push} fails with {@link SyncErrors#READ_ONLY}.
     */
    public static S3CheckpointSync openReadBucket(final SyncContext ctx)
    {
        ctx.conclude(false);
        final BucketPath readBucket = ctx.settings().readBucketPath().orElseThrow(() -> new ConfigException(
            ConfigException.MISSING, null, SyncSettings.PATH + ".read_bucket", "got absent; needed to open it"));
        return new S3CheckpointSync(ctx, readBucket, false);
    }

    /**
     * The bucket and prefix this instance works on.
     *
     * @return the bucket path.
     */
    public BucketPath bucket()
    {
        return bucket;
    }

    /**
     * Whether this instance can never write.
     *
     * @return true for {@link #openReadOnly} and {@link #openReadBucket} instances.
     */
    public boolean readOnly()
    {
        return null == writer;
    }

    /**
     * Queue a push of a committed checkpoint; its status is {@link SyncStatus.InProgress} until it completes.
     *
     * @param checkpoint the checkpoint, its files relative to {@link SyncContext#localRoot()}.
     * @return completes with the checkpoint id once the catalog names it, or exceptionally with a
     * {@link KeelException} of category {@code SYNC}.
     * @throws KeelException {@link SyncErrors#READ_ONLY} on a read-only instance, {@link SyncErrors#CLOSED}.
     */
    public CompletableFuture<UUID> push(final LocalCheckpoint checkpoint)
    {
        return push(checkpoint, -1, null);
    }

    /**
     * As {@link #push(LocalCheckpoint)}, and ships the journal's first chunk after the checkpoint before the
     * catalog names it, so that no reader sees the checkpoint without the steps that were durable after it when
     * it was pushed ({@link #shipJournal} ships the later ones). Not shipped when the catalog holds the
     * checkpoint already.
     *
     * @param checkpoint      the checkpoint, its files relative to {@link SyncContext#localRoot()}.
     * @param journalPosition the checkpoint's journal position, or -1 for no journal.
     * @param journal         the node's journal, or null for no journal.
     * @return as {@link #push(LocalCheckpoint)}.
     */
    public CompletableFuture<UUID> push(
        final LocalCheckpoint checkpoint, final long journalPosition, final JournalSource journal)
    {
        if (null == writer)
        {
            throw SyncErrors.error(SyncErrors.READ_ONLY, "push of checkpoint " + checkpoint.id() + " refused: " +
                bucket + " is opened read-only (a standby's bucket or read_bucket is never written)");
        }
        statuses.put(checkpoint.id(), SyncStatus.IN_PROGRESS);
        final CompletableFuture<UUID> result = submit(() -> pushJob.run(checkpoint, journalPosition, journal));
        result.whenComplete((id, error) ->
        {
            if (null != error)
            {
                statuses.put(checkpoint.id(), new SyncStatus.Failure(reader.toKeel(error)));
            }
        });
        return result;
    }

    /**
     * Queue shipping the journal after a pushed checkpoint: reads the durable records from {@code fromPosition} on
     * from {@code source} (on the sync's thread) and uploads them as one chunk of {@code checkpoint}'s group,
     * {@code journal/<checkpoint>/<start>-<end>.kjc}. Retention deletes the group with the checkpoint.
     *
     * @param checkpoint   a checkpoint already in the catalog; the chunks hold the steps after it.
     * @param fromPosition its journal position, or the end of the last chunk shipped after it.
     * @param source       the node's journal.
     * @return completes with the chunk shipped, or null when there was nothing new; exceptionally with a
     * {@link KeelException}.
     * @throws KeelException {@link SyncErrors#READ_ONLY} on a read-only instance, {@link SyncErrors#CLOSED}.
     */
    public CompletableFuture<JournalChunk> shipJournal(
        final UUID checkpoint, final long fromPosition, final JournalSource source)
    {
        if (null == writer)
        {
            throw SyncErrors.error(SyncErrors.READ_ONLY, "journal shipping refused: " + bucket + " is opened " +
                "read-only");
        }
        return submit(() -> journalStore.ship(checkpoint, fromPosition, source));
    }

    /**
     * Download the journal chunks shipped after a checkpoint, in position order.
     *
     * @param checkpoint the checkpoint.
     * @return completes with the chunks (empty when none was shipped), or exceptionally with a
     * {@link KeelException}: {@link SyncErrors#JOURNAL_GAP} when they do not form one range.
     */
    public CompletableFuture<List<JournalChunk>> pullJournal(final UUID checkpoint)
    {
        return submit(() -> journalStore.pull(checkpoint));
    }

    /**
     * Sync status of a checkpoint this process was asked to push.
     *
     * @param id checkpoint id.
     * @return Success, Failure (with the error), InProgress or Unknown.
     */
    public SyncStatus syncStatus(final UUID id)
    {
        return statuses.get(id);
    }

    /**
     * The newest checkpoint this process pushed successfully.
     *
     * @return its id, or empty before the first successful push.
     */
    public Optional<UUID> lastSuccessfulSync()
    {
        return Optional.ofNullable(statuses.lastSuccessful());
    }

    /**
     * Progress and totals, readable from any thread.
     *
     * @return a snapshot.
     */
    public SyncProgress progress()
    {
        return progress.snapshot();
    }

    /**
     * The complete checkpoints in the bucket, newest first.
     *
     * @return completes with the list (empty when the bucket has no checkpoint), or exceptionally with a
     * {@link KeelException} (a missing or corrupt catalog next to data, auth, network).
     */
    public CompletableFuture<List<RemoteCheckpoint>> listRemote()
    {
        return submit(() ->
        {
            progress.begin(SyncProgress.Operation.LIST, null);
            try
            {
                final Catalog remote = store.readCatalog();
                return null == remote ? List.of() : remote.checkpoints;
            }
            finally
            {
                progress.end();
            }
        });
    }

    /**
     * Pull the newest checkpoint into {@code localRoot}.
     *
     * @param localRoot the local storage root; created if needed.
     * @return completes with what was pulled, or empty only when the bucket holds no checkpoint (an empty prefix);
     * exceptionally with a {@link KeelException} for every error.
     */
    public CompletableFuture<Optional<PulledCheckpoint>> pullLatest(final Path localRoot)
    {
        return submit(() -> pullJob.run(null, localRoot));
    }

    /**
     * Pull one checkpoint into {@code localRoot}.
     *
     * @param id        the checkpoint.
     * @param localRoot the local storage root; created if needed.
     * @return completes with what was pulled, or empty only when the bucket holds no checkpoint at all;
     * exceptionally with {@link SyncErrors#CHECKPOINT_NOT_FOUND} when others exist but not this one, and with a
     * {@link KeelException} for every other error.
     */
    public CompletableFuture<Optional<PulledCheckpoint>> pull(final UUID id, final Path localRoot)
    {
        return submit(() -> pullJob.run(id, localRoot));
    }

    /**
     * Pull what {@code start_from_checkpoint} names: {@code "latest"} or a UUID.
     *
     * @param startFrom {@code "latest"} or a checkpoint UUID.
     * @param localRoot the local storage root.
     * @return as {@link #pullLatest(Path)} or {@link #pull(UUID, Path)}.
     */
    public CompletableFuture<Optional<PulledCheckpoint>> pull(final String startFrom, final Path localRoot)
    {
        if (SyncSettings.LATEST.equals(startFrom))
        {
            return pullLatest(localRoot);
        }
        final UUID id = SyncSettings.parseUuid(startFrom);
        if (null == id)
        {
            throw new ConfigException(ConfigException.INVALID, null, SyncSettings.PATH + ".start_from_checkpoint",
                "got \"" + startFrom + "\"; allowed: \"latest\" or a checkpoint UUID");
        }
        return pull(id, localRoot);
    }

    /**
     * Stop the sync thread (a running push or pull is abandoned after {@link SyncContext#closeTimeout()}) and close
     * the client.
     */
    public void close()
    {
        if (closed)
        {
            return;
        }
        closed = true;
        worker.shutdown();
        try
        {
            if (!worker.awaitTermination(ctx.closeTimeout().toMillis(), TimeUnit.MILLISECONDS))
            {
                worker.shutdownNow();
            }
        }
        catch (final InterruptedException ex)
        {
            worker.shutdownNow();
            Thread.currentThread().interrupt();
        }
        timer.shutdownNow();
        if (null != transferManager)
        {
            transferManager.close();
        }
        crtClient.close();
    }

    public String toString()
    {
        return "S3CheckpointSync{" + bucket + (readOnly() ? ", read-only" : ", owner=" + ctx.ownerId()) + "}";
    }

    private <T> CompletableFuture<T> submit(final Supplier<T> job)
    {
        if (closed)
        {
            throw SyncErrors.error(SyncErrors.CLOSED, "sync on " + bucket + " is closed");
        }
        try
        {
            return CompletableFuture.supplyAsync(job, worker);
        }
        catch (final RejectedExecutionException ex)
        {
            throw SyncErrors.error(SyncErrors.CLOSED, "sync on " + bucket + " is closed");
        }
    }

    private static Thread daemon(final Runnable r, final String name)
    {
        final Thread thread = new Thread(r, name);
        thread.setDaemon(true);
        return thread;
    }

}
