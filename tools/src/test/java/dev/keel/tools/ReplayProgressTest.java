package dev.keel.tools;

import dev.keel.engine.status.KeelCounters;
import dev.keel.engine.circuit.PipelineState;
import org.agrona.concurrent.status.AtomicCounter;
import org.junit.jupiter.api.Test;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.*;

/**
 * {@code keel run}'s replay progress over a real counters registry holding the replay counters of two pipelines:
 * it follows its own pipeline's figures while REPLAYING and prints the outcome once, when the state moves on.
 */
class ReplayProgressTest
{
    private static final long S = TimeUnit.SECONDS.toNanos(1);

    @Test
    void followsItsPipelinesReplayAndEndsOnce()
    {
        final KeelCounters registry = new KeelCounters(KeelCounters.DEFAULT_VALUES_BUFFER_LENGTH);
        try (AtomicCounter otherTotal = KeelCounters.newCounter(registry.countersManager(),
            KeelCounters.REPLAY_JOURNAL_BYTES_TYPE_ID, "other", null);
            AtomicCounter total = KeelCounters.newCounter(registry.countersManager(),
                KeelCounters.REPLAY_JOURNAL_BYTES_TYPE_ID, "p", null);
            AtomicCounter done = KeelCounters.newCounter(registry.countersManager(),
                KeelCounters.REPLAYED_JOURNAL_BYTES_TYPE_ID, "p", null))
        {
            otherTotal.set(999);
            total.set(8192);
            final StringWriter text = new StringWriter();
            final ReplayProgress progress = new ReplayProgress("p",
                new PrintWriter(text), false, 5 * S);

            progress.poll(registry.countersManager(), PipelineState.BOOTSTRAPPING, 0);
            assertEquals("", text.toString(), "nothing before the replay");
            progress.poll(registry.countersManager(), PipelineState.REPLAYING, S);
            done.set(2048);
            progress.poll(registry.countersManager(), PipelineState.REPLAYING, 2 * S);
            done.set(4096);
            progress.poll(registry.countersManager(), PipelineState.REPLAYING, 6 * S);
            done.set(8192);
            progress.poll(registry.countersManager(), PipelineState.RUNNING, 7 * S);
            progress.poll(registry.countersManager(), PipelineState.RUNNING, 8 * S);
            progress.poll(registry.countersManager(), PipelineState.REPLAYING, 9 * S);

            assertEquals("pipeline 'p' replay: 50% 4.0 KiB/8.0 KiB, 819 B/s, ETA 5s, 5s elapsed\n" +
                "pipeline 'p' replay: done after 6s (8.0 KiB of 8.0 KiB, 1.3 KiB/s)\n", text.toString());
        }
        finally
        {
            registry.close();
        }
    }

    @Test
    void aFailedReplaySaysSo()
    {
        final KeelCounters registry = new KeelCounters(KeelCounters.DEFAULT_VALUES_BUFFER_LENGTH);
        try
        {
            final StringWriter text = new StringWriter();
            final ReplayProgress progress = new ReplayProgress("p",
                new PrintWriter(text), true, 5 * S);
            progress.poll(registry.countersManager(), PipelineState.REPLAYING, 0);
            progress.poll(registry.countersManager(), PipelineState.FAILED, S);
            final String out = text.toString();
            assertTrue(out.startsWith("\rpipeline 'p' replay  0 B, rate -, 0s elapsed"), out);
            assertTrue(out.endsWith("\npipeline 'p' replay: failed after 1s (0 B, 0 B/s)\n"), out);
        }
        finally
        {
            registry.close();
        }
    }
}
