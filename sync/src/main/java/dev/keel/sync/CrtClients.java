package dev.keel.sync;

import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.AwsCredentialsProvider;
import software.amazon.awssdk.auth.credentials.DefaultCredentialsProvider;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;
import software.amazon.awssdk.core.checksums.RequestChecksumCalculation;
import software.amazon.awssdk.core.checksums.ResponseChecksumValidation;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.s3.S3AsyncClient;
import software.amazon.awssdk.services.s3.S3CrtAsyncClientBuilder;

/**
 * Builds the AWS CRT S3 client an {@link S3CheckpointSync} runs on, from its {@link SyncContext}.
 */
final class CrtClients
{
    private CrtClients()
    {
    }

    static S3AsyncClient build(final SyncContext ctx)
    {
        final SyncSettings settings = ctx.settings();
        final AwsCredentialsProvider credentials = null == settings.accessKey() ?
            DefaultCredentialsProvider.builder().build() :
            StaticCredentialsProvider.create(AwsBasicCredentials.create(settings.accessKey(), settings.secretKey()));
        final S3CrtAsyncClientBuilder builder = S3AsyncClient.crtBuilder()
            .credentialsProvider(credentials)
            .region(Region.of(settings.effectiveRegion()))
            .forcePathStyle(true)
            .minimumPartSizeInBytes(ctx.partSize())
            .thresholdInBytes(ctx.multipartThreshold())
            .targetThroughputInGbps(ctx.targetThroughputGbps())
            // The CRT retries each request (part) itself; 0 would mean "CRT default" (10), so it is bounded here and
            // the classified, counted retries of whole operations are ours (RemoteReader.retrying).
            .retryConfiguration(b -> b.numRetries(ctx.crtRetriesPerRequest()))
            .httpConfiguration(b -> b.connectionTimeout(ctx.connectTimeout()))
            .requestChecksumCalculation(RequestChecksumCalculation.WHEN_SUPPORTED)
            .responseChecksumValidation(ResponseChecksumValidation.WHEN_SUPPORTED);
        if (null != settings.endpoint())
        {
            builder.endpointOverride(settings.endpoint());
        }
        if (ctx.maxConcurrency() > 0)
        {
            builder.maxConcurrency(ctx.maxConcurrency());
        }
        return builder.build();
    }
}
