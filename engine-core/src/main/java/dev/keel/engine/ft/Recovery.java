package dev.keel.engine.ft;

import dev.keel.engine.api.InputAttachment;
import dev.keel.engine.api.OutputAttachment;
import dev.keel.engine.KeelException;
import dev.keel.engine.api.EngineContext;
import dev.keel.engine.circuit.CircuitAgent;
import dev.keel.engine.circuit.PipelineState;
import dev.keel.engine.config.FaultToleranceModel;
import dev.keel.engine.program.Program;
import dev.keel.engine.spi.CheckpointInfo;
import dev.keel.engine.spi.CheckpointMetadata;
import dev.keel.engine.spi.CheckpointStore;
import dev.keel.engine.spi.Journal;
import dev.keel.engine.spi.LoadedCheckpoint;
import dev.keel.engine.state.MetaBuffer;

import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;

/**
 * Fault tolerance at launch: {@code INITIALIZING -> BOOTSTRAPPING} (load the newest valid checkpoint into the
 * program and open the endpoints where it left them) and the {@link CheckpointCoordinator} that takes the next
 * ones. The journal replay ({@code REPLAYING}) then runs on the circuit's first duty cycle.
 * <p>
 * Bootstrap policy: {@code reject} only. A checkpoint of a program with another fingerprint is refused.
 */
public final class Recovery
{
    private static final System.Logger LOGGER = System.getLogger("dev.keel.engine.ft");

    private Recovery()
    {
    }

    /**
     * Bootstraps the circuit from the store's newest valid checkpoint, or opens the endpoints fresh if there is
     * none, and installs a checkpoint coordinator. Runs as the circuit's bootstrap task, in its first duty cycle.
     *
     * @param ctx     concluded settings, with a checkpoint store.
     * @param circuit the circuit, in INITIALIZING, endpoints not opened.
     * @param inputs  input attachments in journal order (as given to the circuit).
     * @param outputs output attachments in order (as given to the circuit).
     * @param counters where the coordinator's counters are allocated.
     * @return the coordinator.
     * @throws KeelException of category RECOVERY or STORAGE if no checkpoint can be used safely.
     */
    public static CheckpointCoordinator bootstrap(
        final EngineContext ctx,
        final CircuitAgent circuit,
        final List<InputAttachment> inputs,
        final List<OutputAttachment> outputs,
        final org.agrona.concurrent.status.CountersManager counters)
    {
        final CheckpointStore store = ctx.faultTolerance().checkpointStore();
        final Journal journal = ctx.faultTolerance().journal();
        final FaultToleranceModel model = ctx.faultTolerance().faultToleranceModel();
        final Program program = circuit.program();
        final String name = ctx.pipelineName();

        circuit.lifecycle().transition(PipelineState.BOOTSTRAPPING);
        final Optional<LoadedCheckpoint> latest = store.loadLatest();
        if (latest.isEmpty())
        {
            LOGGER.log(System.Logger.Level.INFO, "pipeline ''{0}'': no checkpoint, starting {1}", name,
                null != journal ? "from the journal's first step" : "fresh");
            circuit.openEndpoints();
        }
        else
        {
            restore(name, circuit, store, journal, model, program, latest.get(), inputs, outputs);
        }

        final Set<UUID> committed = new HashSet<>();
        for (final CheckpointInfo info : store.list())
        {
            committed.add(info.id());
        }
        final CheckpointRequests requests = new CheckpointRequests(null == ctx.faultTolerance().checkpointRequestsDir() ? null :
            new dev.keel.engine.storage.FileStorageBackend(ctx.faultTolerance().checkpointRequestsDir()), committed);
        final String[] outputNames = new String[outputs.size()];
        final dev.keel.engine.connector.OutputEndpoint[] endpoints =
            new dev.keel.engine.connector.OutputEndpoint[outputs.size()];
        for (int i = 0; i < outputs.size(); i++)
        {
            outputNames[i] = outputs.get(i).name();
            endpoints[i] = outputs.get(i).endpoint();
        }
        final CheckpointCoordinator coordinator = new CheckpointCoordinator(name, store, journal, model.jsonName(),
            outputNames, endpoints, ctx.stepListener(), ctx.faultTolerance().checkpointIntervalNs(), requests, counters);
        coordinator.bind(circuit);
        circuit.stepListener(coordinator);
        circuit.dutyCycleHook(coordinator);
        return coordinator;
    }

