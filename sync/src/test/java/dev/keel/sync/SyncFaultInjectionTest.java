package dev.keel.sync;

import dev.keel.engine.KeelException;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Faults between the CRT client and S3Mock, injected by a loopback proxy: 5xx, stalls, connection resets in the
 * middle of a multipart upload, 403.
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class SyncFaultInjectionTest
{

    private static final Instant T0 = Instant.parse("2026-11-01T00:00:00Z");
    private static final int MB = 1024 * 1024;
    private static final Predicate<FaultProxy.Request> FILE_PUT =
        r -> "PUT".equals(r.method()) && r.target().contains("/files/");

    private static SyncFixture fixture;

    @TempDir
    Path tmp;

    private FaultProxy proxy;
    private String bucket;

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

    @BeforeEach
    void startProxy() throws Exception
    {
        proxy = new FaultProxy(fixture.s3Port);
        bucket = fixture.newBucket();
    }

    @AfterEach
    void stopProxy() throws Exception
    {
        proxy.close();
    }

    private SyncContext context(final Path root)
    {
        return SyncFixture.context(fixture.settings(bucket, proxy.port()).build(), "node-a", root)
            .maxAttempts(3)
            // Generous: the machine is shared and S3Mock answers slowly under load; only stalls may time out.
            .requestTimeout(Duration.ofSeconds(15));
    }

    private static KeelException failure(final CompletableFuture<?> future)
    {
        final CompletionException ex = assertThrows(CompletionException.class,
            () -> future.orTimeout(45, TimeUnit.SECONDS).join());
        return assertInstanceOf(KeelException.class, ex.getCause());
    }

    private void assertRoundTrip(final Path root, final LocalCheckpoint cp) throws Exception
    {
        try (S3CheckpointSync reader = S3CheckpointSync.openReadOnly(SyncFixture.context(
            fixture.settings(bucket, fixture.s3Port).build(), null, null)))
        {
            final Path restored = tmp.resolve("restored-" + UUID.randomUUID());
            assertEquals(cp.id(), reader.pullLatest(restored).get(45, TimeUnit.SECONDS).orElseThrow().checkpoint().id());
            for (final LocalFile file : cp.files())
            {
                assertEquals(-1L, Files.mismatch(root.resolve(file.name()), restored.resolve(file.name())), file.name());
            }
        }
    }

    @Test
    void serverErrorsAreRetriedThenThePushSucceeds() throws Exception
    {
        final Path root = tmp.resolve("node");
        final LocalCheckpoint cp = SyncFixture.writeCheckpoint(root, 1, T0, null, 11, 1000, 2000);
        // Both on one file: the CRT retries the 500 once itself and gets the 503, then this layer retries.
        final String firstKey = "/files/" + cp.files().get(0).name();
        final Predicate<FaultProxy.Request> firstFile = r -> FILE_PUT.test(r) && r.target().endsWith(firstKey);
        proxy.inject(firstFile, FaultProxy.Action.ERROR_500, 1).inject(firstFile, FaultProxy.Action.ERROR_503, 1);
        try (S3CheckpointSync sync = S3CheckpointSync.open(context(root)))
        {
            assertEquals(cp.id(), sync.push(cp).get(45, TimeUnit.SECONDS));
            assertEquals(SyncStatus.SUCCESS, sync.syncStatus(cp.id()));
            assertEquals(2, proxy.injectedCount());
            assertEquals(1, sync.progress().retries(), sync.progress().toString());
            assertEquals(3, proxy.count(l -> l.startsWith("PUT ") && l.endsWith(firstKey)), proxy.requests().toString());
        }
        assertRoundTrip(root, cp);
    }

    @Test
    void persistentServerErrorsGiveUpWithFailureNamingTheCause() throws Exception
    {
        final Path root = tmp.resolve("node");
        final LocalCheckpoint cp = SyncFixture.writeCheckpoint(root, 1, T0, null, 12, 1000);
        proxy.inject(FILE_PUT, FaultProxy.Action.ERROR_500, Integer.MAX_VALUE);
        try (S3CheckpointSync sync = S3CheckpointSync.open(context(root)))
        {
            final KeelException error = failure(sync.push(cp));
            assertEquals(SyncErrors.RETRIES_EXHAUSTED, error.code());
            assertEquals(KeelException.Category.SYNC, error.category());
            assertTrue(error.getMessage().contains("after 3 attempts"), error.getMessage());
            assertTrue(error.getMessage().toLowerCase().contains("internal server error"), error.getMessage());
            assertNotNull(error.getCause());
            final SyncStatus.Failure status = assertInstanceOf(SyncStatus.Failure.class, sync.syncStatus(cp.id()));
            assertEquals(SyncErrors.RETRIES_EXHAUSTED, status.error().code());
            assertEquals(Optional.empty(), sync.lastSuccessfulSync());
            assertEquals(1, sync.progress().pushFailures());
            // Bounded: maxAttempts (3) operation attempts, each one request and one CRT retry of it.
            final String firstKey = "/files/" + cp.files().get(0).name();
            assertEquals(3 * 2, proxy.count(l -> l.startsWith("PUT ") && l.contains(firstKey)), proxy.requests().toString());
        }
        // Nothing half-done is visible: no catalog was written.
        assertFalse(fixture.listAll(bucket).containsKey(S3CheckpointSync.CATALOG_OBJECT));
    }

    @Test
    void aStalledRequestTimesOutAndIsRetried() throws Exception
    {
        final Path root = tmp.resolve("node");
        final LocalCheckpoint cp = SyncFixture.writeCheckpoint(root, 1, T0, null, 13, 1000, 3000);
        proxy.inject(FILE_PUT, FaultProxy.Action.STALL, 1);
        try (S3CheckpointSync sync = S3CheckpointSync.open(context(root).requestTimeout(Duration.ofSeconds(4))))
        {
            assertEquals(cp.id(), sync.push(cp).get(45, TimeUnit.SECONDS));
            assertEquals(1, proxy.injectedCount());
            assertTrue(sync.progress().retries() >= 1);
        }
        assertRoundTrip(root, cp);
    }

    @Test
    void aStallThatNeverEndsGivesUpWithATimeout() throws Exception
    {
        final Path root = tmp.resolve("node");
        final LocalCheckpoint cp = SyncFixture.writeCheckpoint(root, 1, T0, null, 14, 1000);
        proxy.inject(FILE_PUT, FaultProxy.Action.STALL, Integer.MAX_VALUE);
        try (S3CheckpointSync sync = S3CheckpointSync.open(context(root).requestTimeout(Duration.ofSeconds(4)).maxAttempts(2)))
        {
            final KeelException error = failure(sync.push(cp));
            assertEquals(SyncErrors.RETRIES_EXHAUSTED, error.code());
            assertTrue(error.getMessage().contains("TimeoutException"), error.getMessage());
        }
    }

    @Test
    void aConnectionResetInTheMiddleOfAMultipartUploadIsRetried() throws Exception
    {
        final Path root = tmp.resolve("node");
        final LocalCheckpoint cp = SyncFixture.writeCheckpoint(root, 1, T0, null, 15, 12 * MB, 500);
        proxy.inject(r -> FILE_PUT.test(r) && r.target().contains("partNumber=2"), FaultProxy.Action.RESET, 1);
        try (S3CheckpointSync sync = S3CheckpointSync.open(context(root)))
        {
            assertEquals(cp.id(), sync.push(cp).get(45, TimeUnit.SECONDS));
            assertEquals(1, proxy.injectedCount(), proxy.requests().toString());
        }
        assertRoundTrip(root, cp);
    }

    @Test
    void anAuthErrorFailsAtOnceAndNeverShowsTheKeys() throws Exception
    {
        final Path root = tmp.resolve("node");
        final LocalCheckpoint cp = SyncFixture.writeCheckpoint(root, 1, T0, null, 16, 1000);
        // AWS echoes the access key id in its errors; a sloppy server might echo anything.
        proxy.forbiddenEcho(SyncFixture.ACCESS_KEY + " / " + SyncFixture.SECRET_KEY);
        proxy.inject(FILE_PUT, FaultProxy.Action.FORBIDDEN, Integer.MAX_VALUE);
        final SyncContext ctx = context(root);
        try (S3CheckpointSync sync = S3CheckpointSync.open(ctx))
        {
            final KeelException error = failure(sync.push(cp));
            assertEquals(SyncErrors.AUTH, error.code());
            assertTrue(error.getMessage().contains("HTTP 403 AccessDenied"), error.getMessage());
            assertTrue(error.getMessage().contains("not retried"), error.getMessage());
            assertEquals(1, proxy.injectedCount());
            assertEquals(0, sync.progress().retries());
            assertNoSecrets(error);
            assertNoSecrets(((SyncStatus.Failure)sync.syncStatus(cp.id())).error());
            assertNoSecretsIn(ctx.settings().toString());
            assertNoSecretsIn(sync.toString());
        }

        // A pull that is refused is an error too, never "no checkpoint".
        proxy.clearFaults();
        proxy.inject(r -> "GET".equals(r.method()), FaultProxy.Action.FORBIDDEN, Integer.MAX_VALUE);
        try (S3CheckpointSync reader = S3CheckpointSync.openReadOnly(context(null)))
        {
            final KeelException error = failure(reader.pullLatest(tmp.resolve("r")));
            assertEquals(SyncErrors.AUTH, error.code());
            assertNoSecrets(error);
        }
    }

    @Test
    void pullRetriesServerErrorsAndReportsAnUnreachableServerAsAnError() throws Exception
    {
        final Path root = tmp.resolve("node");
        final LocalCheckpoint cp = SyncFixture.writeCheckpoint(root, 1, T0, null, 17, 6 * MB, 700);
        try (S3CheckpointSync sync = S3CheckpointSync.open(context(root)))
        {
            sync.push(cp).get(45, TimeUnit.SECONDS);
        }
        proxy.inject(r -> "GET".equals(r.method()) && r.target().contains("/files/"), FaultProxy.Action.ERROR_500, 2);
        try (S3CheckpointSync reader = S3CheckpointSync.openReadOnly(context(null)))
        {
            final Path restored = tmp.resolve("r");
            assertEquals(cp.id(), reader.pullLatest(restored).get(45, TimeUnit.SECONDS).orElseThrow().checkpoint().id());
            assertEquals(-1L, Files.mismatch(root.resolve(cp.files().get(0).name()),
                restored.resolve(cp.files().get(0).name())));
            assertEquals(2, proxy.injectedCount());
        }
        proxy.close();
        try (S3CheckpointSync reader = S3CheckpointSync.openReadOnly(context(null)))
        {
            final KeelException error = failure(reader.pullLatest(tmp.resolve("unreachable")));
            assertEquals(SyncErrors.RETRIES_EXHAUSTED, error.code());
            assertTrue(error.getMessage().contains("127.0.0.1:" + proxy.port()), error.getMessage());
        }
    }

    private static void assertNoSecrets(final Throwable error)
    {
        final StringWriter trace = new StringWriter();
        error.printStackTrace(new PrintWriter(trace));
        assertNoSecretsIn(trace.toString());
        for (Throwable t = error; null != t; t = t.getCause())
        {
            assertNoSecretsIn(String.valueOf(t.getMessage()));
            assertNoSecretsIn(t.toString());
        }
    }

    private static void assertNoSecretsIn(final String text)
    {
        assertFalse(text.contains(SyncFixture.ACCESS_KEY), text);
        assertFalse(text.contains(SyncFixture.SECRET_KEY), text);
    }
}
