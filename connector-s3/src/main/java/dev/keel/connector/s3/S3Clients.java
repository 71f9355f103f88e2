package dev.keel.connector.s3;

import software.amazon.awssdk.auth.credentials.AnonymousCredentialsProvider;
import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.AwsCredentialsProvider;
import software.amazon.awssdk.auth.credentials.DefaultCredentialsProvider;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;
import software.amazon.awssdk.core.checksums.RequestChecksumCalculation;
import software.amazon.awssdk.core.checksums.ResponseChecksumValidation;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.s3.S3AsyncClient;
import software.amazon.awssdk.services.s3.S3CrtAsyncClientBuilder;

import java.time.Duration;

/**
 * Builds the AWS CRT S3 client of an {@code s3_input} endpoint, configured as the sync module's (STACK.md 3.6):
 * path-style requests for an {@code endpoint_url}, a part size equal to one ranged GET, and no CRT-level retries
 * beyond one, so that the endpoint's own, logged retries ({@code max_retries}) are the ones that count.
 */
final class S3Clients
{
    private S3Clients()
    {
    }

    static S3AsyncClient build(final S3InputSettings settings)
    {
        final AwsCredentialsProvider credentials;
        if (settings.noSignRequest())
        {
            credentials = AnonymousCredentialsProvider.create();
        }
        else if (null != settings.accessKeyId())
        {
            credentials = StaticCredentialsProvider.create(
                AwsBasicCredentials.create(settings.accessKeyId(), settings.secretAccessKey()));
        }
        else
        {
            credentials = DefaultCredentialsProvider.builder().build();
        }
        final S3CrtAsyncClientBuilder builder = S3AsyncClient.crtBuilder()
            .credentialsProvider(credentials)
            .region(Region.of(settings.region()))
            .minimumPartSizeInBytes((long)settings.readChunkBytes())
            .retryConfiguration(b -> b.numRetries(1))
            .httpConfiguration(b -> b.connectionTimeout(Duration.ofSeconds(5)))
            .requestChecksumCalculation(RequestChecksumCalculation.WHEN_SUPPORTED)
            .responseChecksumValidation(ResponseChecksumValidation.WHEN_SUPPORTED);
        if (null != settings.endpoint())
        {
            builder.endpointOverride(settings.endpoint()).forcePathStyle(true);
        }
        return builder.build();
    }
}
