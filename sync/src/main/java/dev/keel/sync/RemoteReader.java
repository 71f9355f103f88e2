package dev.keel.sync;

import dev.keel.engine.KeelException;
import software.amazon.awssdk.awscore.exception.AwsServiceException;
import software.amazon.awssdk.core.ResponseBytes;
import software.amazon.awssdk.core.async.AsyncResponseTransformer;
import software.amazon.awssdk.core.exception.SdkClientException;
import software.amazon.awssdk.core.exception.SdkException;
import software.amazon.awssdk.crt.CrtRuntimeException;
import software.amazon.awssdk.services.s3.S3AsyncClient;
import software.amazon.awssdk.services.s3.model.GetObjectResponse;
import software.amazon.awssdk.services.s3.model.ListObjectsV2Response;
import software.amazon.awssdk.services.s3.model.S3Object;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Supplier;

/**
 * Read operations on one bucket prefix, each attempt bounded by a timeout and transient failures retried with
 * exponential backoff. Holds only the client it is given: a read-only sync gives it a {@link ReadOnlyS3Client}.
 * <p>
 * Blocking methods ({@code ...Now}) are called on the sync thread only; {@link #retrying} may be called from any
 * thread and never blocks.
 */
class RemoteReader
{
    static final System.Logger LOGGER = System.getLogger("dev.keel.sync");

    /** How a failed attempt is handled. */
    enum Kind
    {
        TRANSIENT, AUTH, NOT_FOUND, NO_BUCKET, PRECONDITION_FAILED, PERMANENT
    }

    /**
     * A failed remote operation after its last attempt, with the classification the callers act on.
     */
    static final class RemoteFailure extends RuntimeException
    {
        private static final long serialVersionUID = 1L;
        final Kind kind;
        final int attempts;
        final String what;

        RemoteFailure(final Kind kind, final int attempts, final String what, final Throwable cause)
        {
            super(what + " failed after " + attempts + " attempt(s)", cause, false, false);
            this.kind = kind;
            this.attempts = attempts;
            this.what = what;
        }
    }

    final S3AsyncClient s3;
    final BucketPath bucket;
    final SyncContext ctx;
    final SyncSettings settings;
    final ScheduledExecutorService timer;
    final ProgressTracker progress;
    final String endpoint;

    RemoteReader(final S3AsyncClient s3, final BucketPath bucket, final SyncContext ctx,
        final ScheduledExecutorService timer, final ProgressTracker progress)
    {
        this.s3 = s3;
        this.bucket = bucket;
        this.ctx = ctx;
        this.settings = ctx.settings();
        this.timer = timer;
        this.progress = progress;
        final URI uri = settings.endpoint();
        this.endpoint = null == uri ? "AWS S3 (" + settings.effectiveRegion() + ")" : uri.toString();
    }

    String url(final String key)
    {
        return "s3://" + bucket.name() + "/" + key;
    }

    /**
     * Run an operation, retrying transient failures; the result fails with a {@link RemoteFailure}.
     *
     * @param what      description for messages, e.g. {@code "upload s3://b/k"}.
     * @param bytes     bytes the operation moves, to scale its timeout.
     * @param operation starts one attempt; called again for each retry.
     */
    <T> CompletableFuture<T> retrying(final String what, final long bytes, final Supplier<CompletableFuture<T>> operation)
    {
        final CompletableFuture<T> result = new CompletableFuture<>();
        attempt(what, timeoutMs(bytes), operation, 1, result);
        return result;
    }

    private long timeoutMs(final long bytes)
    {
        return ctx.requestTimeout().toMillis() + (bytes * 1000L) / ctx.minThroughputBytesPerSec();
    }

