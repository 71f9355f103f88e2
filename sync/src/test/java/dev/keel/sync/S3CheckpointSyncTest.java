package dev.keel.sync;

import dev.keel.engine.KeelException;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

@Timeout(value = 60, unit = TimeUnit.SECONDS)
class S3CheckpointSyncTest
{

    private static final Instant T0 = Instant.parse("2026-11-01T00:00:00Z");
    private static final int MB = 1024 * 1024;

    private static SyncFixture fixture;

    @TempDir
    Path tmp;

    @BeforeAll
    static void startFixture()
    {
        fixture = new SyncFixture(SharedS3Mock.httpPort());
    }

    @AfterAll
    static void stopFixture()
    {
        fixture.close();
    }

    private SyncContext context(final String bucket, final String owner, final Path root)
    {
        return SyncFixture.context(fixture.settings(bucket, fixture.s3Port).build(), owner, root);
    }

    private static <T> T await(final CompletableFuture<T> future) throws Exception
    {
        return future.get(45, TimeUnit.SECONDS);
    }

    private static KeelException failure(final CompletableFuture<?> future)
    {
        final CompletionException ex = assertThrows(CompletionException.class, () -> future.orTimeout(45,
            TimeUnit.SECONDS).join());
        return assertInstanceOf(KeelException.class, ex.getCause());
    }

    private static void assertSameFiles(final Path expectedRoot, final Path actualRoot, final List<LocalFile> files)
        throws Exception
    {
        for (final LocalFile file : files)
        {
            assertEquals(-1L, Files.mismatch(expectedRoot.resolve(file.name()), actualRoot.resolve(file.name())),
                file.name());
        }
    }

    @Test
    void pushThenPullIsByteIdenticalWithMultipartAboveThreshold() throws Exception
    {
        final String bucket = fixture.newBucket() + "/deployments/one";
        final Path root = tmp.resolve("node");
        final LocalCheckpoint cp = SyncFixture.writeCheckpoint(root, 7, T0, null, 1, 1000, 0, 12 * MB + 17);

        try (S3CheckpointSync sync = S3CheckpointSync.open(context(bucket, "node-a", root)))
        {
            assertEquals(cp.id(), await(sync.push(cp)));
            assertEquals(SyncStatus.SUCCESS, sync.syncStatus(cp.id()));
            assertEquals(Optional.of(cp.id()), sync.lastSuccessfulSync());
            final SyncProgress progress = sync.progress();
            assertEquals(cp.totalBytes(), progress.bytesUploaded());
            assertEquals(cp.files().size(), progress.filesUploaded());
            assertEquals(SyncProgress.Operation.IDLE, progress.operation());

            final List<RemoteCheckpoint> remote = await(sync.listRemote());
            assertEquals(1, remote.size());
            assertEquals(RemoteCheckpoint.of(cp), remote.get(0));

            final Path restored = tmp.resolve("restored");
            final PulledCheckpoint pulled = await(sync.pullLatest(restored)).orElseThrow();
            assertEquals(cp.id(), pulled.checkpoint().id());
            assertEquals(cp.totalBytes(), pulled.bytesDownloaded());
            assertEquals("checkpoints/" + cp.id() + "/manifest", pulled.downloaded().get(pulled.downloaded().size() - 1));
            assertSameFiles(root, restored, cp.files());
            try (var stream = Files.walk(restored))
            {
                assertTrue(stream.noneMatch(p -> p.getFileName().toString().endsWith(".tmp")), "temp files left");
            }
        }

        // The 12 MiB file went up in 5 MiB parts: a multipart ETag ends with -<parts>.
        final String bigKey = "deployments/one/files/" + cp.files().get(2).name();
        final String eTag = fixture.admin.headObject(b -> b.bucket(bucket.substring(0, bucket.indexOf('/')))
            .key(bigKey)).join().eTag();
        assertTrue(eTag.replace("\"", "").endsWith("-3"), eTag);
    }

