package dev.keel.engine.connector;

import dev.keel.engine.data.ZSetBatch;
import org.agrona.concurrent.Agent;

/**
 * The circuit's view of one output endpoint. The circuit hands it each step's view delta only after
 * the step is durable (journaled, for {@code exactly_once}), tagged with the step's transaction id, unless the
 * endpoint {@link #holdsUntilDurable() holds} transactions until told they are durable ({@link #onDurable});
 * the endpoint delivers on its own agent and reports what is durably delivered.
 * <p>
 * Exactly-once: on recovery the circuit calls {@link #restore(long, long)} with the position and
 * transaction id stored in the checkpoint; a sink that can truncate (a file) cuts back to that
 * position, so that replayed transactions are written again exactly once; a sink that cannot
 * (a message bus) remembers its own delivered transaction id and skips transactions at or below it.
 */
public interface OutputEndpoint extends AutoCloseable
{
    String name();

    /** Opens the sink fresh (no checkpoint). */
    void open();

    /** Opens the sink at a checkpoint: delivered up to {@code position}, last transaction {@code transactionId}. */
    void restore(long position, long transactionId);

    /**
     * Takes the delta of one transaction (copying it), or returns false under back pressure (the circuit
     * retries later). An empty delta may be offered to mark a transaction with no change.
     */
    boolean offer(long transactionId, ZSetBatch delta);

    /**
     * True if this endpoint holds what it is offered until {@link #onDurable(long)} covers it: it neither
     * delivers nor makes visible a transaction before then. The circuit may then offer a step as soon as it ran,
     * before its journal record is durable, straight from the operators' output (no copy into the circuit's
     * pending-step ring); other endpoints are offered a step only once it is durable. Answered once, when the
     * circuit is built.
     *
     * @return true if the endpoint holds offered transactions until they are durable; false by default.
     */
    default boolean holdsUntilDurable()
    {
        return false;
    }

    /**
     * Every transaction up to {@code transactionId} is durable in the journal (or there is no journal): an endpoint
     * that {@link #holdsUntilDurable() holds} may now deliver those it took. Called on the circuit thread whenever
     * the durable transaction advances, possibly for transactions not offered yet (then they are durable when
     * offered).
     *
     * @param transactionId the highest durable transaction id.
     */
    default void onDurable(final long transactionId)
    {
    }

    /** Last transaction id whose output is durably delivered (written and synced). */
    long deliveredTransactionId();

    /** Sink position (e.g. file length) right after {@link #deliveredTransactionId()}; stored in checkpoints. */
    long deliveredPosition();

    /** Asks the sink to make everything offered so far durable soon (before a checkpoint, at end of input). */
    void flush();

    /** Fails if the sink's agent hit an error; called by the circuit once per duty cycle. */
    void checkError();

    /**
     * Hands the endpoint the counters it publishes ({@link EndpointCounters}); the pipeline calls it once, before
     * opening the endpoint, and frees the counters after the endpoint's agent stopped. An endpoint that keeps the
     * default publishes nothing: its counters stay 0.
     *
     * @param counters records, bytes, errors and buffered counters labelled with this endpoint's name.
     */
    default void counters(final EndpointCounters counters)
    {
    }

    /**
     * The agent that writes this endpoint's I/O, or null if the endpoint does its work inside the calls
     * above. The node schedules it according to the threading mode (own thread, shared, or invoked).
     */
    default Agent agent()
    {
        return null;
    }

    @Override
    void close();
}