    private <T> void attempt(final String what, final long timeoutMs, final Supplier<CompletableFuture<T>> operation,
        final int attempt, final CompletableFuture<T> result)
    {
        CompletableFuture<T> future;
        try
        {
            future = operation.get();
        }
        catch (final RuntimeException ex)
        {
            future = CompletableFuture.failedFuture(ex);
        }
        final CompletableFuture<T> inFlight = future;
        final AtomicBoolean timedOut = new AtomicBoolean();
        final ScheduledFuture<?> timeout = timer.schedule(() ->
        {
            if (!inFlight.isDone())
            {
                timedOut.set(true);
                // Cancelling a CRT future aborts the native request and closes its connection.
                inFlight.cancel(true);
            }
        }, timeoutMs, TimeUnit.MILLISECONDS);

        inFlight.whenComplete((value, error) ->
        {
            timeout.cancel(false);
            if (null == error)
            {
                result.complete(value);
                return;
            }
            final Throwable cause = timedOut.get() ?
                new TimeoutException("no complete answer from " + endpoint + " within " + timeoutMs + " ms") :
                unwrap(error);
            final Kind kind = timedOut.get() ? Kind.TRANSIENT : classify(cause);
            if (kind == Kind.TRANSIENT && attempt < ctx.maxAttempts() && !timer.isShutdown())
            {
                final long delayMs = backoffMs(attempt);
                progress.retries.incrementAndGet();
                LOGGER.log(System.Logger.Level.WARNING, () -> what + ": attempt " + attempt + " of " +
                    ctx.maxAttempts() + " failed (" + settings.redact(describe(cause)) + "); retrying in " + delayMs +
                    " ms");
                try
                {
                    timer.schedule(() -> attempt(what, timeoutMs, operation, attempt + 1, result), delayMs,
                        TimeUnit.MILLISECONDS);
                }
                catch (final RuntimeException rejected)
                {
                    result.completeExceptionally(new RemoteFailure(kind, attempt, what, cause));
                }
            }
            else
            {
                result.completeExceptionally(new RemoteFailure(kind, attempt, what, cause));
            }
        });
    }

    long backoffMs(final int attempt)
    {
        final long initial = ctx.initialBackoff().toMillis();
        final long max = ctx.maxBackoff().toMillis();
        final long delay = initial << Math.min(attempt - 1, 20);
        return Math.min(max, delay);
    }

    static Throwable unwrap(final Throwable error)
    {
        Throwable t = error;
        while ((t instanceof CompletionException || t instanceof ExecutionException) && null != t.getCause())
        {
            t = t.getCause();
        }
        return t;
    }

    static Kind classify(final Throwable cause)
    {
        if (cause instanceof AwsServiceException)
        {
            final AwsServiceException ex = (AwsServiceException)cause;
            final int status = ex.statusCode();
            final String code = null == ex.awsErrorDetails() ? null : ex.awsErrorDetails().errorCode();
            if (status == 401 || status == 403)
            {
                return Kind.AUTH;
            }
            if ("NoSuchBucket".equals(code))
            {
                return Kind.NO_BUCKET;
            }
            if (status == 404)
            {
                return Kind.NOT_FOUND;
            }
            if (status == 412)
            {
                return Kind.PRECONDITION_FAILED;
            }
            if (status >= 500 || status == 408 || status == 429 || ex.isThrottlingException() || status == 0)
            {
                return Kind.TRANSIENT;
            }
            return Kind.PERMANENT;
        }
        if (cause instanceof SdkClientException)
        {
            // Connection refused/reset, socket timeouts and CRT transport errors all surface here.
            return Kind.TRANSIENT;
        }
        if (cause instanceof SdkException && ((SdkException)cause).retryable())
        {
            return Kind.TRANSIENT;
        }
        if (cause instanceof TimeoutException || cause instanceof java.net.SocketException)
        {
            return Kind.TRANSIENT;
        }
        if (cause instanceof CancellationException || cause instanceof IOException ||
            cause instanceof UncheckedIOException)
        {
            return Kind.PERMANENT;
        }
        return Kind.PERMANENT;
    }

    static String describe(final Throwable cause)
    {
        if (cause instanceof AwsServiceException)
        {
            final AwsServiceException ex = (AwsServiceException)cause;
            final String code = null == ex.awsErrorDetails() ? null : ex.awsErrorDetails().errorCode();
            return "HTTP " + ex.statusCode() + (null == code ? "" : " " + code) + ": " + ex.getMessage();
        }
        final StringBuilder sb = new StringBuilder();
        sb.append(cause.getClass().getSimpleName()).append(": ").append(cause.getMessage());
        // The CRT reports failed parts and transport errors by name (AWS_ERROR_S3_INTERNAL_ERROR, ...).
        for (Throwable t = cause.getCause(); null != t && t != t.getCause(); t = t.getCause())
        {
            if (t instanceof CrtRuntimeException)
            {
                sb.append(" [").append(((CrtRuntimeException)t).errorName).append(']');
                break;
            }
        }
        return sb.toString();
    }