    @Test
    void incrementalPushUploadsOnlyNewFilesAndPullFetchesOnlyNewFiles() throws Exception
    {
        final String bucket = fixture.newBucket();
        final Path root = tmp.resolve("node");
        final LocalCheckpoint cp1 = SyncFixture.writeCheckpoint(root, 1, T0, null, 2, 4000, 5000);
        final LocalCheckpoint cp2 = SyncFixture.writeCheckpoint(root, 2, T0.plusSeconds(60), cp1, 2, 3000);

        try (FaultProxy proxy = new FaultProxy(fixture.s3Port);
            S3CheckpointSync sync = S3CheckpointSync.open(SyncFixture.context(
                fixture.settings(bucket, proxy.port()).build(), "node-a", root));
            S3CheckpointSync standby = S3CheckpointSync.openReadOnly(SyncFixture.context(
                fixture.settings(bucket, proxy.port()).build(), null, null)))
        {
            await(sync.push(cp1));
            final long putsAfterFirst = proxy.count(l -> l.startsWith("PUT /" + bucket + "/files/"));
            assertEquals(3, putsAfterFirst, proxy.requests().toString());

            final Path follower = tmp.resolve("standby");
            assertEquals(3, await(standby.pullLatest(follower)).orElseThrow().downloaded().size());

            await(sync.push(cp2));
            final List<String> newPuts = proxy.requests().stream()
                .filter(l -> l.startsWith("PUT /" + bucket + "/files/")).skip(putsAfterFirst)
                .collect(Collectors.toList());
            assertEquals(2, newPuts.size(), newPuts.toString());
            assertTrue(newPuts.stream().allMatch(l -> l.contains(cp2.id().toString())), newPuts.toString());
            // One listing of files/ for both pushes: the writer keeps the remote index.
            assertEquals(1, proxy.count(l -> l.startsWith("GET /" + bucket + "?") && l.contains("list-type=2")));

            // Pushing an already synced checkpoint uploads nothing.
            final int before = proxy.requests().size();
            await(sync.push(cp2));
            assertEquals(before, proxy.requests().size());

            // The standby fetches only cp2's new page and manifest.
            final PulledCheckpoint second = await(standby.pullLatest(follower)).orElseThrow();
            assertEquals(cp2.id(), second.checkpoint().id());
            assertEquals(List.of(cp2.files().get(2).name(), cp2.files().get(3).name()), second.downloaded());
            assertEquals(2, second.alreadyPresent().size());
            assertSameFiles(root, follower, cp2.files());

            // By UUID: the older checkpoint; an unknown one is an error, not "no checkpoint".
            final Path byId = tmp.resolve("by-id");
            assertEquals(cp1.id(), await(standby.pull(cp1.id().toString(), byId)).orElseThrow().checkpoint().id());
            assertSameFiles(root, byId, cp1.files());
            assertEquals(SyncErrors.CHECKPOINT_NOT_FOUND, failure(standby.pull(UUID.randomUUID(), byId)).code());
            assertEquals(List.of(cp2.id(), cp1.id()),
                await(standby.listRemote()).stream().map(RemoteCheckpoint::id).collect(Collectors.toList()));
        }
    }

    @Test
    void catalogIsWrittenLastSoAReaderNeverSeesAHalfUploadedCheckpoint() throws Exception
    {
        final String bucket = fixture.newBucket();
        final Path root = tmp.resolve("node");
        final LocalCheckpoint cp1 = SyncFixture.writeCheckpoint(root, 1, T0, null, 3, 2000);
        final LocalCheckpoint cp2 = SyncFixture.writeCheckpoint(root, 2, T0, cp1, 3, 6 * MB, 3000);

        try (FaultProxy proxy = new FaultProxy(fixture.s3Port);
            S3CheckpointSync writer = S3CheckpointSync.open(SyncFixture.context(
                fixture.settings(bucket, proxy.port()).build(), "node-a", root));
            S3CheckpointSync reader = S3CheckpointSync.openReadOnly(context(bucket, null, null)))
        {
            await(writer.push(cp1));
            proxy.inject(r -> "PUT".equals(r.method()) && r.target().contains(S3CheckpointSync.CATALOG_OBJECT),
                FaultProxy.Action.GATE, 1);
            final CompletableFuture<UUID> push = writer.push(cp2);
            assertTrue(proxy.awaitGated(30), "the catalog write was never reached");

            // Every file of cp2 is in the bucket, the catalog write is held: readers still see only cp1.
            final TreeMap<String, Long> objects = fixture.listAll(bucket);
            for (final LocalFile file : cp2.files())
            {
                assertTrue(objects.containsKey("files/" + file.name()), file.name());
            }
            assertEquals(SyncStatus.IN_PROGRESS, writer.syncStatus(cp2.id()));
            final SyncProgress progress = writer.progress();
            assertEquals(SyncProgress.Operation.PUSH, progress.operation());
            assertEquals(cp2.id(), progress.checkpoint());
            assertEquals(3, progress.filesTotal());
            assertEquals(progress.filesTotal(), progress.filesDone());
            assertEquals(6L * MB + 3000 + cp2.files().get(3).size(), progress.bytesTotal());
            assertEquals(progress.bytesTotal(), progress.bytesDone());
            assertEquals(List.of(cp1.id()),
                await(reader.listRemote()).stream().map(RemoteCheckpoint::id).collect(Collectors.toList()));
            assertEquals(cp1.id(), await(reader.pullLatest(tmp.resolve("r"))).orElseThrow().checkpoint().id());

            proxy.release();
            assertEquals(cp2.id(), await(push));
            assertEquals(cp2.id(), await(reader.listRemote()).get(0).id());
        }
    }

