package dev.keel.sync;

import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.s3.S3AsyncClient;
import software.amazon.awssdk.services.s3.model.ListObjectsV2Response;
import software.amazon.awssdk.services.s3.model.S3Object;

import java.io.IOException;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.time.InstantSource;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.TreeMap;
import java.util.UUID;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Test helpers: an admin client on the S3Mock endpoint (the side a person with bucket access has), fresh buckets,
 * checkpoint files with random content, a hand clock. Shared with the tools tests (this module's test-jar):
 * {@link #shared()} is the fixture on the JVM's one in-process S3Mock.
 */
public final class SyncFixture implements AutoCloseable
{
    public static final String ACCESS_KEY = "AKIAKEELTESTKEY00001";
    public static final String SECRET_KEY = "kEeL/s3cr3t+SyncTestValue/0123456789abcd";
    private static final AtomicInteger BUCKETS = new AtomicInteger();

    public final int s3Port;
    public final S3AsyncClient admin;
    private static SyncFixture shared;

    SyncFixture(final int s3Port)
    {
        this.s3Port = s3Port;
        this.admin = S3AsyncClient.crtBuilder()
            .credentialsProvider(StaticCredentialsProvider.create(AwsBasicCredentials.create("admin", "admin")))
            .region(Region.US_EAST_1)
            .endpointOverride(URI.create("http://127.0.0.1:" + s3Port))
            .forcePathStyle(true)
            .build();
    }

    /**
     * The fixture on the JVM's one in-process S3Mock (started on first use, stopped when the JVM exits); its admin
     * client stays open for the JVM's life.
     *
     * @return the shared fixture.
     */
    public static synchronized SyncFixture shared()
    {
        if (null == shared)
        {
            shared = new SyncFixture(SharedS3Mock.httpPort());
        }
        return shared;
    }

    /** The first requests to a fresh S3Mock (Spring's dispatcher, conditional writes) are slow: pay that here. */
    void warmUp()
    {
        final String bucket = newBucket();
        admin.putObject(b -> b.bucket(bucket).key("warm").ifNoneMatch("*"),
            software.amazon.awssdk.core.async.AsyncRequestBody.fromString("warm")).join();
        admin.getObject(b -> b.bucket(bucket).key("warm"),
            software.amazon.awssdk.core.async.AsyncResponseTransformer.toBytes()).join();
        admin.listObjectsV2(b -> b.bucket(bucket)).join();
    }

    public String newBucket()
    {
        final String name = "keel-" + BUCKETS.incrementAndGet() + "-" + Long.toHexString(System.nanoTime());
        admin.createBucket(b -> b.bucket(name)).join();
        return name;
    }

    SyncSettingsBuilder settings(final String bucket, final int port)
    {
        return SyncSettingsBuilder.builder()
            .bucket(bucket)
            .region("us-east-1")
            .provider("Minio")
            .accessKey(ACCESS_KEY)
            .secretKey(SECRET_KEY)
            .endpoint("http://127.0.0.1:" + port);
    }

    static SyncContext context(final SyncSettings settings, final String owner, final Path root)
    {
        return new SyncContext()
            .settings(settings)
            .ownerId(owner)
            .localRoot(root)
            .maxAttempts(4)
            .initialBackoff(Duration.ofMillis(50))
            .maxBackoff(Duration.ofMillis(400))
            .requestTimeout(Duration.ofSeconds(20))
            .partSize(5L * 1024 * 1024)
            .multipartThreshold(5L * 1024 * 1024)
            .closeTimeout(Duration.ofSeconds(10));
    }

    /** Every object key under a bucket (sorted) with its size. */
    public TreeMap<String, Long> listAll(final String bucket)
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

    /**
     * Write a checkpoint's own files (pages and a manifest) under {@code root} and return it with the files of
     * {@code base} it references (incremental).
     */
    static LocalCheckpoint writeCheckpoint(final Path root, final long step, final Instant createdAt,
        final LocalCheckpoint base, final long seed, final int... pageSizes) throws IOException
    {
        final UUID id = new UUID(seed, step);
        final List<LocalFile> files = new ArrayList<>();
        if (null != base)
        {
            for (final LocalFile file : base.files())
            {
                if (!file.commitMarker())
                {
                    files.add(file);
                }
            }
        }
        final Random random = new Random(seed * 31 + step);
        for (int i = 0; i < pageSizes.length; i++)
        {
            final String name = "checkpoints/" + id + "/pages-" + String.format("%04d", i) + ".dat";
            final byte[] bytes = new byte[pageSizes[i]];
            random.nextBytes(bytes);
            write(root, name, bytes);
            files.add(LocalFile.data(name, bytes.length));
        }
        final StringBuilder manifest = new StringBuilder("manifest " + id + " step " + step + "\n");
        for (final LocalFile file : files)
        {
            manifest.append(file.name()).append(' ').append(file.size()).append('\n');
        }
        final String manifestName = "checkpoints/" + id + "/manifest";
        final byte[] manifestBytes = manifest.toString().getBytes(java.nio.charset.StandardCharsets.UTF_8);
        write(root, manifestName, manifestBytes);
        files.add(LocalFile.marker(manifestName, manifestBytes.length));
        return new LocalCheckpoint(id, step, createdAt, files);
    }

    private static void write(final Path root, final String name, final byte[] bytes) throws IOException
    {
        final Path path = root.resolve(name);
        Files.createDirectories(path.getParent());
        Files.write(path, bytes);
    }

    public void close()
    {
        admin.close();
    }

    /** A clock the test moves by hand. */
    static final class HandClock implements InstantSource
    {
        private volatile Instant now;

        HandClock(final Instant start)
        {
            now = start;
        }

        public Instant instant()
        {
            return now;
        }

        void set(final Instant instant)
        {
            now = instant;
        }
    }
}
