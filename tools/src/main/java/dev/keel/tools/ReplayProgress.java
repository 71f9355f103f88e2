package dev.keel.tools;

import dev.keel.engine.api.KeelPipeline;
import dev.keel.engine.status.KeelCounters;
import dev.keel.engine.circuit.PipelineState;
import org.agrona.concurrent.status.CountersReader;

import java.io.PrintWriter;
import java.util.concurrent.TimeUnit;

/**
 * What {@code keel run} shows while its pipeline replays the journal: a {@link Progress} over the pipeline's
 * {@code keel_replayed_journal_bytes} of {@code keel_replay_journal_bytes}, polled from the command's wait loop (a
 * bar on a terminal, a plain line every 5 s otherwise), ended with the outcome once the state leaves REPLAYING.
 */
final class ReplayProgress
{
    private final String pipeline;
    private final PrintWriter out;
    private final boolean terminal;
    private final long plainIntervalNs;
    private Progress progress;
    private int totalId = CountersReader.NULL_COUNTER_ID;
    private int doneId = CountersReader.NULL_COUNTER_ID;
    private boolean finished;

    /**
     * @param pipeline        its name (the counters' label, and the progress's).
     * @param out             where to show the progress.
     * @param terminal        true to redraw one line in place.
     * @param plainIntervalNs at least this long between two plain lines.
     */
    ReplayProgress(final String pipeline, final PrintWriter out, final boolean terminal, final long plainIntervalNs)
    {
        this.pipeline = pipeline;
        this.out = out;
        this.terminal = terminal;
        this.plainIntervalNs = plainIntervalNs;
    }

    /** For {@code keel run}: on standard error, a bar when there is a console. */
    static ReplayProgress forRun(final String pipeline)
    {
        return new ReplayProgress(pipeline, new PrintWriter(System.err, true), null != System.console(),
            TimeUnit.SECONDS.toNanos(5));
    }

    /**
     * {@link #poll(CountersReader, PipelineState, long)} of a launched pipeline; nothing while there is none yet.
     *
     * @param pipeline the pipeline, or null.
     * @param nowNs    the time.
     */
    void poll(final KeelPipeline pipeline, final long nowNs)
    {
        if (null != pipeline)
        {
            poll(pipeline.counters(), pipeline.state(), nowNs);
        }
    }

    /**
     * Shows the replay's progress if the pipeline replays, or its end once it stopped replaying.
     *
     * @param counters the counters holding the pipeline's replay counters.
     * @param state    the pipeline's state now.
     * @param nowNs    the time.
     */
    void poll(final CountersReader counters, final PipelineState state, final long nowNs)
    {
        if (finished)
        {
            return;
        }
        if (state == PipelineState.REPLAYING)
        {
            if (null == progress)
            {
                find(counters);
                progress = new Progress(out, terminal, "pipeline '" + pipeline + "' replay", Progress.Unit.BYTES,
                    plainIntervalNs);
                progress.begin(nowNs);
            }
            progress.update(nowNs, value(counters, doneId), value(counters, totalId));
        }
        else if (null != progress)
        {
            finished = true;
            progress.update(nowNs, value(counters, doneId), value(counters, totalId));
            progress.finish(nowNs, state == PipelineState.FAILED ? "failed" : "done");
        }
    }

    private void find(final CountersReader counters)
    {
        final String label = "pipeline=" + pipeline;
        counters.forEach((counterId, typeId, keyBuffer, text) ->
        {
            final String[] parts = text.split(" ");
            if (parts.length == 2 && parts[1].equals(label))
            {
                if (typeId == KeelCounters.REPLAY_JOURNAL_BYTES_TYPE_ID)
                {
                    totalId = counterId;
                }
                else if (typeId == KeelCounters.REPLAYED_JOURNAL_BYTES_TYPE_ID)
                {
                    doneId = counterId;
                }
            }
        });
    }

    private static long value(final CountersReader counters, final int counterId)
    {
        return counterId == CountersReader.NULL_COUNTER_ID ? 0 : counters.getCounterValue(counterId);
    }
}
