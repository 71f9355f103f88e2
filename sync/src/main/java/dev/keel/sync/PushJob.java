package dev.keel.sync;

import dev.keel.engine.KeelException;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;

import static java.lang.System.Logger.Level.INFO;
import static java.lang.System.Logger.Level.WARNING;

/**
 * The push of one checkpoint, run on the sync thread: check the local files, make sure of the owner marker and
 * the index, upload the missing data files then the missing commit markers, write the catalog, then apply
 * retention (catalog first, files after).
 */
final class PushJob
{
    private static final System.Logger LOGGER = RemoteReader.LOGGER;

    private final SyncContext ctx;
    private final SyncSettings settings;
    private final BucketPath bucket;
    private final RemoteReader reader;
    private final RemoteWriter writer;
    private final CatalogStore store;
    private final SyncStatuses statuses;
    private final ProgressTracker progress;
    private final ScheduledExecutorService timer;
    private final JournalStore journal;

    PushJob(
        final SyncContext ctx,
        final BucketPath bucket,
        final RemoteWriter writer,
        final CatalogStore store,
        final SyncStatuses statuses,
        final ProgressTracker progress,
        final ScheduledExecutorService timer,
        final JournalStore journal)
    {
        this.ctx = ctx;
        this.settings = ctx.settings();
        this.bucket = bucket;
        this.reader = writer;
        this.writer = writer;
        this.store = store;
        this.statuses = statuses;
        this.progress = progress;
        this.timer = timer;
        this.journal = journal;
    }

    UUID run(final LocalCheckpoint checkpoint, final long journalPosition, final JournalSource journalSource)
    {
        final long startNs = System.nanoTime();
        progress.begin(SyncProgress.Operation.PUSH, checkpoint.id());
        final ScheduledFuture<?> progressLog = progress.logEvery(timer, ctx.progressLogInterval(), "push of checkpoint " + checkpoint.id() + " to " + bucket);
        try
        {
            checkLocalFiles(checkpoint);
            store.ensureOwner();
            store.ensureIndex();
            final Catalog catalog = store.catalog();
            if (null != catalog.find(checkpoint.id()))
            {
                succeeded(checkpoint.id());
                return checkpoint.id();
            }

            final List<LocalFile> data = new ArrayList<>();
            final List<LocalFile> markers = new ArrayList<>();
            long bytes = 0;
            for (final LocalFile file : checkpoint.files())
            {
                final Long remoteSize = store.remoteSize(file.name());
                if (null == remoteSize)
                {
                    (file.commitMarker() ? markers : data).add(file);
                    bytes += file.size();
                }
                else if (remoteSize != file.size())
                {
                    throw SyncErrors.error(SyncErrors.SIZE_MISMATCH, "checkpoint " + checkpoint.id() + ": " +
                        reader.url(store.fileKey(file.name())) + " has " + remoteSize + " bytes but the local file has " +
                        file.size() + "; checkpoint file names must never be reused for other content");
                }
            }
            progress.totals(bytes, data.size() + markers.size());

            uploadAll(data);
            uploadAll(markers);

            if (null != journalSource && journalPosition >= 0)
            {
                // the steps after the checkpoint go before the catalog names it: a reader never sees it without them
                journal.ship(checkpoint.id(), journalPosition, journalSource);
            }
            final Catalog next = catalog.with(ctx.ownerId(), RemoteCheckpoint.of(checkpoint));
            store.writeCatalog(next);
            succeeded(checkpoint.id());
            final long bytesUploaded = bytes;
            final int files = data.size() + markers.size();
            LOGGER.log(INFO, () -> "pushed checkpoint " + checkpoint.id() + " (step " + checkpoint.step() + ") to " +
                bucket + ": " + files + " new file(s), " + bytesUploaded + " bytes, " +
                (checkpoint.files().size() - files) + " already there, in " +
                (System.nanoTime() - startNs) / 1_000_000 + " ms");
            applyRetention();
            return checkpoint.id();
        }
        catch (final RuntimeException ex)
        {
            progress.pushFailures.incrementAndGet();
            final KeelException error = reader.toKeel(ex);
            LOGGER.log(WARNING, () -> "push of checkpoint " + checkpoint.id() + " to " + bucket + " failed: " +
                error.getMessage());
            throw error;
        }
        finally
        {
            progressLog.cancel(false);
            progress.end();
        }
    }

