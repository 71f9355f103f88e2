package dev.keel.engine.ft;

import dev.keel.engine.circuit.InputAttachment;
import dev.keel.engine.circuit.OutputAttachment;
import dev.keel.engine.KeelException;
import dev.keel.engine.circuit.CircuitAgent;
import dev.keel.engine.circuit.PipelineState;
import dev.keel.engine.config.BootstrapPolicy;
import dev.keel.engine.config.FaultToleranceModel;
import dev.keel.engine.program.Program;
import dev.keel.engine.program.ProgramChange;
import dev.keel.engine.program.ProgramShape;
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
import java.util.function.BooleanSupplier;

/**
 * Fault tolerance at launch: {@code INITIALIZING -> BOOTSTRAPPING} (load the newest valid checkpoint into the
 * program and open the endpoints where it left them) and the {@link CheckpointCoordinator} that takes the next
 * ones. The journal replay ({@code REPLAYING}) then runs on the circuit's first duty cycles. Polled as the circuit's
 * bootstrap task ({@link #getAsBoolean()}), one duty cycle at a time, never blocking.
 * <p>
 * <b>Bootstrap policy.</b> When the checkpoint was written by another version of the program (another
 * fingerprint), the two are compared operator by operator ({@link ProgramChange}) and the
 * {@link BootstrapPolicy} decides: {@code allow} keeps the state of the unchanged operators and recomputes the
 * new and modified views from the input tables' contents in a recompute step after the replay; {@code reject}
 * refuses naming the changed views; {@code await_approval} waits in {@code AWAITING_APPROVAL} until
 * {@link #approve()}. Changed input tables cannot be recomputed from and are refused under every policy.
 * <p>
 * <b>Fault-tolerance model change.</b> A checkpoint written without a journal (at_least_once or none) restored
 * under exactly_once fences the journal: what it holds is older than the checkpoint, so nothing is replayed, and a
 * checkpoint is requested at once; until it is durable a crash delivers at least once. An exactly_once checkpoint
 * restored under at_least_once restores from its input positions and ignores the journal.
 */
public final class Recovery implements BooleanSupplier
{
    private static final System.Logger LOGGER = System.getLogger("dev.keel.engine.ft");

    private final RecoverySettings settings;
    private final CircuitAgent circuit;
    private final List<InputAttachment> inputs;
    private final List<OutputAttachment> outputs;
    private final org.agrona.concurrent.status.CountersManager counters;
    private final BootstrapPolicy policy;
    private volatile ProgramChange change;
    private volatile boolean approved;
    private boolean begun;
    private LoadedCheckpoint pending;
    private CheckpointCoordinator coordinator;

    /**
     * @param settings concluded settings ({@code FaultToleranceContext.recoverySettings()}).
     * @param circuit  the circuit, in INITIALIZING, endpoints not opened.
     * @param inputs   input attachments in journal order (as given to the circuit).
     * @param outputs  output attachments in order (as given to the circuit).
     * @param counters where the coordinator's counters are allocated.
     */
    public Recovery(
        final RecoverySettings settings,
        final CircuitAgent circuit,
        final List<InputAttachment> inputs,
        final List<OutputAttachment> outputs,
        final org.agrona.concurrent.status.CountersManager counters)
    {
        this.settings = settings;
        this.circuit = circuit;
        this.inputs = inputs;
        this.outputs = outputs;
        this.counters = counters;
        this.policy = settings.bootstrapPolicy();
    }

    /**
     * Bootstraps in one call (policy await_approval is refused: nothing would approve); see {@link #getAsBoolean()}.
     *
     * @param settings concluded settings ({@code FaultToleranceContext.recoverySettings()}).
     * @param circuit  the circuit, in INITIALIZING, endpoints not opened.
     * @param inputs   input attachments in journal order (as given to the circuit).
     * @param outputs  output attachments in order (as given to the circuit).
     * @param counters where the coordinator's counters are allocated.
     * @return the coordinator.
     * @throws KeelException of category RECOVERY or STORAGE if no checkpoint can be used safely.
     */
    public static CheckpointCoordinator bootstrap(
        final RecoverySettings settings,
        final CircuitAgent circuit,
        final List<InputAttachment> inputs,
        final List<OutputAttachment> outputs,
        final org.agrona.concurrent.status.CountersManager counters)
    {
        final Recovery recovery = new Recovery(settings, circuit, inputs, outputs, counters);
        if (!recovery.getAsBoolean())
        {
            throw new KeelException(KeelException.Category.RECOVERY, "BOOTSTRAP_AWAITING_APPROVAL",
                "pipeline '" + settings.pipelineName() + "': " + recovery.change().describe() + "; bootstrap policy " +
                "await_approval needs a polled bootstrap (KeelPipeline) to be approved");
        }
        return recovery.coordinator();
    }

