package dev.keel.tools;

import dev.keel.checkpoint.FileCheckpointStore;
import dev.keel.engine.api.Keel;
import dev.keel.engine.api.EngineContext;
import dev.keel.engine.api.InputHandle;
import dev.keel.engine.api.KeelPipeline;
import dev.keel.engine.api.OutputHandle;
import dev.keel.engine.circuit.PipelineState;
import dev.keel.engine.config.FaultToleranceModel;
import dev.keel.engine.config.ThreadingMode;
import dev.keel.engine.data.Column;
import dev.keel.engine.data.ColumnType;
import dev.keel.engine.data.RowWriter;
import dev.keel.engine.data.Schema;
import dev.keel.engine.spi.CheckpointStatus;
import dev.keel.engine.operators.Agg;
import dev.keel.engine.program.ProgramDefinition;
import dev.keel.engine.spi.CheckpointStore;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.*;

/**
 * The embedded checkpoint API: sequence numbers, statuses, coalescing, statuses after a restart, a failing
 * checkpoint that leaves the pipeline running, and the {@code none} model resuming after a clean stop. INVOKER
 * threading, so that nothing runs between two calls unless the test invokes the duty cycles.
 */
class CheckpointApiTest
{
    private static final Schema TRADES = Schema.of(
        Column.of("symbol", ColumnType.STRING), Column.of("qty", ColumnType.INT64));
    private static final ProgramDefinition PROGRAM = p -> p.view("volume", p.table("trades", TRADES)
        .aggregate("by_symbol", new String[]{ "symbol" }, Agg.count("trades"), Agg.sum("qty", "volume")));

    @TempDir
    Path dir;

    @Test
    void requestsCoalesceAndStatusesSurviveARestart() throws Exception
    {
        final long s1;
        final long s2;
        final long s3;
        final long s4;
        try (KeelPipeline pipeline = launch(new FileCheckpointStore(storeContext()), false))
        {
            push(pipeline, "AAPL", 10);
            invoke(pipeline, 200);

            s1 = pipeline.checkpoint();
            s2 = pipeline.checkpoint();
            assertEquals(s1 + 1, s2);
            assertEquals(CheckpointStatus.IN_PROGRESS, pipeline.checkpointStatus(s1));
            assertEquals(CheckpointStatus.UNKNOWN, pipeline.checkpointStatus(s2 + 1), "never issued");
            assertEquals(CheckpointStatus.UNKNOWN, pipeline.checkpointStatus(0));

            awaitNotInProgress(pipeline, s2);
            assertEquals(CheckpointStatus.SUCCESS, pipeline.checkpointStatus(s1));
            assertEquals(CheckpointStatus.SUCCESS, pipeline.checkpointStatus(s2));
            assertEquals(1, pipeline.checkpointCoordinator().succeededCount(), "both requests, one checkpoint");

            s3 = s2 + 1;
            assertEquals(CheckpointStatus.SUCCESS, pipeline.checkpoint(Duration.ofSeconds(30)));
            assertEquals(2, pipeline.checkpointCoordinator().succeededCount());

            s4 = pipeline.checkpoint(); // issued, never run: the pipeline closes without invoking
            assertEquals(CheckpointStatus.IN_PROGRESS, pipeline.checkpointStatus(s4));
        }

        try (KeelPipeline pipeline = launch(new FileCheckpointStore(storeContext()), false))
        {
            assertEquals(CheckpointStatus.SUCCESS, pipeline.checkpointStatus(s1));
            assertEquals(CheckpointStatus.SUCCESS, pipeline.checkpointStatus(s2));
            assertEquals(CheckpointStatus.SUCCESS, pipeline.checkpointStatus(s3));
            final CheckpointStatus lost = pipeline.checkpointStatus(s4);
            assertTrue(lost instanceof CheckpointStatus.Failure &&
                ((CheckpointStatus.Failure)lost).error().contains("stopped"), lost.toString());
            assertEquals(CheckpointStatus.UNKNOWN, pipeline.checkpointStatus(s4 + 1));
            assertEquals(s4 + 1, pipeline.checkpoint(), "numbering goes on after a restart");
        }
    }

    @Test
    void aFailedCheckpointReportsItsErrorAndThePipelineRunsOn() throws Exception
    {
        final FailingOnceCheckpointStore store =
            new FailingOnceCheckpointStore(new FileCheckpointStore(storeContext()));
        try (KeelPipeline pipeline = launch(store, false))
        {
            push(pipeline, "AAPL", 10);
            invoke(pipeline, 200);
            final CheckpointStatus failed = pipeline.checkpoint(Duration.ofSeconds(30));
            assertTrue(failed instanceof CheckpointStatus.Failure &&
                ((CheckpointStatus.Failure)failed).error().contains("injected"), failed.toString());
            assertEquals(1, pipeline.checkpointCoordinator().failedCount());
            assertEquals(PipelineState.RUNNING, pipeline.state());

            push(pipeline, "MSFT", 5);
            invoke(pipeline, 200);
            assertEquals(CheckpointStatus.SUCCESS, pipeline.checkpoint(Duration.ofSeconds(30)),
                "the next checkpoint writes every page again and succeeds");
        }
        try (KeelPipeline pipeline = launch(new FileCheckpointStore(storeContext()), false))
        {
            push(pipeline, "AAPL", 1);
            assertEquals(List.of("('AAPL', 10, 100) x-1", "('AAPL', 11, 110) x1"), complete(pipeline),
                "restored from the full checkpoint after the failed one");
        }
    }

