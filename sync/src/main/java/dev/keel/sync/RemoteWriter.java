package dev.keel.sync;

import software.amazon.awssdk.core.async.AsyncRequestBody;
import software.amazon.awssdk.services.s3.S3AsyncClient;
import software.amazon.awssdk.services.s3.model.Delete;
import software.amazon.awssdk.services.s3.model.DeleteObjectsResponse;
import software.amazon.awssdk.services.s3.model.ObjectIdentifier;
import software.amazon.awssdk.services.s3.model.PutObjectResponse;
import software.amazon.awssdk.transfer.s3.S3TransferManager;
import software.amazon.awssdk.transfer.s3.model.CompletedFileUpload;
import software.amazon.awssdk.transfer.s3.model.FileUpload;
import software.amazon.awssdk.transfer.s3.model.UploadFileRequest;
import software.amazon.awssdk.transfer.s3.progress.TransferListener;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Write operations on one bucket prefix; only a writable {@link S3CheckpointSync} has one. Uploads go through the
 * {@link S3TransferManager} on the CRT client (parallel multipart above the threshold).
 */
final class RemoteWriter extends RemoteReader
{
    private static final int DELETE_BATCH = 1000;

    private final S3TransferManager transferManager;

    RemoteWriter(final S3AsyncClient s3, final S3TransferManager transferManager, final BucketPath bucket,
        final SyncContext ctx, final ScheduledExecutorService timer, final ProgressTracker progress)
    {
        super(s3, bucket, ctx, timer, progress);
        this.transferManager = transferManager;
    }

    /**
     * Create an object only if it does not exist ({@code If-None-Match: *}).
     *
     * @return true when created, false when the object already existed.
     */
    boolean putIfAbsentNow(final String key, final byte[] bytes)
    {
        try
        {
            retrying("create " + url(key), bytes.length, () -> s3.putObject(
                b -> b.bucket(bucket.name()).key(key).ifNoneMatch("*"), AsyncRequestBody.fromBytes(bytes))).join();
            return true;
        }
        catch (final CompletionException ex)
        {
            if (kindOf(ex) == Kind.PRECONDITION_FAILED)
            {
                return false;
            }
            throw toKeel(ex);
        }
    }

    /**
     * Replace an object only if its ETag is still {@code expectedETag}, or create it only if absent when
     * {@code expectedETag} is null.
     *
     * @return the new ETag, or null when the precondition failed.
     */
    String putConditionalNow(final String key, final byte[] bytes, final String expectedETag)
    {
        try
        {
            final PutObjectResponse response = retrying("write " + url(key), bytes.length, () -> s3.putObject(
                b ->
                {
                    b.bucket(bucket.name()).key(key).contentType("text/plain; charset=utf-8");
                    if (null == expectedETag)
                    {
                        b.ifNoneMatch("*");
                    }
                    else
                    {
                        b.ifMatch(expectedETag);
                    }
                },
                AsyncRequestBody.fromBytes(bytes))).join();
            return null == response.eTag() ? headETagNow(key) : response.eTag();
        }
        catch (final CompletionException ex)
        {
            if (kindOf(ex) == Kind.PRECONDITION_FAILED)
            {
                return null;
            }
            throw toKeel(ex);
        }
    }

    /**
     * Write a small object unconditionally (a journal chunk: its key names its content).
     *
     * @param key   full key.
     * @param bytes the content.
     */
    void putNow(final String key, final byte[] bytes)
    {
        join(retrying("write " + url(key), bytes.length, () -> s3.putObject(
            b -> b.bucket(bucket.name()).key(key).contentType("application/octet-stream"),
            AsyncRequestBody.fromBytes(bytes))));
    }

    private String headETagNow(final String key)
    {
        return join(retrying("head " + url(key), 0, () -> s3.headObject(b -> b.bucket(bucket.name()).key(key)))).eTag();
    }

    /**
     * Upload a file, retrying transient failures (each attempt starts the file again).
     *
     * @param key  full key.
     * @param file local file.
     * @param size its size, for the timeout and progress.
     * @return completes when the object exists.
     */
    CompletableFuture<CompletedFileUpload> upload(final String key, final Path file, final long size)
    {
        return retrying("upload " + url(key), size, () ->
        {
            final AtomicLong credited = new AtomicLong();
            final TransferListener listener = new TransferListener()
            {
                public void bytesTransferred(final Context.BytesTransferred context)
                {
                    final long now = context.progressSnapshot().transferredBytes();
                    final long before = credited.getAndSet(now);
                    progress.inFlight(now - before);
                }
            };
            final FileUpload upload = transferManager.uploadFile(UploadFileRequest.builder()
                .putObjectRequest(b -> b.bucket(bucket.name()).key(key))
                .source(file)
                .addTransferListener(listener)
                .build());
            // Whatever the outcome, this attempt's bytes leave "in flight"; completed files are credited whole.
            return upload.completionFuture().whenComplete((done, error) -> progress.inFlight(-credited.getAndSet(0)));
        });
    }

    /**
     * Delete objects in batches.
     *
     * @param keys full keys.
     * @return keys that could not be deleted (the server's per-key errors).
     */
    List<String> deleteAllNow(final List<String> keys)
    {
        final List<String> failed = new ArrayList<>();
        for (int from = 0; from < keys.size(); from += DELETE_BATCH)
        {
            final List<ObjectIdentifier> batch = new ArrayList<>();
            for (final String key : keys.subList(from, Math.min(keys.size(), from + DELETE_BATCH)))
            {
                batch.add(ObjectIdentifier.builder().key(key).build());
            }
            final DeleteObjectsResponse response = join(retrying("delete " + batch.size() + " objects under " +
                bucket, 0, () -> s3.deleteObjects(b -> b.bucket(bucket.name())
                .delete(Delete.builder().objects(batch).quiet(true).build()))));
            response.errors().forEach(e -> failed.add(e.key()));
        }
        return failed;
    }
}
