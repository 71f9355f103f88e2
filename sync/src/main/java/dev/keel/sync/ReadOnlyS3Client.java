package dev.keel.sync;

import software.amazon.awssdk.core.async.AsyncResponseTransformer;
import software.amazon.awssdk.services.s3.S3AsyncClient;
import software.amazon.awssdk.services.s3.model.GetObjectRequest;
import software.amazon.awssdk.services.s3.model.GetObjectResponse;
import software.amazon.awssdk.services.s3.model.HeadObjectRequest;
import software.amazon.awssdk.services.s3.model.HeadObjectResponse;
import software.amazon.awssdk.services.s3.model.ListObjectsV2Request;
import software.amazon.awssdk.services.s3.model.ListObjectsV2Response;

import java.util.concurrent.CompletableFuture;

/**
 * The only client a read-only sync holds: it forwards GET, HEAD and LIST to the CRT client, and every other
 * operation of {@link S3AsyncClient} (PUT, DELETE, multipart, copy, ...) keeps the interface's default, which
 * throws {@link UnsupportedOperationException}. A read-only sync therefore cannot issue a write, whatever code
 * path is taken.
 */
final class ReadOnlyS3Client implements S3AsyncClient
{
    private final S3AsyncClient delegate;

    ReadOnlyS3Client(final S3AsyncClient delegate)
    {
        this.delegate = delegate;
    }

    public String serviceName()
    {
        return delegate.serviceName();
    }

    public void close()
    {
        delegate.close();
    }

    public <T> CompletableFuture<T> getObject(
        final GetObjectRequest request, final AsyncResponseTransformer<GetObjectResponse, T> transformer)
    {
        return delegate.getObject(request, transformer);
    }

    public CompletableFuture<HeadObjectResponse> headObject(final HeadObjectRequest request)
    {
        return delegate.headObject(request);
    }

    public CompletableFuture<ListObjectsV2Response> listObjectsV2(final ListObjectsV2Request request)
    {
        return delegate.listObjectsV2(request);
    }
}