    /** The coordinator, once {@link #getAsBoolean()} answered true, else null. */
    public CheckpointCoordinator coordinator()
    {
        return coordinator;
    }

    /** How the program differs from the checkpoint's, once known; null if it does not (or no checkpoint). */
    public ProgramChange change()
    {
        return change;
    }

    /**
     * Lets a bootstrap waiting in AWAITING_APPROVAL proceed (it does so in the circuit's next duty cycle). Any
     * thread.
     *
     * @throws IllegalStateException in any other state.
     */
    public void approve()
    {
        final PipelineState state = circuit.state();
        if (state != PipelineState.AWAITING_APPROVAL)
        {
            throw new IllegalStateException("pipeline '" + settings.pipelineName() + "' is " + state +
                ", not AWAITING_APPROVAL: there is nothing to approve");
        }
        approved = true;
    }

    /**
     * One poll of the bootstrap, on the circuit thread: the first loads the newest checkpoint and, unless it waits
     * for an approval, restores it (or opens the endpoints fresh) and installs the coordinator.
     *
     * @return true once done (endpoints open), false while awaiting approval.
     * @throws KeelException of category RECOVERY or STORAGE if no checkpoint can be used safely.
     */
    public boolean getAsBoolean()
    {
        if (null != coordinator)
        {
            return true;
        }
        final String name = settings.pipelineName();
        if (!begun)
        {
            begun = true;
            circuit.lifecycle().transition(PipelineState.BOOTSTRAPPING);
            final Optional<LoadedCheckpoint> latest = settings.checkpointStore().loadLatest();
            if (latest.isEmpty())
            {
                LOGGER.log(System.Logger.Level.INFO, "pipeline ''{0}'': no checkpoint, starting {1}", name,
                    null != settings.journal() ? "from the journal's first step" : "fresh");
                circuit.openEndpoints();
                install();
                return true;
            }
            pending = latest.get();
            final ProgramChange found = compare(name, circuit.program(), pending);
            change = found;
            if (null != found)
            {
                final String where = where(name, pending);
                switch (policy)
                {
                    case REJECT:
                        throw new KeelException(KeelException.Category.RECOVERY, "BOOTSTRAP_PROGRAM_CHANGED", where +
                            " was written by another version of the program (" + found.describe() +
                            "); bootstrap_policy 'reject' refuses to start (run the program that wrote it, start " +
                            "with bootstrap_policy 'allow' to recompute the changed views, or remove the storage " +
                            "directory to start afresh)");
                    case AWAIT_APPROVAL:
                        LOGGER.log(System.Logger.Level.WARNING, "{0} was written by another version of the " +
                            "program ({1}); bootstrap_policy await_approval: waiting for approve", where,
                            found.describe());
                        circuit.lifecycle().transition(PipelineState.AWAITING_APPROVAL);
                        return false;
                    default:
                        LOGGER.log(System.Logger.Level.INFO, "{0} was written by another version of the program " +
                            "({1}); bootstrap_policy allow: recomputing operators {2}", where, found.describe(),
                            found.recomputedOperators());
                }
            }
        }
        else if (circuit.state() == PipelineState.AWAITING_APPROVAL)
        {
            if (!approved)
            {
                return false;
            }
            LOGGER.log(System.Logger.Level.INFO, "pipeline ''{0}'': bootstrap approved, recomputing operators {1}",
                name, change.recomputedOperators());
            circuit.lifecycle().transition(PipelineState.BOOTSTRAPPING);
        }
        final boolean fenced = restore(name, pending);
        pending = null;
        install();
        if (fenced && null == change)
        {
            // the first checkpoint with a journal replaces the one without (after a program change the recompute
            // step requests it)
            coordinator.request();
        }
        return true;
    }

    private void install()
    {
        final CheckpointStore store = settings.checkpointStore();
        final Set<UUID> committed = new HashSet<>();
        for (final CheckpointInfo info : store.list())
        {
            committed.add(info.id());
        }
        final CheckpointRequests requests = new CheckpointRequests(null == settings.checkpointRequestsDir() ?
            null : new dev.keel.engine.storage.FileStorageBackend(settings.checkpointRequestsDir()),
            committed);
        final String[] outputNames = new String[outputs.size()];
        final dev.keel.engine.connector.OutputEndpoint[] endpoints =
            new dev.keel.engine.connector.OutputEndpoint[outputs.size()];
        for (int i = 0; i < outputs.size(); i++)
        {
            outputNames[i] = outputs.get(i).name();
            endpoints[i] = outputs.get(i).endpoint();
        }
        coordinator = new CheckpointCoordinator(settings.pipelineName(), store, settings.journal(),
            settings.model().jsonName(), outputNames, endpoints, settings.stepListener(),
            settings.checkpointIntervalNs(), requests, counters);
        coordinator.bind(circuit);
        circuit.stepListener(coordinator);
        circuit.dutyCycleHook(coordinator);
    }