    private void succeeded(final UUID id)
    {
        statuses.succeeded(id);
        progress.pushes.incrementAndGet();
    }

    private void checkLocalFiles(final LocalCheckpoint checkpoint)
    {
        for (final LocalFile file : checkpoint.files())
        {
            final Path path = LocalFile.resolve(ctx.localRoot(), file.name());
            final long size;
            try
            {
                size = Files.size(path);
            }
            catch (final NoSuchFileException ex)
            {
                throw SyncErrors.error(SyncErrors.LOCAL_IO, "checkpoint " + checkpoint.id() + " lists " + file.name() +
                    " but " + path + " does not exist");
            }
            catch (final IOException ex)
            {
                throw SyncErrors.error(SyncErrors.LOCAL_IO, "checkpoint " + checkpoint.id() + ": cannot read " + path +
                    ": " + ex.getMessage(), ex, settings);
            }
            if (size != file.size())
            {
                throw SyncErrors.error(SyncErrors.SIZE_MISMATCH, "checkpoint " + checkpoint.id() + " lists " +
                    file.name() + " with " + file.size() + " bytes but " + path + " has " + size);
            }
        }
    }

    private void uploadAll(final List<LocalFile> files)
    {
        if (files.isEmpty())
        {
            return;
        }
        final List<CompletableFuture<?>> uploads = new ArrayList<>(files.size());
        for (final LocalFile file : files)
        {
            final String key = store.fileKey(file.name());
            uploads.add(writer.upload(key, LocalFile.resolve(ctx.localRoot(), file.name()), file.size()).thenRun(() ->
            {
                progress.fileDone(file.size());
                progress.bytesUploaded.addAndGet(file.size());
                progress.filesUploaded.incrementAndGet();
                store.remoteFileUploaded(file.name(), file.size());
            }));
        }
        awaitAll(uploads);
    }

    /**
     * Wait for every future, then rethrow the first failure: no transfer is left running behind a failed push.
     */
    private void awaitAll(final List<CompletableFuture<?>> futures)
    {
        try
        {
            CompletableFuture.allOf(futures.toArray(new CompletableFuture<?>[0])).join();
        }
        catch (final CompletionException ex)
        {
            for (final CompletableFuture<?> future : futures)
            {
                if (future.isCompletedExceptionally())
                {
                    reader.join(future);
                }
            }
            throw reader.toKeel(ex);
        }
    }

    private void applyRetention()
    {
        final Catalog catalog = store.catalog();
        final Retention plan = Retention.plan(catalog.checkpoints, ctx.clock().instant(), settings.retentionMinCount(),
            settings.retentionMinAgeDays());
        if (plan.retired.isEmpty())
        {
            return;
        }
        try
        {
            store.writeCatalog(catalog.retaining(plan.kept));
            final List<String> keys = new ArrayList<>(plan.filesToDelete.size());
            for (final String name : plan.filesToDelete)
            {
                keys.add(store.fileKey(name));
            }
            final List<String> failed = new ArrayList<>(writer.deleteAllNow(keys));
            final List<UUID> retiredIds = new ArrayList<>();
            plan.retired.forEach(c -> retiredIds.add(c.id()));
            // the journal shipped after a retired checkpoint goes with it
            failed.addAll(journal.deleteGroups(retiredIds));
            for (final String name : plan.filesToDelete)
            {
                store.remoteFileDeleted(name);
            }
            progress.deletedCheckpoints.addAndGet(plan.retired.size());
            final List<UUID> ids = new ArrayList<>();
            plan.retired.forEach(c -> ids.add(c.id()));
            LOGGER.log(INFO, () -> "retention on " + bucket + ": removed checkpoint(s) " + ids + " and " +
                (keys.size() - failed.size()) + " file(s) no kept checkpoint uses" +
                (failed.isEmpty() ? "" : "; could not delete " + failed));
        }
        catch (final RuntimeException ex)
        {
            // The push itself succeeded; retention runs again after the next push.
            LOGGER.log(WARNING, () -> "retention on " + bucket + " failed: " + reader.toKeel(ex).getMessage());
        }
    }
}
