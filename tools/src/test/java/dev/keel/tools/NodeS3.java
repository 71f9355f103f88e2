package dev.keel.tools;

import com.adobe.testing.s3mock.junit5.S3MockExtension;
import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.s3.S3AsyncClient;
import software.amazon.awssdk.services.s3.model.ListObjectsV2Response;
import software.amazon.awssdk.services.s3.model.S3Object;

import java.net.URI;
import java.nio.file.Path;
import java.util.TreeMap;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * One in-process S3Mock on a random loopback port for the node's sync tests (as the sync module's
 * {@code SharedS3Mock}: a fresh root folder per run, stopped when the JVM exits), with an admin client that
 * creates buckets and lists what the node wrote.
 */
final class NodeS3
{
    static final String ACCESS_KEY = "AKIAKEELNODETEST0001";
    static final String SECRET_KEY = "kEeL/n0de+SyncTestValue/0123456789abcdef";
    private static final AtomicInteger BUCKETS = new AtomicInteger();
    private static NodeS3 shared;

    final int port;
    final S3AsyncClient admin;

    private NodeS3(final int port)
    {
        this.port = port;
        this.admin = S3AsyncClient.crtBuilder()
            .credentialsProvider(StaticCredentialsProvider.create(AwsBasicCredentials.create("admin", "admin")))
            .region(Region.US_EAST_1)
            .endpointOverride(URI.create("http://127.0.0.1:" + port))
            .forcePathStyle(true)
            .build();
    }

    static synchronized NodeS3 get()
    {
        if (null == shared)
        {
            final Path root = Path.of("target/s3mock-" + System.nanoTime()).toAbsolutePath();
            final S3MockExtension server = S3MockExtension.builder()
                .silent()
                .withSecureConnection(false)
                .withHttpPort(0)
                .withRootFolder(root.toString())
                .build();
            server.start();
            final NodeS3 s3 = new NodeS3(server.getHttpPort());
            Runtime.getRuntime().addShutdownHook(new Thread(() ->
            {
                s3.admin.close();
                server.stop();
            }, "s3mock-stop"));
            shared = s3;
        }
        return shared;
    }

    String newBucket()
    {
        final String name = "node-" + BUCKETS.incrementAndGet() + "-" + Long.toHexString(System.nanoTime());
        admin.createBucket(b -> b.bucket(name)).join();
        return name;
    }

    /** Every object key of a bucket, sorted, with its size. */
    TreeMap<String, Long> listAll(final String bucket)
    {
        final TreeMap<String, Long> result = new TreeMap<>();
        String token = null;
        do
        {
            final String continuation = token;
            final ListObjectsV2Response page =
                admin.listObjectsV2(b -> b.bucket(bucket).continuationToken(continuation)).join();
            for (final S3Object object : page.contents())
            {
                result.put(object.key(), object.size());
            }
            token = Boolean.TRUE.equals(page.isTruncated()) ? page.nextContinuationToken() : null;
        }
        while (null != token);
        return result;
    }
}
