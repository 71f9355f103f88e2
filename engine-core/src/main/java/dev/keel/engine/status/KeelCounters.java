package dev.keel.engine.status;

import org.agrona.BufferUtil;
import org.agrona.concurrent.UnsafeBuffer;
import org.agrona.concurrent.status.AtomicCounter;
import org.agrona.concurrent.status.CountersManager;
import org.agrona.concurrent.status.CountersReader;

import java.nio.ByteBuffer;

/**
 * The one registry of Keel's counter type ids, and the off-heap {@link CountersManager} they live in.
 * The node exports every counter of these types in Prometheus text format under
 * {@link #metricName(int)}, with the counter label's {@code key=value} pairs as labels.
 * <p>
 * Labels have the form {@code "<metric> pipeline=<name>[ <key>=<value>]"}.
 */
public final class KeelCounters implements AutoCloseable
{
    /** Lifecycle state, value = {@code dev.keel.engine.circuit.PipelineState.code()}. */
    public static final int PIPELINE_STATE_TYPE_ID = 1001;
    /** Steps run (live and replayed). */
    public static final int STEPS_TYPE_ID = 1002;
    /** Input records taken into steps, summed over endpoints. */
    public static final int RECORDS_IN_TYPE_ID = 1003;
    /** Records of view deltas, one counter per view (label {@code view=<name>}). */
    public static final int RECORDS_OUT_TYPE_ID = 1004;
    /** Sum of step durations (collect to output enqueued), nanoseconds. */
    public static final int STEP_NANOS_TOTAL_TYPE_ID = 1005;
    /** Longest step duration, nanoseconds. */
    public static final int STEP_NANOS_MAX_TYPE_ID = 1006;
    /** Errors raised by agents and endpoints (every one counted, the first one kept). */
    public static final int ERRORS_TYPE_ID = 1007;
    /** Steps whose output is not yet handed to every output (waiting for the journal or back pressure). */
    public static final int PENDING_STEPS_TYPE_ID = 1008;
    /** Offers to outputs refused under back pressure. */
    public static final int OUTPUT_BACK_PRESSURE_TYPE_ID = 1009;
    /** Steps re-run from the journal during recovery. */
    public static final int REPLAYED_STEPS_TYPE_ID = 1010;
    /** Journal bytes the replay in progress (or the last one) re-runs: from its checkpoint to the journal's end. */
    public static final int REPLAY_JOURNAL_BYTES_TYPE_ID = 1030;
    /** Journal bytes of {@link #REPLAY_JOURNAL_BYTES_TYPE_ID} re-run so far: progress of a replay. */
    public static final int REPLAYED_JOURNAL_BYTES_TYPE_ID = 1031;
    /** Highest transaction id whose step is durable in the journal (or run, without a journal). */
    public static final int DURABLE_TRANSACTION_TYPE_ID = 1011;
    /** Checkpoints committed by this process. */
    public static final int CHECKPOINTS_TYPE_ID = 1012;
    /** Checkpoints that failed in this process (the pipeline ran on). */
    public static final int CHECKPOINT_FAILURES_TYPE_ID = 1013;
    /** Step of the newest checkpoint committed by this process, -1 before the first. */
    public static final int CHECKPOINT_STEP_TYPE_ID = 1014;
    /** Step records appended to the journal by this process. */
    public static final int JOURNAL_APPENDED_STEPS_TYPE_ID = 1015;
    /** Encoded bytes of the step records appended to the journal by this process. */
    public static final int JOURNAL_APPENDED_BYTES_TYPE_ID = 1016;
    /** Journal position durable to the configured sync level. */
    public static final int JOURNAL_DURABLE_POSITION_TYPE_ID = 1017;
    /** Group commits: advances of the journal's durable position seen by the appender. */
    public static final int JOURNAL_COMMITS_TYPE_ID = 1018;
    /** Longest wait from appending a step record until the journal reported it durable, nanoseconds. */
    public static final int JOURNAL_COMMIT_NANOS_MAX_TYPE_ID = 1019;
    /** Checkpoint pushes to object storage that succeeded. */
    public static final int SYNC_PUSHES_TYPE_ID = 1020;
    /** Checkpoint pushes to object storage that failed (after the sync's retries). */
    public static final int SYNC_PUSH_FAILURES_TYPE_ID = 1021;
    /** Bytes uploaded to and downloaded from object storage. */
    public static final int SYNC_BYTES_TYPE_ID = 1022;
    /** Bytes the sync operation in progress (push or pull) has transferred so far; 0 when idle. */
    public static final int SYNC_OPERATION_BYTES_DONE_TYPE_ID = 1032;
    /** Bytes the sync operation in progress has to transfer in all; 0 when idle. */
    public static final int SYNC_OPERATION_BYTES_TYPE_ID = 1033;
    /** Step of the newest checkpoint pushed successfully, or -1. */
    public static final int SYNC_LAST_STEP_TYPE_ID = 1023;
    /** Checkpoint pulls from object storage that succeeded. */
    public static final int SYNC_PULLS_TYPE_ID = 1024;
    /** Checkpoint pulls from object storage that failed (a standby retries them every pull interval). */
    public static final int SYNC_PULL_FAILURES_TYPE_ID = 1025;
    /** Bytes downloaded by checkpoint pulls (files already present locally are not downloaded). */
    public static final int SYNC_PULLED_BYTES_TYPE_ID = 1026;