    @Test
    void aMissingOrChangedLocalFileFailsThePushBeforeAnyUpload() throws Exception
    {
        final String bucket = fixture.newBucket();
        final Path root = tmp.resolve("node");
        final LocalCheckpoint cp = SyncFixture.writeCheckpoint(root, 1, T0, null, 9, 100, 200);
        Files.delete(root.resolve(cp.files().get(1).name()));
        try (S3CheckpointSync sync = S3CheckpointSync.open(context(bucket, "node-a", root)))
        {
            final KeelException missing = failure(sync.push(cp));
            assertEquals(SyncErrors.LOCAL_IO, missing.code());
            assertTrue(missing.getMessage().contains(cp.files().get(1).name()), missing.getMessage());
            Files.write(root.resolve(cp.files().get(1).name()), new byte[7]);
            assertEquals(SyncErrors.SIZE_MISMATCH, failure(sync.push(cp)).code());
        }
        assertTrue(fixture.listAll(bucket).isEmpty());
    }

    @Test
    void ownerMarkerRefusesASecondWriter() throws Exception
    {
        final String name = fixture.newBucket();
        final String bucket = name + "/shared";
        final Path root = tmp.resolve("node");
        final LocalCheckpoint cp1 = SyncFixture.writeCheckpoint(root, 1, T0, null, 4, 100);
        final LocalCheckpoint cp2 = SyncFixture.writeCheckpoint(root, 2, T0, cp1, 4, 100);

        try (S3CheckpointSync first = S3CheckpointSync.open(context(bucket, "node-a", root)))
        {
            await(first.push(cp1));
        }
        try (S3CheckpointSync second = S3CheckpointSync.open(context(bucket, "node-b", root)))
        {
            final KeelException error = failure(second.push(cp2));
            assertEquals(SyncErrors.OWNER_CONFLICT, error.code());
            assertTrue(error.getMessage().contains("bucket " + name + " prefix \"shared\" is owned by \"node-a\""),
                error.getMessage());
            assertTrue(error.getMessage().contains("node-b"), error.getMessage());
            final SyncStatus status = second.syncStatus(cp2.id());
            assertEquals(SyncErrors.OWNER_CONFLICT, assertInstanceOf(SyncStatus.Failure.class, status).error().code());
        }
        assertEquals(List.of(cp1.id()), fixture.listAll(name).keySet().stream()
            .filter(k -> k.endsWith("manifest")).map(k -> UUID.fromString(k.split("/")[3]))
            .collect(Collectors.toList()));
        // The same owner again (a restart) may write; another prefix of the same bucket is free.
        try (S3CheckpointSync again = S3CheckpointSync.open(context(bucket, "node-a", root)))
        {
            assertEquals(cp2.id(), await(again.push(cp2)));
        }
        try (S3CheckpointSync other = S3CheckpointSync.open(context(name + "/other", "node-b", root)))
        {
            assertEquals(cp2.id(), await(other.push(cp2)));
        }
    }

