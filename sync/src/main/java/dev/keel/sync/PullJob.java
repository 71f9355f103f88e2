package dev.keel.sync;

import dev.keel.engine.KeelException;

import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;

import static java.lang.System.Logger.Level.INFO;
import static java.lang.System.Logger.Level.WARNING;

/**
 * The pull of one checkpoint, run on the sync thread: read the catalog, skip the files already present with the
 * right size, download the others to temporary files, check, fsync and rename them into place (data files first,
 * commit markers last), then fsync the directories.
 */
final class PullJob
{
    private static final System.Logger LOGGER = RemoteReader.LOGGER;

    private final SyncContext ctx;
    private final SyncSettings settings;
    private final BucketPath bucket;
    private final RemoteReader reader;
    private final CatalogStore store;
    private final ProgressTracker progress;
    private final ScheduledExecutorService timer;

    PullJob(
        final SyncContext ctx,
        final BucketPath bucket,
        final RemoteReader reader,
        final CatalogStore store,
        final ProgressTracker progress,
        final ScheduledExecutorService timer)
    {
        this.ctx = ctx;
        this.settings = ctx.settings();
        this.bucket = bucket;
        this.reader = reader;
        this.store = store;
        this.progress = progress;
        this.timer = timer;
    }

    Optional<PulledCheckpoint> run(final UUID id, final Path localRoot)
    {
        final long startNs = System.nanoTime();
        progress.begin(SyncProgress.Operation.PULL, id);
        final ScheduledFuture<?> progressLog = progress.logEvery(timer, ctx.progressLogInterval(), "pull from " + bucket + " into " + localRoot);
        try
        {
            final Catalog remote = store.readCatalog();
            if (null == remote || remote.checkpoints.isEmpty())
            {
                LOGGER.log(INFO, () -> "pull from " + bucket + ": no checkpoint in the bucket");
                progress.pulls.incrementAndGet();
                return Optional.empty();
            }
            final RemoteCheckpoint checkpoint = null == id ? remote.checkpoints.get(0) : remote.find(id);
            if (null == checkpoint)
            {
                throw SyncErrors.error(SyncErrors.CHECKPOINT_NOT_FOUND, "checkpoint " + id + " is not in " +
                    reader.url(bucket.key(S3CheckpointSync.CATALOG_OBJECT)) + ", which lists " + remote.checkpoints.size() +
                    " checkpoint(s), newest " + remote.checkpoints.get(0).id());
            }
            progress.checkpoint(checkpoint.id());
            final Path root = localRoot.toAbsolutePath().normalize();
            final List<LocalFile> data = new ArrayList<>();
            final List<LocalFile> markers = new ArrayList<>();
            final List<String> present = new ArrayList<>();
            long bytes = 0;
            for (final LocalFile file : checkpoint.files())
            {
                final Path path = LocalFile.resolve(root, file.name());
                if (Files.isRegularFile(path) && sizeOf(path) == file.size())
                {
                    present.add(file.name());
                }
                else
                {
                    (file.commitMarker() ? markers : data).add(file);
                    bytes += file.size();
                }
            }
            progress.totals(bytes, data.size() + markers.size());
            final List<String> downloaded = new ArrayList<>();
            downloadAll(root, data, downloaded);
            downloadAll(root, markers, downloaded);
            progress.pulls.incrementAndGet();
            final long pulledBytes = bytes;
            LOGGER.log(INFO, () -> "pulled checkpoint " + checkpoint.id() + " (step " + checkpoint.step() + ") from " +
                bucket + " into " + root + ": " + downloaded.size() + " file(s), " + pulledBytes + " bytes, " +
                present.size() + " already present, in " + (System.nanoTime() - startNs) / 1_000_000 + " ms");
            return Optional.of(new PulledCheckpoint(checkpoint, root, downloaded, present, pulledBytes));
        }
        catch (final RuntimeException ex)
        {
            progress.pullFailures.incrementAndGet();
            final KeelException error = reader.toKeel(ex);
            LOGGER.log(WARNING, () -> "pull from " + bucket + " failed: " + error.getMessage());
            throw error;
        }
        finally
        {
            progressLog.cancel(false);
            progress.end();
        }
    }

