package dev.keel.engine.connector;

import dev.keel.engine.data.ZSetBatch;
import org.agrona.DirectBuffer;
import org.agrona.MutableDirectBuffer;
import org.agrona.concurrent.Agent;

/**
 * The circuit's view of one input endpoint. The circuit agent calls every method on its own thread;
 * an implementation that reads I/O does so on its own agent and hands records over through a ring
 * buffer, so that {@link #poll} never blocks.
 * <p>
 * Positions: a replayable endpoint has a resume position after every record (a byte offset, an event
 * index). {@link #position()} is the position after the last record polled; a step journals it and
 * a checkpoint stores it, and recovery calls {@link #open(long)} with it and then replays steps with
 * {@link #poll(ZSetBatch, int, long)} bounded by each journaled position.
 * <p>
 * Position tokens: an endpoint whose resume point does not fit one {@code long} (a set of per-partition
 * offsets, say) returns true from {@link #usesPositionToken()}. Its {@code long} position is then a monotonic
 * record counter that bounds polls as before, and at every step seal it also writes a variable-length token
 * ({@link #positionToken(MutableDirectBuffer)}) that the journal and checkpoints keep beside the position. Recovery
 * opens it with the checkpoint's token ({@link #open(long, DirectBuffer, int, int)}), hands it every replayed
 * step's token as the bound of that step ({@link #replayBound}), and tells it when the circuit is live
 * ({@link #live()}). Endpoints without tokens keep the defaults and cost nothing per step.
 */
public interface InputEndpoint extends AutoCloseable
{
    /** Value of {@link #position()} for a non-replayable endpoint. */
    long NO_POSITION = -1;

    String name();

    /** True if records can be re-read from a position, false if the journal must keep their bytes. */
    boolean replayable();

    /** Starts reading at {@code resumePosition} (0 = the beginning); called once before the first poll. */
    void open(long resumePosition);

    /**
     * Moves up to {@code maxRecords} buffered records into {@code out} without blocking, stopping early
     * once {@link #position()} reaches {@code stopAtPosition} (pass {@link Long#MAX_VALUE} in live runs).
     *
     * @return the number of records moved.
     * @throws dev.keel.engine.KeelException if the endpoint failed and its error policy is to fail.
     */
    int poll(ZSetBatch out, int maxRecords, long stopAtPosition);

    /** Resume position after the last polled record, or {@link #NO_POSITION} when not replayable. */
    long position();

    /** True once the source is exhausted and every record has been polled (never, for a follow mode). */
    boolean endOfInput();

    /** Records skipped because they were malformed (with {@code on_error: skip}). */
    long skippedRecords();

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
     * Durability hook, for an endpoint that acknowledges its records to their producers (HTTP ingress): the
     * records polled since the previous call went into live step {@code step}, which is now sealed (and, with a
     * journal, appended to it). Called on the circuit thread for every live step, whether or not this endpoint
     * contributed to it, never for replayed steps; steps are numbered from 1 without gaps. Must not allocate or
     * block. The default does nothing.
     *
     * @param step the sealed step (its transaction id).
     */
    default void onStepSealed(final long step)
    {
    }

    /**
     * Durability hook: every step up to {@code step} is durable, i.e. in the journal and synced as
     * {@code journal_sync} says ({@code exactly_once}), or simply run (no journal). Called on the circuit thread
     * whenever the durable step advances, with increasing values; a restart replays such a step from the
     * journal, so records of a durable step are never lost nor repeated. Must not allocate or block. The default
     * does nothing.
     *
     * @param step the highest durable step.
     */
    default void onStepsDurable(final long step)
    {
    }

    /**
     * The agent that reads this endpoint's I/O, or null if the endpoint does its work inside the calls
     * above. The node schedules it according to the threading mode (own thread, shared, or invoked).
     */
    default Agent agent()
    {
        return null;
    }

    /** True if this endpoint journals a {@link #positionToken position token} with every step. */
    default boolean usesPositionToken()
    {
        return false;
    }

    /**
     * Circuit thread, at a step seal: writes the token describing the resume point at {@link #position()} into
     * {@code dst} from index 0 (an expandable buffer) without allocating.
     *
     * @param dst the buffer to write into.
     * @return the token's length in bytes (0 = no token).
     */
    default int positionToken(final MutableDirectBuffer dst)
    {
        return 0;
    }

    /**
     * Opens at a checkpointed position and its token (length 0: none was journaled, e.g. a fresh start with a
     * journal to replay). The default ignores the token.
     */
    default void open(final long resumePosition, final DirectBuffer token, final int offset, final int length)
    {
        open(resumePosition);
    }

    /**
     * Circuit thread, during replay, before polling towards a journaled step's {@code position}: the token
     * journaled with it, which bounds the records of that step. Called in step order; the buffer is only valid
     * during the call.
     */
    default void replayBound(final long position, final DirectBuffer token, final int offset, final int length)
    {
    }

    /** Circuit thread: the circuit is live (replay finished, or there was none); reads are no longer bounded. */
    default void live()
    {
    }

    @Override
    void close();
}