    /**
     * Records an endpoint moved (label {@code endpoint=<name> direction=input|output}): an input's records taken
     * into steps, an output's records written to its sink. Endpoint counters are
     * {@link dev.keel.engine.connector.EndpointCounters}; their ids are 11xx to keep them apart.
     */
    public static final int ENDPOINT_RECORDS_TYPE_ID = 1101;
    /** Bytes an endpoint moved: read from an input's source, written to an output's sink. */
    public static final int ENDPOINT_BYTES_TYPE_ID = 1102;
    /** Records an endpoint skipped (malformed, with {@code on_error: skip}) or failed on. */
    public static final int ENDPOINT_ERRORS_TYPE_ID = 1103;
    /** Records queued between an endpoint's agent and the circuit, not yet taken (input) or written (output). */
    public static final int ENDPOINT_BUFFERED_RECORDS_TYPE_ID = 1104;
    /** Bytes of the records counted by {@link #ENDPOINT_BUFFERED_RECORDS_TYPE_ID}, as they sit in the queue. */
    public static final int ENDPOINT_BUFFERED_BYTES_TYPE_ID = 1105;
    /** Failed requests to an endpoint's sink or source that it retried (e.g. a Delta commit after an S3 error). */
    public static final int ENDPOINT_RETRIES_TYPE_ID = 1106;

    /** Default length of the values buffer: 512 counters. */
    public static final int DEFAULT_VALUES_BUFFER_LENGTH = 512 * CountersReader.COUNTER_LENGTH;

    private final ByteBuffer metaData;
    private final ByteBuffer values;
    private final CountersManager countersManager;
    private boolean closed;

    /**
     * Allocates off-heap buffers for counters.
     *
     * @param valuesBufferLength length of the values buffer, a multiple of {@link CountersReader#COUNTER_LENGTH}.
     */
    public KeelCounters(final int valuesBufferLength)
    {
        if (valuesBufferLength <= 0 || valuesBufferLength % CountersReader.COUNTER_LENGTH != 0)
        {
            throw new IllegalArgumentException("counters values buffer length must be a positive multiple of " +
                CountersReader.COUNTER_LENGTH + ", got " + valuesBufferLength);
        }
        final int metaDataLength = valuesBufferLength * (CountersReader.METADATA_LENGTH / CountersReader.COUNTER_LENGTH);
        metaData = ByteBuffer.allocateDirect(metaDataLength);
        values = ByteBuffer.allocateDirect(valuesBufferLength);
        countersManager = new CountersManager(new UnsafeBuffer(metaData), new UnsafeBuffer(values));
    }

    /** The manager counters are allocated from; a reader (exporter) can use it as a {@link CountersReader}. */
    public CountersManager countersManager()
    {
        return countersManager;
    }

    /**
     * Allocates a counter of a registered type.
     *
     * @param countersManager where to allocate.
     * @param typeId          one of the {@code *_TYPE_ID} constants.
     * @param pipeline        pipeline name, a label.
     * @param extraLabel      further {@code key=value} labels, or null.
     * @return the counter.
     */
    public static AtomicCounter newCounter(
        final CountersManager countersManager, final int typeId, final String pipeline, final String extraLabel)
    {
        final String label = metricName(typeId) + " pipeline=" + pipeline + (null == extraLabel ? "" : " " + extraLabel);
        return countersManager.newCounter(label, typeId);
    }