    /**
     * The {@link KeelException} a caller reports for a failed operation.
     */
    KeelException toKeel(final Throwable error)
    {
        final Throwable t = unwrap(error);
        if (t instanceof KeelException)
        {
            return (KeelException)t;
        }
        if (!(t instanceof RemoteFailure))
        {
            return SyncErrors.error(SyncErrors.REMOTE, "sync with " + bucket + " at " + endpoint + " failed: " +
                describe(t), t, settings);
        }
        final RemoteFailure failure = (RemoteFailure)t;
        final Throwable cause = failure.getCause();
        final String detail = describe(cause);
        switch (failure.kind)
        {
            case AUTH:
                return SyncErrors.error(SyncErrors.AUTH, failure.what + " refused by " + endpoint + " (" + detail +
                    "): check access_key/secret_key (" + (null == settings.accessKey() ? "not set, default chain" :
                    "configured, redacted") + "), region " + settings.effectiveRegion() +
                    " and the bucket policy; not retried", cause, settings);
            case TRANSIENT:
                return SyncErrors.error(SyncErrors.RETRIES_EXHAUSTED, failure.what + " at " + endpoint +
                    " gave up after " + failure.attempts + " attempts; last error: " + detail, cause, settings);
            case NO_BUCKET:
                return SyncErrors.error(SyncErrors.NO_BUCKET, failure.what + ": bucket " + bucket.name() +
                    " does not exist at " + endpoint + " (" + detail + ")", cause, settings);
            case NOT_FOUND:
                return SyncErrors.error(SyncErrors.REMOTE_FILE_MISSING, failure.what + ": not found at " + endpoint +
                    " (" + detail + ")", cause, settings);
            default:
                return SyncErrors.error(SyncErrors.REMOTE, failure.what + " at " + endpoint + " failed: " + detail,
                    cause, settings);
        }
    }

    static Kind kindOf(final Throwable error)
    {
        final Throwable t = unwrap(error);
        return t instanceof RemoteFailure ? ((RemoteFailure)t).kind : null;
    }

    <T> T join(final CompletableFuture<T> future)
    {
        try
        {
            return future.join();
        }
        catch (final CompletionException | CancellationException ex)
        {
            throw toKeel(ex);
        }
    }

    /**
     * A small object (catalog, owner marker) with its ETag.
     */
    record Blob(byte[] bytes, String eTag)
    {
    }

    /**
     * Read a small object.
     *
     * @param key full key.
     * @return the content, or null when the object does not exist.
     */
    Blob getNow(final String key)
    {
        final CompletableFuture<ResponseBytes<GetObjectResponse>> future = retrying("get " + url(key), 0,
            () -> s3.getObject(b -> b.bucket(bucket.name()).key(key), AsyncResponseTransformer.toBytes()));
        try
        {
            final ResponseBytes<GetObjectResponse> bytes = future.join();
            return new Blob(bytes.asByteArray(), bytes.response().eTag());
        }
        catch (final CompletionException ex)
        {
            if (kindOf(ex) == Kind.NOT_FOUND)
            {
                return null;
            }
            throw toKeel(ex);
        }
    }

    /**
     * Every object under a key prefix.
     *
     * @param keyPrefix full key prefix, e.g. {@code checkpoints/files/}.
     * @return key relative to {@code keyPrefix} to size.
     */
    Map<String, Long> listNow(final String keyPrefix)
    {
        final Map<String, Long> result = new HashMap<>();
        String token = null;
        do
        {
            final String continuation = token;
            final ListObjectsV2Response page = join(retrying("list " + url(keyPrefix), 0,
                () -> s3.listObjectsV2(b -> b.bucket(bucket.name()).prefix(keyPrefix).continuationToken(continuation))));
            for (final S3Object object : page.contents())
            {
                result.put(object.key().substring(keyPrefix.length()), object.size());
            }
            token = Boolean.TRUE.equals(page.isTruncated()) ? page.nextContinuationToken() : null;
        }
        while (null != token);
        return result;
    }

    /**
     * Whether any object exists under the bucket prefix.
     *
     * @return true when the prefix holds at least one object.
     */
    boolean anyObjectNow()
    {
        final String keyPrefix = bucket.prefix().isEmpty() ? "" : bucket.prefix() + "/";
        final ListObjectsV2Response page = join(retrying("list " + url(keyPrefix), 0,
            () -> s3.listObjectsV2(b -> b.bucket(bucket.name()).prefix(keyPrefix).maxKeys(1))));
        return !page.contents().isEmpty();
    }

    /**
     * Download an object to a new file (deleted first on every attempt), retrying transient failures.
     *
     * @param key         full key.
     * @param destination file to create.
     * @param size        expected size, to scale the timeout.
     * @return completes when the file is written (not yet synced).
     */
    CompletableFuture<GetObjectResponse> download(final String key, final Path destination, final long size)
    {
        return retrying("download " + url(key), size, () ->
        {
            try
            {
                Files.deleteIfExists(destination);
            }
            catch (final IOException ex)
            {
                return CompletableFuture.failedFuture(ex);
            }
            return s3.getObject(b -> b.bucket(bucket.name()).key(key), AsyncResponseTransformer.toFile(destination));
        });
    }
}
