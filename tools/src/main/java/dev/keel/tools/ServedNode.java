package dev.keel.tools;

import dev.keel.engine.api.KeelPipeline;
import dev.keel.engine.circuit.PipelineState;
import org.agrona.concurrent.status.CountersReader;

/**
 * What the {@link ControlServer} serves: a node whose pipeline may not exist yet (the node starting, recovering,
 * or a sync standby), so that the server can answer from the moment the node starts. {@link KeelNode} is one;
 * {@link #of(KeelPipeline)} serves a pipeline an embedder launched itself. Every method is any-thread.
 */
public interface ServedNode
{
    /** The node's state: its pipeline's, or STANDBY / INITIALIZING / BOOTSTRAPPING / REPLAYING before it exists. */
    PipelineState state();

    /** The pipeline, or null while there is none yet. */
    KeelPipeline pipeline();

    /** The counters to export, or null while there are none yet. */
    CountersReader counters();

    /** What failed the node or its pipeline, or null. */
    Throwable failure();

    /** Errors its pipeline reported (0 without a pipeline). */
    long errorCount();

    /** A standby's pulls so far, or null if the node is not a standby. */
    default StandbyFollower.Status standbyStatus()
    {
        return null;
    }

    /**
     * Activates a standby, returning at once.
     *
     * @throws IllegalStateException if the node is not in STANDBY (or is being activated).
     */
    default void activate()
    {
        throw new IllegalStateException("pipeline is " + state() + "; only a node in STANDBY " +
            "(storage.backend.config.sync.standby: true) can be activated");
    }

    /**
     * A running pipeline as a served node.
     *
     * @param pipeline the pipeline.
     * @return a view of it.
     */
    static ServedNode of(final KeelPipeline pipeline)
    {
        return new ServedNode()
        {
            public PipelineState state()
            {
                return pipeline.state();
            }

            public KeelPipeline pipeline()
            {
                return pipeline;
            }

            public CountersReader counters()
            {
                return pipeline.counters();
            }

            public Throwable failure()
            {
                return pipeline.failure();
            }

            public long errorCount()
            {
                return pipeline.errorCount();
            }
        };
    }
}