    /**
     * Prometheus metric name of a counter type.
     *
     * @param typeId a type id of this registry.
     * @return the metric name.
     */
    public static String metricName(final int typeId)
    {
        switch (typeId)
        {
            case PIPELINE_STATE_TYPE_ID:
                return "keel_pipeline_state";
            case STEPS_TYPE_ID:
                return "keel_steps_total";
            case RECORDS_IN_TYPE_ID:
                return "keel_records_in_total";
            case RECORDS_OUT_TYPE_ID:
                return "keel_records_out_total";
            case STEP_NANOS_TOTAL_TYPE_ID:
                return "keel_step_nanos_total";
            case STEP_NANOS_MAX_TYPE_ID:
                return "keel_step_nanos_max";
            case ERRORS_TYPE_ID:
                return "keel_errors_total";
            case PENDING_STEPS_TYPE_ID:
                return "keel_pending_steps";
            case OUTPUT_BACK_PRESSURE_TYPE_ID:
                return "keel_output_back_pressure_total";
            case REPLAYED_STEPS_TYPE_ID:
                return "keel_replayed_steps_total";
            case REPLAY_JOURNAL_BYTES_TYPE_ID:
                return "keel_replay_journal_bytes";
            case REPLAYED_JOURNAL_BYTES_TYPE_ID:
                return "keel_replayed_journal_bytes";
            case DURABLE_TRANSACTION_TYPE_ID:
                return "keel_durable_transaction_id";
            case CHECKPOINTS_TYPE_ID:
                return "keel_checkpoints_total";
            case CHECKPOINT_FAILURES_TYPE_ID:
                return "keel_checkpoint_failures_total";
            case CHECKPOINT_STEP_TYPE_ID:
                return "keel_checkpoint_step";
            case JOURNAL_APPENDED_STEPS_TYPE_ID:
                return "keel_journal_appended_steps_total";
            case JOURNAL_APPENDED_BYTES_TYPE_ID:
                return "keel_journal_appended_bytes_total";
            case JOURNAL_DURABLE_POSITION_TYPE_ID:
                return "keel_journal_durable_position";
            case JOURNAL_COMMITS_TYPE_ID:
                return "keel_journal_commits_total";
            case JOURNAL_COMMIT_NANOS_MAX_TYPE_ID:
                return "keel_journal_commit_nanos_max";
            case ENDPOINT_RECORDS_TYPE_ID:
                return "keel_endpoint_records_total";
            case ENDPOINT_BYTES_TYPE_ID:
                return "keel_endpoint_bytes_total";
            case ENDPOINT_ERRORS_TYPE_ID:
                return "keel_endpoint_errors_total";
            case ENDPOINT_BUFFERED_RECORDS_TYPE_ID:
                return "keel_endpoint_buffered_records";
            case ENDPOINT_BUFFERED_BYTES_TYPE_ID:
                return "keel_endpoint_buffered_bytes";
            case ENDPOINT_RETRIES_TYPE_ID:
                return "keel_endpoint_retries_total";
            case SYNC_PUSHES_TYPE_ID:
                return "keel_sync_pushes_total";
            case SYNC_PUSH_FAILURES_TYPE_ID:
                return "keel_sync_push_failures_total";
            case SYNC_BYTES_TYPE_ID:
                return "keel_sync_bytes_transferred_total";
            case SYNC_OPERATION_BYTES_DONE_TYPE_ID:
                return "keel_sync_operation_bytes_done";
            case SYNC_OPERATION_BYTES_TYPE_ID:
                return "keel_sync_operation_bytes";
            case SYNC_LAST_STEP_TYPE_ID:
                return "keel_sync_last_synced_step";
            case SYNC_PULLS_TYPE_ID:
                return "keel_sync_pulls_total";
            case SYNC_PULL_FAILURES_TYPE_ID:
                return "keel_sync_pull_failures_total";
            case SYNC_PULLED_BYTES_TYPE_ID:
                return "keel_sync_pulled_bytes_total";
            default:
                throw new IllegalArgumentException("not a Keel counter type id: " + typeId);
        }
    }

    /** Frees the buffers; counters allocated from them must not be used afterwards. */
    public void close()
    {
        if (!closed)
        {
            closed = true;
            BufferUtil.free(metaData);
            BufferUtil.free(values);
        }
    }
}