    private void downloadAll(final Path root, final List<LocalFile> files, final List<String> downloaded)
    {
        if (files.isEmpty())
        {
            return;
        }
        final List<CompletableFuture<?>> downloads = new ArrayList<>(files.size());
        final List<Path> temps = new ArrayList<>(files.size());
        try
        {
            for (final LocalFile file : files)
            {
                final Path target = LocalFile.resolve(root, file.name());
                Files.createDirectories(target.getParent());
                final Path temp = target.resolveSibling("." + target.getFileName() + ".keelsync-" +
                    UUID.randomUUID() + ".tmp");
                temps.add(temp);
                downloads.add(reader.download(store.fileKey(file.name()), temp, file.size()).thenRun(() ->
                {
                    progress.fileDone(file.size());
                }));
            }
            awaitAllPulled(downloads, files);
            final Set<Path> dirs = new LinkedHashSet<>();
            for (int i = 0; i < files.size(); i++)
            {
                final LocalFile file = files.get(i);
                final Path temp = temps.get(i);
                final Path target = LocalFile.resolve(root, file.name());
                final long size = Files.size(temp);
                if (size != file.size())
                {
                    throw SyncErrors.error(SyncErrors.SIZE_MISMATCH, reader.url(store.fileKey(file.name())) + " has " +
                        size + " bytes but the catalog lists " + file.size());
                }
                try (FileChannel channel = FileChannel.open(temp, StandardOpenOption.WRITE))
                {
                    channel.force(true);
                }
                move(temp, target);
                // The new file's directory, and every directory up to the root that may have been created for it.
                for (Path dir = target.getParent(); null != dir && dir.startsWith(root); dir = dir.getParent())
                {
                    dirs.add(dir);
                }
                downloaded.add(file.name());
                progress.bytesDownloaded.addAndGet(size);
                progress.filesDownloaded.incrementAndGet();
            }
            for (final Path dir : dirs)
            {
                fsyncDirectory(dir);
            }
        }
        catch (final IOException ex)
        {
            throw SyncErrors.error(SyncErrors.LOCAL_IO, "pull into " + root + ": " + ex, ex, settings);
        }
        finally
        {
            for (final Path temp : temps)
            {
                try
                {
                    Files.deleteIfExists(temp);
                }
                catch (final IOException ignore)
                {
                    // A leftover temp file is harmless: its name never matches a checkpoint file.
                }
            }
        }
    }

    private void awaitAllPulled(final List<CompletableFuture<?>> futures, final List<LocalFile> files)
    {
        try
        {
            CompletableFuture.allOf(futures.toArray(new CompletableFuture<?>[0])).join();
        }
        catch (final CompletionException ex)
        {
            for (int i = 0; i < futures.size(); i++)
            {
                final CompletableFuture<?> future = futures.get(i);
                if (future.isCompletedExceptionally())
                {
                    try
                    {
                        future.join();
                    }
                    catch (final CompletionException failure)
                    {
                        if (RemoteReader.kindOf(failure) == RemoteReader.Kind.NOT_FOUND)
                        {
                            throw SyncErrors.error(SyncErrors.REMOTE_FILE_MISSING, "the catalog lists " +
                                files.get(i).name() + " but " + reader.url(store.fileKey(files.get(i).name())) +
                                " does not exist: the bucket was edited by hand or retention raced a reader",
                                RemoteReader.unwrap(failure).getCause(), settings);
                        }
                        throw reader.toKeel(failure);
                    }
                }
            }
            throw reader.toKeel(ex);
        }
    }

    private static void move(final Path source, final Path target) throws IOException
    {
        try
        {
            Files.move(source, target, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        }
        catch (final AtomicMoveNotSupportedException ex)
        {
            Files.move(source, target, StandardCopyOption.REPLACE_EXISTING);
        }
    }

    private static void fsyncDirectory(final Path dir) throws IOException
    {
        try (FileChannel channel = FileChannel.open(dir, StandardOpenOption.READ))
        {
            channel.force(true);
        }
    }

    private static long sizeOf(final Path path)
    {
        try
        {
            return Files.size(path);
        }
        catch (final IOException ex)
        {
            return -1;
        }
    }
}
