package dev.keel.sync;

import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.s3.S3AsyncClient;
import software.amazon.awssdk.transfer.s3.S3TransferManager;
import software.amazon.awssdk.transfer.s3.model.DownloadFileRequest;
import software.amazon.awssdk.transfer.s3.model.UploadFileRequest;

import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

/**
 * Upload and download MB/s of a checkpoint file set through {@link S3CheckpointSync}, side by side with raw
 * {@link S3TransferManager} transfers of the same bytes on the same CRT settings, against the in-process S3Mock
 * on loopback. Not a Surefire test (no {@code @Test}); run it as a main class with the test class path:
 * <pre>
 *   mvn -B -q -ntp -pl sync -am test-compile dependency:build-classpath -Dmdep.outputFile=/tmp/sync-cp.txt \
 *       -Dmdep.includeScope=test
 *   java -Xms1g -Xmx1g -XX:+AlwaysPreTouch --add-exports java.base/jdk.internal.misc=ALL-UNNAMED \
 *       -cp sync/target/test-classes:sync/target/classes:engine-core/target/classes:$(cat /tmp/sync-cp.txt) \
 *       dev.keel.sync.SyncBandwidth [total MiB, default 256] [files, default 16] [rounds, default 3]
 * </pre>
 * Each round pushes a new checkpoint of fresh random files (so nothing is skipped), pulls it into an empty
 * directory, then uploads and downloads the same files raw under other keys. The load average is printed with
 * the figures: the machine is shared and S3Mock (Tomcat writing files) is the bottleneck, not the CRT.
 */
public final class SyncBandwidth
{
    private SyncBandwidth()
    {
    }

    /**
     * @param args total MiB, number of files, rounds.
     * @throws Exception on any failure.
     */
    public static void main(final String[] args) throws Exception
    {
        final int totalMiB = args.length > 0 ? Integer.parseInt(args[0]) : 256;
        final int fileCount = args.length > 1 ? Integer.parseInt(args[1]) : 16;
        final int rounds = args.length > 2 ? Integer.parseInt(args[2]) : 3;
        final long fileSize = (long)totalMiB * 1024 * 1024 / fileCount;
        final int port = SharedS3Mock.httpPort();
        final Path work = Files.createTempDirectory("keel-sync-bandwidth");
        final SyncFixture fixture = new SyncFixture(port);
        final String bucket = fixture.newBucket();
        final SyncSettings settings = fixture.settings(bucket, port).build();
        final SyncContext ctx = SyncFixture.context(settings, "bench", work.resolve("node"))
            .partSize(8L * 1024 * 1024).multipartThreshold(8L * 1024 * 1024);

        final S3AsyncClient raw = S3AsyncClient.crtBuilder()
            .credentialsProvider(StaticCredentialsProvider.create(AwsBasicCredentials.create("a", "b")))
            .region(Region.US_EAST_1)
            .endpointOverride(URI.create("http://127.0.0.1:" + port))
            .forcePathStyle(true)
            .minimumPartSizeInBytes(8L * 1024 * 1024)
            .thresholdInBytes(8L * 1024 * 1024)
            .targetThroughputInGbps(10.0)
            .build();
        System.out.printf("files=%d x %d MiB (%d MiB), rounds=%d, java=%s, load=%.2f%n", fileCount,
            fileSize / (1024 * 1024), totalMiB, rounds, System.getProperty("java.version"), load());
        try (S3CheckpointSync sync = S3CheckpointSync.open(ctx); S3TransferManager tm =
            S3TransferManager.builder().s3Client(raw).build())
        {
            for (int round = 1; round <= rounds; round++)
            {
                final int[] sizes = new int[fileCount];
                java.util.Arrays.fill(sizes, (int)fileSize);
                final LocalCheckpoint cp = SyncFixture.writeCheckpoint(work.resolve("node"), round, Instant.now(), null,
                    round, sizes);
                final long bytes = cp.totalBytes();

                long start = System.nanoTime();
                sync.push(cp).get(10, TimeUnit.MINUTES);
                final double push = mbps(bytes, start);

                final Path pulled = work.resolve("pull-" + round);
                start = System.nanoTime();
                sync.pull(cp.id(), pulled).get(10, TimeUnit.MINUTES);
                final double pull = mbps(bytes, start);

                start = System.nanoTime();
                final List<CompletableFuture<?>> ups = new ArrayList<>();
                for (final LocalFile file : cp.files())
                {
                    ups.add(tm.uploadFile(UploadFileRequest.builder()
                        .putObjectRequest(b -> b.bucket(bucket).key("raw/" + file.name()))
                        .source(work.resolve("node").resolve(file.name())).build()).completionFuture());
                }
                CompletableFuture.allOf(ups.toArray(new CompletableFuture<?>[0])).get(10, TimeUnit.MINUTES);
                final double rawUp = mbps(bytes, start);

                final Path rawDir = work.resolve("raw-" + round);
                start = System.nanoTime();
                final List<CompletableFuture<?>> downs = new ArrayList<>();
                for (final LocalFile file : cp.files())
                {
                    final Path target = rawDir.resolve(file.name());
                    Files.createDirectories(target.getParent());
                    downs.add(tm.downloadFile(DownloadFileRequest.builder()
                        .getObjectRequest(b -> b.bucket(bucket).key("raw/" + file.name()))
                        .destination(target).build()).completionFuture());
                }
                CompletableFuture.allOf(downs.toArray(new CompletableFuture<?>[0])).get(10, TimeUnit.MINUTES);
                final double rawDown = mbps(bytes, start);

                System.out.printf("round %d: push %.1f MB/s (raw TM upload %.1f MB/s, ratio %.2f); " +
                    "pull %.1f MB/s (raw TM download %.1f MB/s, ratio %.2f); load=%.2f%n",
                    round, push, rawUp, push / rawUp, pull, rawDown, pull / rawDown, load());
                deleteTree(pulled);
                deleteTree(rawDir);
            }
        }
        finally
        {
            raw.close();
            fixture.close();
            deleteTree(work);
        }
        System.exit(0);
    }

    private static double mbps(final long bytes, final long startNs)
    {
        return bytes / 1e6 / ((System.nanoTime() - startNs) / 1e9);
    }

    private static double load()
    {
        return ManagementFactory.getOperatingSystemMXBean().getSystemLoadAverage();
    }

    private static void deleteTree(final Path root) throws IOException
    {
        if (!Files.exists(root))
        {
            return;
        }
        try (Stream<Path> paths = Files.walk(root))
        {
            paths.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
        }
    }
}
