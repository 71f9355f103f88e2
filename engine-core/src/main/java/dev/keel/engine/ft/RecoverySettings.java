package dev.keel.engine.ft;

import dev.keel.engine.circuit.StepListener;
import dev.keel.engine.config.BootstrapPolicy;
import dev.keel.engine.config.FaultToleranceModel;
import dev.keel.engine.spi.CheckpointStore;
import dev.keel.engine.spi.Journal;

import java.nio.file.Path;

/**
 * The concluded settings a {@link Recovery} bootstraps with, as {@code FaultToleranceContext.recoverySettings()}
 * derives them: recovery reads no context of the layer above it.
 *
 * @param pipelineName          the pipeline's name.
 * @param checkpointStore       where checkpoints are loaded from and written to.
 * @param journal               the input journal, or null.
 * @param model                 the fault-tolerance model the pipeline runs.
 * @param bootstrapPolicy       what a changed program does.
 * @param silentBootstrap       whether a changed program's recompute step sends nothing to the outputs.
 * @param checkpointRequestsDir where checkpoint request statuses are kept, or null for memory only.
 * @param stepListener          the host's step listener (the coordinator wraps it), or null.
 * @param checkpointIntervalNs  the periodic checkpoint interval, 0 for none.
 */
public record RecoverySettings(
    String pipelineName,
    CheckpointStore checkpointStore,
    Journal journal,
    FaultToleranceModel model,
    BootstrapPolicy bootstrapPolicy,
    boolean silentBootstrap,
    Path checkpointRequestsDir,
    StepListener stepListener,
    long checkpointIntervalNs)
{
}