    @Test
    void readBucketIsNeverWritten() throws Exception
    {
        final String primary = fixture.newBucket();
        final String backupName = fixture.newBucket();
        final String backup = backupName + "/backup";
        final Path origin = tmp.resolve("origin");
        final LocalCheckpoint cp = SyncFixture.writeCheckpoint(origin, 3, T0, null, 5, 7000, 6 * MB);
        try (S3CheckpointSync seed = S3CheckpointSync.open(context(backup, "backup-writer", origin)))
        {
            await(seed.push(cp));
        }
        final TreeMap<String, Long> before = fixture.listAll(backupName);
        final SyncSettings settings = fixture.settings(primary, fixture.s3Port).readBucket(backup).build();

        try (FaultProxy proxy = new FaultProxy(fixture.s3Port);
            S3CheckpointSync bucketSync = S3CheckpointSync.open(SyncFixture.context(settings, "node-a",
                tmp.resolve("node")));
            S3CheckpointSync readBucket = S3CheckpointSync.openReadBucket(SyncFixture.context(
                fixture.settings(primary, proxy.port()).readBucket(backup).build(), "node-a", tmp.resolve("node"))))
        {
            assertTrue(readBucket.readOnly());
            assertEquals(backupName, readBucket.bucket().name());
            // Pull order: the primary bucket is empty ("no checkpoint"), then read_bucket.
            assertEquals(Optional.empty(), await(bucketSync.pullLatest(tmp.resolve("node"))));
            final PulledCheckpoint pulled = await(readBucket.pullLatest(tmp.resolve("node"))).orElseThrow();
            assertEquals(cp.id(), pulled.checkpoint().id());
            assertSameFiles(origin, tmp.resolve("node"), cp.files());
            assertEquals(1, await(readBucket.listRemote()).size());
            assertEquals(cp.id(), await(readBucket.pull(cp.id(), tmp.resolve("again"))).orElseThrow().checkpoint().id());

            final KeelException refused = assertThrows(KeelException.class, () -> readBucket.push(cp));
            assertEquals(SyncErrors.READ_ONLY, refused.code());
            assertEquals(SyncStatus.UNKNOWN, readBucket.syncStatus(cp.id()));
            assertEquals(0, proxy.count(l -> !l.startsWith("GET ") && !l.startsWith("HEAD ")), proxy.requests().toString());
            assertTrue(proxy.requests().size() > 0);
        }
        assertEquals(before, fixture.listAll(backupName));
        assertTrue(fixture.listAll(primary).isEmpty());
    }

    @Test
    void retentionNeedsBothCountAndAgeAndKeepsReferencedFiles() throws Exception
    {
        final String bucket = fixture.newBucket();
        final Path root = tmp.resolve("node");
        final SyncFixture.HandClock clock = new SyncFixture.HandClock(T0);
        final SyncSettings settings = fixture.settings(bucket, fixture.s3Port)
            .retentionMinCount(2).retentionMinAge(1).build();

        final LocalCheckpoint cp1 = SyncFixture.writeCheckpoint(root, 1, T0, null, 6, 100, 200);
        final LocalCheckpoint cp2 = SyncFixture.writeCheckpoint(root, 2, T0, cp1, 6, 300);
        final LocalCheckpoint cp3 = SyncFixture.writeCheckpoint(root, 3, T0, null, 6, 400);
        final LocalCheckpoint cp4 = SyncFixture.writeCheckpoint(root, 4, T0, cp3, 6, 500);
        final Instant later = T0.plus(Duration.ofDays(2));
        final LocalCheckpoint cp5 = SyncFixture.writeCheckpoint(root, 5, later, cp4, 6, 600);

        try (S3CheckpointSync sync = S3CheckpointSync.open(SyncFixture.context(settings, "node-a", root).clock(clock)))
        {
            for (final LocalCheckpoint cp : List.of(cp1, cp2, cp3, cp4))
            {
                await(sync.push(cp));
            }
            // cp1 has 3 newer checkpoints (more than 2) but is younger than a day: kept.
            assertEquals(4, await(sync.listRemote()).size());

            clock.set(later);
            await(sync.push(cp5));
            // cp1 (4 newer) and cp2 (3 newer) are old and over the count: removed. cp3 is old but has only 2
            // newer: kept.
            assertEquals(List.of(cp5.id(), cp4.id(), cp3.id()),
                await(sync.listRemote()).stream().map(RemoteCheckpoint::id).collect(Collectors.toList()));
            assertEquals(2, sync.progress().deletedCheckpoints());
        }
        final Map<String, Long> objects = fixture.listAll(bucket);
        for (final LocalCheckpoint gone : List.of(cp1, cp2))
        {
            for (final LocalFile file : gone.files())
            {
                assertFalse(objects.containsKey("files/" + file.name()), file.name());
            }
        }
        for (final LocalCheckpoint kept : List.of(cp3, cp4, cp5))
        {
            for (final LocalFile file : kept.files())
            {
                assertTrue(objects.containsKey("files/" + file.name()), file.name());
            }
        }
        // A fresh node pulls the oldest kept checkpoint completely.
        try (S3CheckpointSync reader = S3CheckpointSync.openReadOnly(SyncFixture.context(settings, null, null)))
        {
            assertSameFiles(root, tmp.resolve("r"), await(reader.pull(cp3.id(), tmp.resolve("r"))).orElseThrow()
                .checkpoint().files());
        }
    }