    private static void restore(
        final String name,
        final CircuitAgent circuit,
        final CheckpointStore store,
        final Journal journal,
        final FaultToleranceModel model,
        final Program program,
        final LoadedCheckpoint checkpoint,
        final List<InputAttachment> inputs,
        final List<OutputAttachment> outputs)
    {
        LoadedCheckpoint loaded = checkpoint;
        while (true)
        {
            check(name, journal, program, loaded);
            try
            {
                store.restoreInto(loaded, program.arena());
                break;
            }
            catch (final KeelException ex)
            {
                if (ex.category() != KeelException.Category.STORAGE)
                {
                    throw ex;
                }
                // a corrupt page shows only when read: skip this checkpoint and restore the previous one over
                // the same arena (restoreMeta resets the allocator, every referenced page is read again)
                LOGGER.log(System.Logger.Level.WARNING, "pipeline ''{0}'': checkpoint {1} cannot be restored: {2}",
                    name, loaded.id(), ex.getMessage());
                store.skip(loaded.id(), ex.getMessage());
                loaded = store.loadLatest().orElseThrow(() -> ex);
            }
        }
        final CheckpointMetadata metadata = loaded.metadata();
        final long step = metadata.step();
        final String where = "pipeline '" + name + "': checkpoint " + loaded.id() + " (step " + step + ")";
        for (final String warning : loaded.warnings())
        {
            LOGGER.log(System.Logger.Level.WARNING, "pipeline ''{0}'': {1}; falling back to checkpoint {2} (step " +
                "{3}){4}", name, warning, loaded.id(), step,
                null != journal ? ", the journal covers the steps after it" :
                ", input after it is read again (output after it may repeat)");
        }

        program.loadMeta(new MetaBuffer(metadata.programMeta()));

        final Map<String, Long> inputPositions = metadata.inputPositions();
        final Map<String, CheckpointMetadata.OutputPosition> outputPositions = metadata.outputPositions();
        if (inputPositions.size() != inputs.size() || outputPositions.size() != outputs.size())
        {
            throw endpointsChanged(where, inputPositions.keySet(), outputPositions.keySet(), inputs, outputs);
        }
        final long[] in = new long[inputs.size()];
        final byte[][] inTokens = new byte[inputs.size()][];
        for (int i = 0; i < in.length; i++)
        {
            final Long position = inputPositions.get(inputs.get(i).name());
            if (null == position)
            {
                throw endpointsChanged(where, inputPositions.keySet(), outputPositions.keySet(), inputs, outputs);
            }
            in[i] = position;
            inTokens[i] = metadata.inputToken(inputs.get(i).name());
        }
        final long[] out = new long[outputs.size()];
        final long[] outTransactions = new long[outputs.size()];
        for (int i = 0; i < out.length; i++)
        {
            final CheckpointMetadata.OutputPosition position = outputPositions.get(outputs.get(i).name());
            if (null == position)
            {
                throw endpointsChanged(where, inputPositions.keySet(), outputPositions.keySet(), inputs, outputs);
            }
            out[i] = position.deliveredPosition();
            // exactly_once: replay re-creates the same transactions up to the delivered one, the sink skips them.
            // Otherwise the steps after the checkpoint are re-run with new boundaries: every new transaction is
            // written after what was delivered (at least once).
            outTransactions[i] = model == FaultToleranceModel.EXACTLY_ONCE ?
                Math.max(step, position.deliveredTransactionId()) : step;
        }
        circuit.openEndpointsAt(step, in, inTokens, out, outTransactions);
        if (null != journal)
        {
            circuit.journalReplayFromPosition(metadata.journalPosition());
        }
        LOGGER.log(System.Logger.Level.INFO, "{0} restored ({1} model){2}", where, model.jsonName(),
            null != journal ? ", replaying the journal from position " + metadata.journalPosition() + " to " +
            journal.position() : "");
    }

    private static void check(
        final String name, final Journal journal, final Program program, final LoadedCheckpoint checkpoint)
    {
        final CheckpointMetadata metadata = checkpoint.metadata();
        final String where =
            "pipeline '" + name + "': checkpoint " + checkpoint.id() + " (step " + metadata.step() + ")";
        if (metadata.programFingerprint() != program.fingerprint())
        {
            throw new KeelException(KeelException.Category.RECOVERY, "BOOTSTRAP_PROGRAM_CHANGED", where +
                " was written by a program with fingerprint " + Long.toHexString(metadata.programFingerprint()) +
                ", this program's is " + Long.toHexString(program.fingerprint()) + "; bootstrap policy 'reject' " +
                "refuses to start (run the program that wrote it, or remove the storage directory to start afresh)");
        }
        if (null != journal)
        {
            final long start = journal.startPosition();
            if (metadata.journalPosition() < start || metadata.journalPosition() > journal.position())
            {
                throw new KeelException(KeelException.Category.RECOVERY, "RECOVERY_JOURNAL_GAP", where +
                    " resumes at journal position " + metadata.journalPosition() + " but the journal holds [" + start +
                    ", " + journal.position() + "]" + (checkpoint.warnings().isEmpty() ? "" :
                    " (the newer checkpoints were unusable: " + checkpoint.warnings() + ")") +
                    "; the steps in between are lost, refusing to start; see keel checkpoint verify and keel " +
                    "journal dump");
            }
        }
    }

    private static KeelException endpointsChanged(
        final String where,
        final Set<String> checkpointInputs,
        final Set<String> checkpointOutputs,
        final List<InputAttachment> inputs,
        final List<OutputAttachment> outputs)
    {
        final StringBuilder in = new StringBuilder();
        for (final InputAttachment input : inputs)
        {
            in.append(in.length() > 0 ? ", " : "").append(input.name());
        }
        final StringBuilder out = new StringBuilder();
        for (final OutputAttachment output : outputs)
        {
            out.append(out.length() > 0 ? ", " : "").append(output.name());
        }
        return new KeelException(KeelException.Category.RECOVERY, "RECOVERY_ENDPOINTS_CHANGED", where +
            " has inputs " + checkpointInputs + " and outputs " + checkpointOutputs + ", the pipeline has inputs [" +
            in + "] and outputs [" + out + "]");
    }
}