    @Test
    void noneModelResumesAfterACleanStop() throws Exception
    {
        try (KeelPipeline pipeline = launch(new FileCheckpointStore(storeContext()), true))
        {
            push(pipeline, "AAPL", 3);
            invoke(pipeline, 200);
        } // close() checkpoints
        try (KeelPipeline pipeline = launch(new FileCheckpointStore(storeContext()), true))
        {
            push(pipeline, "AAPL", 2);
            final List<String> changes = complete(pipeline);
            assertTrue(changes.contains("('AAPL', 5, 50) x1") && changes.contains("('AAPL', 3, 30) x-1"),
                "the restart continued from the 3 trades of the first run: " + changes);
        }
    }

    @Test
    void checkpointRightAfterAReplayWithNoNewStep() throws Exception
    {
        try (KeelPipeline pipeline = launchExactlyOnce())
        {
            push(pipeline, "AAPL", 4);
            invoke(pipeline, 500);
        } // no checkpoint on close: the journal alone holds the steps, as after a crash
        try (KeelPipeline pipeline = launchExactlyOnce())
        {
            // the replay is polled a duty cycle at a time while the archive streams the journal on its own thread
            final long deadline = System.nanoTime() + 10_000_000_000L;
            while (pipeline.state() == PipelineState.REPLAYING && System.nanoTime() < deadline)
            {
                invoke(pipeline, 50);
            }
            assertEquals(PipelineState.RUNNING, pipeline.state());
            assertTrue(pipeline.circuit().lastStep() > 0, "steps were replayed");
            assertEquals(CheckpointStatus.SUCCESS, pipeline.checkpoint(Duration.ofSeconds(10)),
                "the last step was a replayed one: the checkpoint covers it");
        }
    }

    private KeelPipeline launchExactlyOnce()
    {
        return Keel.launch(new EngineContext()
            .threadingMode(ThreadingMode.INVOKER)
            .faultTolerance()
            .journal(dev.keel.wal.AeronJournal.launch(new dev.keel.wal.AeronJournal.Context()
                .journalDir(dir.resolve("journal"))))
            .checkpointStore(new FileCheckpointStore(storeContext()))
            .checkpointRequestsDir(dir.resolve("checkpoints"))
            .checkpointOnClose(false)
            .context(), PROGRAM);
    }

    private FileCheckpointStore.Context storeContext()
    {
        return new FileCheckpointStore.Context().storageDir(dir).retainedCheckpoints(2);
    }

    private KeelPipeline launch(final CheckpointStore store, final boolean checkpointOnClose)
    {
        return Keel.launch(new EngineContext()
            .threadingMode(ThreadingMode.INVOKER)
            .faultTolerance()
            .faultToleranceModel(FaultToleranceModel.NONE)
            .checkpointStore(store)
            .checkpointRequestsDir(dir.resolve("checkpoints"))
            .checkpointOnClose(checkpointOnClose)
            .context(), PROGRAM);
    }

    private static void push(final KeelPipeline pipeline, final String symbol, final int count)
    {
        final InputHandle in = pipeline.inputHandle("trades");
        final RowWriter row = new RowWriter(TRADES);
        for (int i = 0; i < count; i++)
        {
            row.reset().putString(0, symbol).putLong(1, 10);
            row.finish();
            assertTrue(in.insert(row));
        }
    }

    private static void invoke(final KeelPipeline pipeline, final int cycles)
    {
        for (int i = 0; i < cycles; i++)
        {
            pipeline.invoke();
        }
    }

    private static void awaitNotInProgress(final KeelPipeline pipeline, final long seq)
    {
        final long deadline = System.nanoTime() + 30_000_000_000L;
        while (pipeline.checkpointStatus(seq) instanceof CheckpointStatus.InProgress)
        {
            assertTrue(System.nanoTime() < deadline, "checkpoint " + seq + " still in progress");
            pipeline.invoke();
        }
    }

    private static List<String> complete(final KeelPipeline pipeline) throws Exception
    {
        pipeline.inputHandle("trades").close();
        assertTrue(pipeline.awaitCompletion(Duration.ofSeconds(30)));
        final OutputHandle out = pipeline.outputHandle("volume");
        final List<String> changes = new ArrayList<>();
        while (out.poll() > 0)
        {
            Thread.onSpinWait();
        }
        out.forEachRow((view, weight) -> changes.add(view + " x" + weight));
        changes.sort(null);
        return changes;
    }
}
