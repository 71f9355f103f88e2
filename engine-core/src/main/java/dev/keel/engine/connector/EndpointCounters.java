package dev.keel.engine.connector;

import dev.keel.engine.status.KeelCounters;
import org.agrona.CloseHelper;
import org.agrona.concurrent.status.AtomicCounter;
import org.agrona.concurrent.status.CountersManager;
import org.agrona.concurrent.status.CountersReader;

/**
 * The counters one endpoint publishes, allocated by the pipeline in its {@link KeelCounters} and handed to the
 * endpoint with {@link InputEndpoint#counters(EndpointCounters)} / {@link OutputEndpoint#counters(EndpointCounters)}
 * before it opens. The node exports them in Prometheus format:
 * <pre>
 *   keel_endpoint_records_total{pipeline, endpoint, direction}    records taken into steps / written
 *   keel_endpoint_bytes_total{...}                                bytes read from the source / written
 *   keel_endpoint_errors_total{...}                               records skipped or failed
 *   keel_endpoint_buffered_records{...}                           records queued, not yet taken / written
 *   keel_endpoint_buffered_bytes{...}                             bytes of those queued records
 *   keel_endpoint_retries_total{...}                              failed sink/source requests retried
 * </pre>
 * Every counter has one writer thread (each endpoint's {@code counters} method says which), so updates are
 * plain ordered stores ({@link AtomicCounter#getAndAddRelease}, {@link AtomicCounter#setRelease}) that neither
 * lock nor allocate.
 */
public final class EndpointCounters implements AutoCloseable
{
    /** Value of the {@code direction} label of an input endpoint's counters. */
    public static final String INPUT = "input";
    /** Value of the {@code direction} label of an output endpoint's counters. */
    public static final String OUTPUT = "output";

    private static final int COUNTERS = 6;

    private final AtomicCounter records;
    private final AtomicCounter bytes;
    private final AtomicCounter errors;
    private final AtomicCounter bufferedRecords;
    private final AtomicCounter bufferedBytes;
    private final AtomicCounter retries;
    private final KeelCounters detachedStore;

    private EndpointCounters(
        final CountersManager manager, final String pipeline, final String label, final KeelCounters detachedStore)
    {
        this.detachedStore = detachedStore;
        this.records = KeelCounters.newCounter(manager, KeelCounters.ENDPOINT_RECORDS_TYPE_ID, pipeline, label);
        this.bytes = KeelCounters.newCounter(manager, KeelCounters.ENDPOINT_BYTES_TYPE_ID, pipeline, label);
        this.errors = KeelCounters.newCounter(manager, KeelCounters.ENDPOINT_ERRORS_TYPE_ID, pipeline, label);
        this.bufferedRecords = KeelCounters.newCounter(
            manager, KeelCounters.ENDPOINT_BUFFERED_RECORDS_TYPE_ID, pipeline, label);
        this.bufferedBytes = KeelCounters.newCounter(
            manager, KeelCounters.ENDPOINT_BUFFERED_BYTES_TYPE_ID, pipeline, label);
        this.retries = KeelCounters.newCounter(manager, KeelCounters.ENDPOINT_RETRIES_TYPE_ID, pipeline, label);
    }

    /**
     * Allocates the counters of one endpoint.
     *
     * @param manager   where to allocate (the pipeline's counters).
     * @param pipeline  the pipeline's name, a label.
     * @param endpoint  the endpoint's name, a label.
     * @param direction {@link #INPUT} or {@link #OUTPUT}, a label.
     * @return the counters; {@link #close()} frees them.
     */
    public static EndpointCounters allocate(
        final CountersManager manager, final String pipeline, final String endpoint, final String direction)
    {
        return new EndpointCounters(manager, pipeline, "endpoint=" + endpoint + " direction=" + direction, null);
    }

    /**
     * Counters of an endpoint that no pipeline runs (a unit test, a tool reading a file): the endpoint updates
     * them as usual, in a small store of their own, so its hot path needs no null check.
     *
     * @param endpoint the endpoint's name.
     * @return counters nobody exports.
     */
    public static EndpointCounters detached(final String endpoint)
    {
        final KeelCounters store = new KeelCounters(COUNTERS * CountersReader.COUNTER_LENGTH);
        return new EndpointCounters(store.countersManager(), "detached", "endpoint=" + endpoint, store);
    }

    /** @return records taken into steps (input, circuit thread) or written to the sink (output, its agent). */
    public AtomicCounter records()
    {
        return records;
    }

    /** @return bytes read from the source (input, its agent) or written to the sink (output, its agent). */
    public AtomicCounter bytes()
    {
        return bytes;
    }

    /** @return records skipped or failed on (the endpoint's agent, or the circuit thread without an agent). */
    public AtomicCounter errors()
    {
        return errors;
    }

    /** @return records queued between the endpoint and the circuit (written by the agent, if there is one). */
    public AtomicCounter bufferedRecords()
    {
        return bufferedRecords;
    }

    /** @return bytes of the queued records (written by the agent, if there is one). */
    public AtomicCounter bufferedBytes()
    {
        return bufferedBytes;
    }

    /** @return failed requests to the sink or source that were retried (the endpoint's agent). */
    public AtomicCounter retries()
    {
        return retries;
    }

    /** Frees the counters (once no thread updates them any more). */
    public void close()
    {
        CloseHelper.closeAll(records, bytes, errors, bufferedRecords, bufferedBytes, retries, detachedStore);
    }

    public String toString()
    {
        return "EndpointCounters{records=" + records.get() + ", bytes=" + bytes.get() + ", errors=" + errors.get() +
            ", buffered_records=" + bufferedRecords.get() + ", buffered_bytes=" + bufferedBytes.get() +
            ", retries=" + retries.get() + "}";
    }
}