    private static String where(final String name, final LoadedCheckpoint checkpoint)
    {
        return "pipeline '" + name + "': checkpoint " + checkpoint.id() + " (step " + checkpoint.metadata().step() +
            ")";
    }

    /** The change from the checkpoint's program to this one, or null if the fingerprints are equal. */
    private ProgramChange compare(final String name, final Program program, final LoadedCheckpoint checkpoint)
    {
        final CheckpointMetadata metadata = checkpoint.metadata();
        if (metadata.programFingerprint() == program.fingerprint())
        {
            return null;
        }
        final String where = where(name, checkpoint);
        final ProgramShape shape = ProgramShape.read(metadata.programMeta());
        if (null == shape)
        {
            throw new KeelException(KeelException.Category.RECOVERY, "BOOTSTRAP_PROGRAM_CHANGED", where +
                " was written by a program with fingerprint " + Long.toHexString(metadata.programFingerprint()) +
                ", this program's is " + Long.toHexString(program.fingerprint()) + ", and predates per-operator " +
                "fingerprints, so the changed views cannot be told; run the program that wrote it, or remove the " +
                "storage directory to start afresh");
        }
        final ProgramChange change = ProgramChange.between(shape, program);
        if (!change.missingContents().isEmpty())
        {
            throw new KeelException(KeelException.Category.RECOVERY, "BOOTSTRAP_TABLE_NOT_MATERIALIZED", where +
                " was written by another version of the program (" + change.describe() + "); recomputing " +
                change.recomputedOperators() + " and the views " + change.emittedViews() + " needs the contents of " +
                "the input tables " + change.missingContents() + ", which keep none (append-only and Z-set tables " +
                "keep their contents only when declared materialized: ProgramBuilder.table(...).materialized(), " +
                "Feldera's 'materialized' = 'true'); run the program that wrote the checkpoint, or declare the " +
                "tables materialized in both versions (declaring it once counts as a modified table: it starts empty " +
                "and its inputs are read again from their initial position), or remove the storage directory to " +
                "start afresh");
        }
        final Journal journal = settings.journal();
        if (!change.changedTables().isEmpty() && null != journal &&
            FaultToleranceModel.EXACTLY_ONCE.jsonName().equals(metadata.model()) &&
            metadata.journalPosition() < journal.position())
        {
            // the journal's steps after the checkpoint hold the old tables' input, in the old endpoints' order
            throw new KeelException(KeelException.Category.RECOVERY, "BOOTSTRAP_TABLES_CHANGED", where +
                " was written by a program whose input tables differ (" + change.describe() + ") and the " +
                "journal holds steps after it (positions " + metadata.journalPosition() + " to " +
                journal.position() + ") that only that program can replay; start the program that wrote it once " +
                "and stop it cleanly (its closing checkpoint covers the journal), then start this one");
        }
        return change;
    }

    /** Restores {@code checkpoint} (or an older one if its pages are corrupt); true if the journal is fenced. */
    private boolean restore(final String name, final LoadedCheckpoint checkpoint)
    {
        final CheckpointStore store = settings.checkpointStore();
        final Journal journal = settings.journal();
        final FaultToleranceModel model = settings.model();
        final Program program = circuit.program();
        LoadedCheckpoint loaded = checkpoint;
        ProgramChange restoredChange = change;
        while (true)
        {
            check(name, journal, loaded);
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
                restoredChange = compare(name, program, loaded);
            }
        }
        change = restoredChange;
        final CheckpointMetadata metadata = loaded.metadata();
        final long step = metadata.step();
        final String where = where(name, loaded);
        for (final String warning : loaded.warnings())
        {
            LOGGER.log(System.Logger.Level.WARNING, "pipeline ''{0}'': {1}; falling back to checkpoint {2} (step " +
                "{3}){4}", name, warning, loaded.id(), step,
                null != journal ? ", the journal covers the steps after it" :
                ", input after it is read again (output after it may repeat)");
        }