    @Test
    void pullWithTheCatalogDeletedIsAnErrorNotNoCheckpoint() throws Exception
    {
        final String bucket = fixture.newBucket();
        final Path root = tmp.resolve("node");
        final LocalCheckpoint cp = SyncFixture.writeCheckpoint(root, 1, T0, null, 7, 100);
        try (S3CheckpointSync sync = S3CheckpointSync.open(context(bucket, "node-a", root));
            S3CheckpointSync reader = S3CheckpointSync.openReadOnly(context(bucket, null, null)))
        {
            assertEquals(Optional.empty(), await(reader.pullLatest(tmp.resolve("empty"))));
            assertEquals(List.of(), await(reader.listRemote()));
            await(sync.push(cp));
            fixture.admin.deleteObject(b -> b.bucket(bucket).key(S3CheckpointSync.CATALOG_OBJECT)).join();

            final KeelException error = failure(reader.pullLatest(tmp.resolve("r")));
            assertEquals(SyncErrors.CATALOG_MISSING, error.code());
            assertTrue(error.getMessage().contains("s3://" + bucket + "/" + S3CheckpointSync.CATALOG_OBJECT),
                error.getMessage());
            assertEquals(SyncErrors.CATALOG_MISSING, failure(reader.listRemote()).code());
            assertEquals(SyncErrors.CATALOG_MISSING, failure(reader.pull(cp.id(), tmp.resolve("r"))).code());
            assertFalse(Files.exists(tmp.resolve("r").resolve(cp.files().get(1).name())));
        }
    }

    @Test
    void aFileMissingInTheBucketOrACorruptCatalogIsAnError() throws Exception
    {
        final String bucket = fixture.newBucket();
        final Path root = tmp.resolve("node");
        final LocalCheckpoint cp = SyncFixture.writeCheckpoint(root, 1, T0, null, 8, 100, 200);
        try (S3CheckpointSync sync = S3CheckpointSync.open(context(bucket, "node-a", root));
            S3CheckpointSync reader = S3CheckpointSync.openReadOnly(context(bucket, null, null)))
        {
            await(sync.push(cp));
            fixture.admin.deleteObject(b -> b.bucket(bucket).key("files/" + cp.files().get(1).name())).join();
            final KeelException missing = failure(reader.pullLatest(tmp.resolve("r")));
            assertEquals(SyncErrors.REMOTE_FILE_MISSING, missing.code());
            assertTrue(missing.getMessage().contains(cp.files().get(1).name()), missing.getMessage());
            // The manifest (commit marker) is never written when a data file failed.
            assertFalse(Files.exists(tmp.resolve("r").resolve(cp.files().get(2).name())));

            fixture.admin.putObject(b -> b.bucket(bucket).key(S3CheckpointSync.CATALOG_OBJECT),
                software.amazon.awssdk.core.async.AsyncRequestBody.fromString("KEEL-SYNC-CATALOG 1\nowner x\n")).join();
            assertEquals(SyncErrors.CATALOG_CORRUPT, failure(reader.pullLatest(tmp.resolve("r"))).code());
        }
    }
}
