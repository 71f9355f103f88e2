package dev.keel.connector.delta;

import dev.keel.engine.api.EngineContext;
import dev.keel.engine.api.InputHandle;
import dev.keel.engine.api.Keel;
import dev.keel.engine.api.KeelPipeline;
import dev.keel.engine.circuit.PipelineState;
import dev.keel.engine.config.FaultToleranceModel;
import dev.keel.engine.config.IdleStrategyType;
import dev.keel.engine.config.ThreadingMode;
import dev.keel.engine.connector.ConnectorContext;
import dev.keel.engine.data.RowWriter;
import dev.keel.engine.data.ZSetBatch;
import dev.keel.engine.program.ProgramDefinition;
import dev.keel.engine.status.KeelCounters;
import org.agrona.concurrent.status.CountersReader;
import dev.keel.sync.LoopbackProxy;
import dev.keel.sync.SyncFixture;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

import static dev.keel.connector.delta.DeltaCommitRetryTest.options;
import static dev.keel.connector.delta.DeltaCommitRetryTest.rows;
import static dev.keel.connector.delta.DeltaCommitRetryTest.settings;
import static dev.keel.connector.delta.DeltaCommitRetryTest.sorted;
import static dev.keel.connector.delta.DeltaCommitRetryTest.txn;
import static dev.keel.connector.delta.DeltaTestSupport.SCHEMA;
import static org.junit.jupiter.api.Assertions.*;

/**
 * The S3 server is cut (a {@link LoopbackProxy} in front of S3Mock stops: refused and reset connections) for
 * three seconds under a running pipeline (its own circuit and endpoint threads) whose {@code delta_table_output}
 * writes an {@code s3://} table through the proxy, and then restored on the same address, with the default retry
 * settings. The pipeline rides through: it stays RUNNING, its output retries its commits, and the final table holds
 * each input row exactly once, as an uninterrupted run's does, with the {@code txn} version of the last step.
 */
class DeltaS3OutageTest
{
    private static final ProgramDefinition PROGRAM = p -> p.view("v", p.zsetTable("t", SCHEMA));
    private static final int BATCHES = 40;
    private static final int ROWS = 20;

    private final RowWriter writer = new RowWriter(SCHEMA);

    private void feed(final InputHandle in, final int batch) throws InterruptedException
    {
        final ZSetBatch rows = new ZSetBatch(SCHEMA);
        for (int i = 0; i < ROWS; i++)
        {
            writer.reset().putLong(0, batch * 100L + i).putString(1, "s" + batch).putInt(2, i).putDouble(3, 1.5)
                .putLong(4, 12345).putLong(5, 7).putBool(6, true).putNull(7).finish();
            rows.add(writer, 1);
        }
        while (!in.push(rows))
        {
            Thread.sleep(1);
        }
        Thread.sleep(50);
    }

    /** The records without their {@code __keel_ts} (which step a row lands in depends on timing). */
    static List<String> withoutStep(final List<String> records)
    {
        final List<String> stripped = new ArrayList<>();
        for (final String record : records)
        {
            stripped.add(record.substring(0, record.lastIndexOf('|')));
        }
        return sorted(stripped);
    }

    @Test
    void aRunningPipelineRidesThroughAnS3OutageWithNothingLostOrDuplicated() throws Exception
    {
        final SyncFixture s3 = SyncFixture.shared();
        final String uri = "s3://" + s3.newBucket() + "/outage";
        int batch = 1;
        try (LoopbackProxy proxy = new LoopbackProxy(s3.s3Port).start())
        {
            final DeltaOutputEndpoint out = (DeltaOutputEndpoint)new DeltaOutputConnector().create(
                DeltaTestSupport.output(settings(uri, proxy.port(), "")), SCHEMA,
                new ConnectorContext().pipelineName("p").faultToleranceModel(FaultToleranceModel.EXACTLY_ONCE));
            final EngineContext ctx = new EngineContext()
                .pipelineName("outage")
                .threadingMode(ThreadingMode.DEDICATED)
                .idleStrategy(IdleStrategyType.SLEEPING)
                .pinCircuitThread(false)
                .output("out", "v", out);
            try (KeelPipeline pipeline = Keel.launch(ctx, PROGRAM))
            {
                final InputHandle in = pipeline.inputHandle("t");
                for (; batch <= 10; batch++)
                {
                    feed(in, batch);
                }
                final long deadline = System.nanoTime() + 60_000_000_000L;
                while (out.deliveredTransactionId() <= 0)
                {
                    assertTrue(System.nanoTime() < deadline, "nothing committed before the outage");
                    Thread.sleep(10);
                }

                proxy.stop();
                final long deliveredBefore = out.deliveredTransactionId();
                final long outageEndNs = System.nanoTime() + 3_000_000_000L;
                while (System.nanoTime() < outageEndNs)
                {
                    feed(in, batch++);
                }
                assertEquals(PipelineState.RUNNING, pipeline.state(), String.valueOf(pipeline.failure()));
                final long deliveredInOutage = out.deliveredTransactionId();
                proxy.start();

                for (; batch <= BATCHES; batch++)
                {
                    feed(in, batch);
                }
                in.close();
                assertTrue(pipeline.awaitCompletion(Duration.ofSeconds(120)), "completion");
                assertEquals(0, pipeline.errorCount());
                assertTrue(deliveredInOutage <= deliveredBefore + 1,
                    "at most a commit in flight at the cut got through: " + deliveredBefore + " -> " +
                    deliveredInOutage);
                assertTrue(out.deliveredTransactionId() > deliveredInOutage);
                assertEquals(out.deliveredTransactionId(), txn(uri), "the txn version is the last step's");
                final long retries = value(pipeline.counters(), "outage", KeelCounters.ENDPOINT_RETRIES_TYPE_ID,
                    "endpoint=out direction=output");
                assertTrue(retries >= 1, "the output retried its commits in the outage: " + retries);
                assertEquals(0, value(pipeline.counters(), "outage", KeelCounters.ENDPOINT_ERRORS_TYPE_ID,
                    "endpoint=out direction=output"));
            }
        }
        assertEquals(withoutStep(rows(1, batch - 1, ROWS)), withoutStep(DeltaTestSupport.readTable(uri, options())),
            "every row exactly once, as an uninterrupted run writes them");
    }

    /** The value of the one counter of {@code typeId} whose labels end with {@code pipeline=<pipeline> <labels>}. */
    static long value(final CountersReader counters, final String pipeline, final int typeId, final String labels)
    {
        final long[] found = { -1, 0 };
        counters.forEach((counterId, type, keyBuffer, label) ->
        {
            if (type == typeId && label.endsWith(" pipeline=" + pipeline + " " + labels))
            {
                found[0] = counters.getCounterValue(counterId);
                found[1]++;
            }
        });
        assertEquals(1, found[1], "one counter of type " + typeId + " with labels " + labels);
        return found[0];
    }
}
