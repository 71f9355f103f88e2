package dev.keel.engine.api;

import dev.keel.engine.KeelException;
import dev.keel.engine.config.ThreadingMode;
import dev.keel.engine.data.Column;
import dev.keel.engine.data.ColumnType;
import dev.keel.engine.data.Schema;
import dev.keel.engine.spi.CheckpointStatus;
import dev.keel.engine.program.ProgramDefinition;
import dev.keel.engine.spi.CheckpointSync;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.time.Duration;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.atomic.AtomicInteger;

import static org.junit.jupiter.api.Assertions.*;

/**
 * The embedded sync API over the {@link CheckpointSync} SPI: waiting for Success, Failure and a timeout, and the
 * error that names the configuration key without a sync. (Against a real bucket: {@code NodeSyncTest} in tools.)
 */
@Timeout(60)
class KeelPipelineSyncTest
{
    private static final Schema SCHEMA = Schema.of(Column.of("id", ColumnType.INT64));
    private static final ProgramDefinition PROGRAM = p -> p.view("out", p.zsetTable("t", SCHEMA));

    /** A sync whose pushes finish after {@code polls} status reads with {@code outcome}. */
    private static final class ScriptedSync implements CheckpointSync
    {
        final UUID id = UUID.randomUUID();
        final AtomicInteger statusReads = new AtomicInteger();
        final int polls;
        final CheckpointStatus outcome;

        ScriptedSync(final int polls, final CheckpointStatus outcome)
        {
            this.polls = polls;
            this.outcome = outcome;
        }

        public UUID syncLatest()
        {
            return id;
        }

        public CheckpointStatus status(final UUID checkpoint)
        {
            if (!id.equals(checkpoint))
            {
                return CheckpointStatus.UNKNOWN;
            }
            return statusReads.incrementAndGet() > polls ? outcome : CheckpointStatus.IN_PROGRESS;
        }

        public Optional<UUID> lastSuccessful()
        {
            return outcome instanceof CheckpointStatus.Success && statusReads.get() > polls ?
                Optional.of(id) : Optional.empty();
        }
    }

    private static KeelPipeline launch(final CheckpointSync sync)
    {
        return Keel.launch(new EngineContext().threadingMode(ThreadingMode.INVOKER).faultTolerance().checkpointSync(sync).context(), PROGRAM);
    }

    @Test
    void syncCheckpointWaitsForSuccess() throws InterruptedException
    {
        final ScriptedSync sync = new ScriptedSync(3, CheckpointStatus.SUCCESS);
        try (KeelPipeline pipeline = launch(sync))
        {
            assertEquals(sync.id, pipeline.syncCheckpoint());
            assertEquals(Optional.empty(), pipeline.lastSuccessfulCheckpointSync());
            assertEquals(sync.id, pipeline.syncCheckpoint(Duration.ofSeconds(10)));
            assertTrue(sync.statusReads.get() > 3, "waited until the push finished");
            assertEquals(CheckpointStatus.SUCCESS, pipeline.syncCheckpointStatus(sync.id));
            assertEquals(Optional.of(sync.id), pipeline.lastSuccessfulCheckpointSync());
            assertEquals(CheckpointStatus.UNKNOWN, pipeline.syncCheckpointStatus(UUID.randomUUID()));
        }
    }

    @Test
    void syncCheckpointReportsFailureAndTimeout()
    {
        try (KeelPipeline pipeline = launch(new ScriptedSync(2, new CheckpointStatus.Failure("SYNC_AUTH: 403"))))
        {
            final KeelException failed = assertThrows(KeelException.class,
                () -> pipeline.syncCheckpoint(Duration.ofSeconds(10)));
            assertEquals("SYNC_FAILED", failed.code());
            assertTrue(failed.getMessage().contains("SYNC_AUTH: 403"), failed.getMessage());
        }
        try (KeelPipeline pipeline = launch(new ScriptedSync(Integer.MAX_VALUE, CheckpointStatus.SUCCESS)))
        {
            final KeelException timedOut = assertThrows(KeelException.class,
                () -> pipeline.syncCheckpoint(Duration.ofMillis(50)));
            assertEquals("SYNC_TIMEOUT", timedOut.code());
        }
    }

    @Test
    void withoutSyncTheErrorNamesTheConfigKey()
    {
        try (KeelPipeline pipeline = launch(null))
        {
            final IllegalStateException e = assertThrows(IllegalStateException.class, pipeline::syncCheckpoint);
            assertTrue(e.getMessage().contains("storage.backend.config.sync"), e.getMessage());
            assertThrows(IllegalStateException.class, () -> pipeline.syncCheckpoint(Duration.ofSeconds(1)));
            assertThrows(IllegalStateException.class, pipeline::lastSuccessfulCheckpointSync);
        }
    }
}