        if (null == restoredChange)
        {
            program.loadMeta(new MetaBuffer(metadata.programMeta()));
        }
        else
        {
            program.restoreChanged(restoredChange);
            if (settings.silentBootstrap() && !restoredChange.emittedViews().isEmpty())
            {
                LOGGER.log(System.Logger.Level.INFO, "{0}: silent bootstrap, the views {1} are recomputed but " +
                    "their contents are not sent to the outputs", where, restoredChange.emittedViews());
            }
            circuit.recomputeOnStart(settings.silentBootstrap() ? Set.of() : restoredChange.emittedViews(),
                () -> coordinator.request());
        }

        final Map<String, Long> inputPositions = metadata.inputPositions();
        final Map<String, CheckpointMetadata.OutputPosition> outputPositions = metadata.outputPositions();
        // with input tables added, removed or modified, the inputs of the others resume and theirs start afresh
        final boolean tablesChanged = null != restoredChange && !restoredChange.changedTables().isEmpty();
        if ((!tablesChanged && inputPositions.size() != inputs.size()) ||
            (null == restoredChange && outputPositions.size() != outputs.size()))
        {
            throw endpointsChanged(where, inputPositions.keySet(), outputPositions.keySet(), inputs, outputs);
        }
        final long[] in = new long[inputs.size()];
        final byte[][] inTokens = new byte[inputs.size()][];
        for (int i = 0; i < in.length; i++)
        {
            if (tablesChanged && restoredChange.resetsTable(inputs.get(i).table()))
            {
                LOGGER.log(System.Logger.Level.INFO, "{0}: input {1} of the added or modified table {2} starts " +
                    "from its initial position, the table empty", where, inputs.get(i).name(), inputs.get(i).table());
                continue;
            }
            final Long position = inputPositions.get(inputs.get(i).name());
            if (null == position)
            {
                throw endpointsChanged(where, inputPositions.keySet(), outputPositions.keySet(), inputs, outputs);
            }
            in[i] = position;
            inTokens[i] = metadata.inputToken(inputs.get(i).name());
        }
        // the journal is only written under exactly_once: behind a checkpoint of another model it is older than
        // the checkpoint, so it is fenced (not replayed), and outputs resume as at least once
        final boolean fenced = null != journal &&
            !FaultToleranceModel.EXACTLY_ONCE.jsonName().equals(metadata.model());
        final boolean exactlyOnce = model == FaultToleranceModel.EXACTLY_ONCE && !fenced;
        final long[] out = new long[outputs.size()];
        final long[] outTransactions = new long[outputs.size()];
        for (int i = 0; i < out.length; i++)
        {
            final CheckpointMetadata.OutputPosition position = outputPositions.get(outputs.get(i).name());
            if (null == position)
            {
                if (null != restoredChange && restoredChange.emittedViews().contains(outputs.get(i).view()))
                {
                    // a new output of an added or modified view: it starts empty, at the recompute step
                    out[i] = 0;
                    outTransactions[i] = step;
                    continue;
                }
                throw endpointsChanged(where, inputPositions.keySet(), outputPositions.keySet(), inputs, outputs);
            }
            out[i] = position.deliveredPosition();
            // exactly_once: replay re-creates the same transactions up to the delivered one, the sink skips them.
            // Otherwise the steps after the checkpoint are re-run with new boundaries: every new transaction is
            // written after what was delivered (at least once).
            outTransactions[i] = exactlyOnce ? Math.max(step, position.deliveredTransactionId()) : step;
        }
        circuit.openEndpointsAt(step, in, inTokens, out, outTransactions);
        if (fenced)
        {
            circuit.journalReplayFromPosition(-1);
            LOGGER.log(System.Logger.Level.WARNING, "{0} was written under fault_tolerance.model {1}, the pipeline " +
                "runs {2}: the journal (up to position {3}) is older than the checkpoint and is not replayed; a " +
                "checkpoint is taken at once, until it is durable a crash delivers at least once", where,
                metadata.model(), model.jsonName(), journal.position());
        }
        else if (null != journal)
        {
            circuit.journalReplayFromPosition(metadata.journalPosition());
        }
        LOGGER.log(System.Logger.Level.INFO, "{0} restored ({1} model){2}", where, model.jsonName(),
            null != journal && !fenced ? ", replaying the journal from position " + metadata.journalPosition() +
            " to " + journal.position() : "");
        return fenced;
    }

    private static void check(final String name, final Journal journal, final LoadedCheckpoint checkpoint)
    {
        final CheckpointMetadata metadata = checkpoint.metadata();
        final String where = where(name, checkpoint);
        if (null != journal && FaultToleranceModel.EXACTLY_ONCE.jsonName().equals(metadata.model()))
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
