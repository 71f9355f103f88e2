package dev.keel.engine.connector;

import dev.keel.engine.KeelException;
import dev.keel.engine.config.OnErrorPolicy;
import dev.keel.engine.data.Schema;
import dev.keel.engine.data.ZSetBatch;
import org.agrona.BitUtil;
import org.agrona.DirectBuffer;
import org.agrona.MutableDirectBuffer;
import org.agrona.concurrent.Agent;
import org.agrona.concurrent.ControlledMessageHandler;
import org.agrona.concurrent.NanoClock;
import org.agrona.concurrent.UnsafeBuffer;
import org.agrona.concurrent.ringbuffer.OneToOneRingBuffer;
import org.agrona.concurrent.ringbuffer.RingBufferDescriptor;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;

/**
 * Base of input endpoints whose I/O runs on their own {@link Agent} ({@link #agent()}): the agent parses
 * records and hands them to the circuit thread through an off-heap Agrona {@link OneToOneRingBuffer};
 * {@link #poll} drains it without blocking and without allocating.
 * <p>
 * Messages (little endian, each 8-byte aligned by the ring buffer):
 * <pre>
 *   RECORD (type 1):       | int64 position after this record | int64 weight | int64 tag | row bytes (Schema layout) |
 *   END_OF_INPUT (type 2): | int64 final position |
 *   ERROR (type 3):        | int64 position of the failed record | (the exception is kept in a field)
 * </pre>
 * The agent publishes an error by keeping the exception and then writing an ERROR message behind the
 * records it accepted before the failure, so the circuit receives those records first; from then on
 * every poll rethrows the same exception. After END_OF_INPUT or ERROR the agent does no more work.
 * <p>
 * Subclasses implement {@link #onOpen(long)} (circuit thread) and {@link #produce(long)} (agent thread),
 * calling {@link #offerRecord}, {@link #offerEndOfInput(long)} and {@link #raise(KeelException)}.
 * Exceptions escaping {@code produce} are raised as endpoint errors, never lost.
 * <p>
 * The tag of a record is the subclass's own (0 unless it offers one with
 * {@link #offerRecord(long, long, long, DirectBuffer, int, int)}); {@link #onRecordTaken(long)} sees it on the
 * circuit thread as the record is polled, e.g. to track the source offset behind a position token.
 * <p>
 * Plumbing the subclasses share, on the agent thread:
 * <ul>
 *   <li><b>A held record.</b> {@link #offerOrHold} offers a record and, if the queue is full, holds it; the next
 *   duty cycle starts with {@link #offerHeld()}, and reads nothing new until the held record went out. The row's
 *   bytes must stay as they are while it is held (the subclass does not parse the next record meanwhile).</li>
 *   <li><b>Counted positions.</b> An endpoint whose source position travels in a position token (Kafka offsets, an
 *   S3 key and offset, a Delta file and row) uses a record counter as its {@code long} position: the position after
 *   a record is {@link #offeredPosition()} {@code + 1}, the resume position plus the records offered since.</li>
 *   <li><b>Malformed records.</b> {@link #skipOrFail} applies the {@code on_error} policy: fail the endpoint with
 *   the error, or count the record as skipped and log the first {@value #MAX_LOGGED_SKIPS}.</li>
 * </ul>
 */
public abstract class RingBufferInput implements InputEndpoint
{
    public static final int RECORD_MSG_TYPE_ID = 1;
    public static final int END_OF_INPUT_MSG_TYPE_ID = 2;
    public static final int ERROR_MSG_TYPE_ID = 3;

    static final int POSITION_OFFSET = 0;
    static final int WEIGHT_OFFSET = 8;
    static final int TAG_OFFSET = 16;
    static final int ROW_OFFSET = 24;

    /** Skipped records logged per endpoint; the rest are only counted. */
    protected static final int MAX_LOGGED_SKIPS = 10;

    private static final int MIN_CAPACITY = 1 << 20;
    private static final int MAX_CAPACITY = 1 << 30;

    protected final String name;
    protected final Schema schema;
    private final NanoClock clock;
    private final OneToOneRingBuffer ringBuffer;
    private final ControlledMessageHandler handler = this::onMessage;
    private final ReaderAgent agent = new ReaderAgent();

    // set before open, then read by both threads: records by the circuit thread, the rest by the agent
    private EndpointCounters counters;

    // circuit thread
    private ZSetBatch out;
    private int maxRecords;
    private long stopAtPosition;
    private int polled;
    private long position;
    private boolean endOfInput;
    private KeelException failure;

    // shared: written by the agent, read by the circuit
    private volatile KeelException agentError;
    private volatile long skipped;
    private volatile boolean opened;

    // agent thread
    private boolean terminal;
    private long offered;
    private boolean errorPending;
    private long errorPosition;
    private long loggedSkips;
    private boolean held;
    private long heldPosition;
    private long heldTag;
    private long heldWeight;
    private DirectBuffer heldRow;
    private int heldOffset;
    private int heldLength;
    private long heldBytes;

    // set by open before the agent runs
    private long resumePosition;

    /**
     * @param queueCapacityBytes ring buffer capacity, a power of two (see {@link #queueCapacityFor}).
     * @param clock              the agent's clock, read once per duty cycle and passed to {@link #produce}.
     */
    protected RingBufferInput(
        final String name, final Schema schema, final int queueCapacityBytes, final NanoClock clock)
    {
        this.name = name;
        this.schema = schema;
        this.clock = clock;
        final ByteBuffer memory =
            ByteBuffer.allocateDirect(queueCapacityBytes + RingBufferDescriptor.TRAILER_LENGTH);
        this.ringBuffer = new OneToOneRingBuffer(new UnsafeBuffer(memory));
        this.counters = EndpointCounters.detached(name);
    }

    /**
     * Ring buffer capacity for about {@code maxQueuedRecords} records of {@code schema}: the fixed part of a
     * row plus 32 bytes per variable-length column, rounded up to a power of two in [1 MiB, 1 GiB]. One row
     * may take at most an eighth of it.
     */
    public static int queueCapacityFor(final Schema schema, final int maxQueuedRecords)
    {
        int variableColumns = 0;
        for (int i = 0; i < schema.columnCount(); i++)
        {
            variableColumns += schema.type(i).isVariableLength() ? 1 : 0;
        }
        final long perRecord = BitUtil.align(8 + ROW_OFFSET + schema.fixedLength() + 32 * variableColumns, 8);
        final long bytes = Math.max(MIN_CAPACITY, Math.min(MAX_CAPACITY, perRecord * maxQueuedRecords));
        return BitUtil.findNextPositivePowerOfTwo((int)bytes);
    }

    public String name()
    {
        return name;
    }

    public Schema schema()
    {
        return schema;
    }

    /**
     * Records: counted by {@link #poll} as the circuit takes them. Bytes: what the subclass reports with
     * {@link #countBytes}. Errors: skipped records and the failure, if any. Buffered: records and ring buffer
     * bytes between the agent and the circuit, refreshed by the agent every duty cycle.
     */
    public void counters(final EndpointCounters counters)
    {
        this.counters = counters;
    }

    public boolean replayable()
    {
        return true;
    }

    public final void open(final long resumePosition)
    {
        if (resumePosition < 0)
        {
            throw new KeelException(KeelException.Category.CONNECTOR, "CONNECTOR_BAD_POSITION",
                "endpoint '" + name + "': resume position " + resumePosition + " is negative");
        }
        onOpen(resumePosition);
        position = resumePosition;
        this.resumePosition = resumePosition;
        opened = true;
    }

    public final int poll(final ZSetBatch out, final int maxRecords, final long stopAtPosition)
    {
        if (null != failure)
        {
            throw failure;
        }
        if (maxRecords <= 0 || endOfInput || position >= stopAtPosition)
        {
            return 0;
        }
        this.out = out;
        this.maxRecords = maxRecords;
        this.stopAtPosition = stopAtPosition;
        polled = 0;
        try
        {
            // one controlledRead stops at the end of the buffer; a second picks up the wrapped part
            while (polled < maxRecords && position < stopAtPosition && !endOfInput && null == failure)
            {
                if (ringBuffer.controlledRead(handler) == 0)
                {
                    break;
                }
            }
        }
        finally
        {
            this.out = null;
        }
        if (polled > 0)
        {
            counters.records().getAndAddRelease(polled);
        }
        if (null != failure && polled == 0)
        {
            throw failure;
        }
        return polled;
    }

    private ControlledMessageHandler.Action onMessage(
        final int msgTypeId, final MutableDirectBuffer buffer, final int index, final int length)
    {
        if (null != failure || polled >= maxRecords)
        {
            return ControlledMessageHandler.Action.ABORT;
        }
        final long messagePosition = buffer.getLong(index + POSITION_OFFSET, ByteOrder.LITTLE_ENDIAN);
        switch (msgTypeId)
        {
            case RECORD_MSG_TYPE_ID:
            {
                if (messagePosition > stopAtPosition)
                {
                    failure = positionMismatch(messagePosition);
                    return ControlledMessageHandler.Action.ABORT;
                }
                final long weight = buffer.getLong(index + WEIGHT_OFFSET, ByteOrder.LITTLE_ENDIAN);
                out.add(buffer, index + ROW_OFFSET, length - ROW_OFFSET, weight);
                onRecordTaken(buffer.getLong(index + TAG_OFFSET, ByteOrder.LITTLE_ENDIAN));
                position = messagePosition;
                polled++;
                return polled >= maxRecords || position >= stopAtPosition ?
                    ControlledMessageHandler.Action.BREAK : ControlledMessageHandler.Action.CONTINUE;
            }
            case END_OF_INPUT_MSG_TYPE_ID:
                if (messagePosition > stopAtPosition)
                {
                    failure = positionMismatch(messagePosition);
                    return ControlledMessageHandler.Action.ABORT;
                }
                position = messagePosition;
                endOfInput = true;
                return ControlledMessageHandler.Action.BREAK;
            case ERROR_MSG_TYPE_ID:
                if (polled > 0)
                {
                    // deliver what was accepted before the failure; the next poll meets the error first
                    return ControlledMessageHandler.Action.ABORT;
                }
                failure = agentError;
                return ControlledMessageHandler.Action.BREAK;
            default:
                failure = new KeelException(KeelException.Category.INTERNAL, "INTERNAL_BAD_MESSAGE",
                    "endpoint '" + name + "': unknown ring buffer message type " + msgTypeId);
                return ControlledMessageHandler.Action.ABORT;
        }
    }

    private KeelException positionMismatch(final long next)
    {
        return new KeelException(KeelException.Category.CONNECTOR, "CONNECTOR_POSITION_MISMATCH",
            "endpoint '" + name + "': asked to stop at position " + stopAtPosition + " but the next record ends at " +
            next + " (after " + position + "); the input differs from the run that journaled the position");
    }

    public long position()
    {
        return position;
    }

    public boolean endOfInput()
    {
        return endOfInput;
    }

    public long skippedRecords()
    {
        return skipped;
    }

    public Agent agent()
    {
        return agent;
    }

    /** Opens the source at {@code resumePosition}, on the circuit thread, before the agent does any work. */
    protected abstract void onOpen(long resumePosition);

    /**
     * One duty cycle of I/O on the agent thread: read, parse, offer. Never blocks for long.
     *
     * @return the amount of work done (0 when idle).
     */
    protected abstract int produce(long nowNs) throws IOException;

    /** Circuit thread: a record offered with {@code tag} was just polled. The default does nothing. */
    protected void onRecordTaken(final long tag)
    {
    }

    /** Called on the agent thread when it closes (release I/O resources there). */
    protected void onAgentClose()
    {
    }

    /** Agent thread: counts a skipped record. */
    protected final void countSkipped()
    {
        skipped = skipped + 1;
        counters.errors().incrementRelease();
    }

    /** Agent thread: counts a retry of a failed read ({@code keel_endpoint_retries_total}). */
    protected final void countRetry()
    {
        counters.retries().incrementRelease();
    }

    /** Agent thread: counts bytes read from the source. */
    protected final void countBytes(final long bytes)
    {
        counters.bytes().getAndAddRelease(bytes);
    }

    /**
     * Agent thread: queues a record, or returns false if the queue is full (offer it again later).
     *
     * @throws KeelException if the row can never fit the queue.
     */
    protected final boolean offerRecord(
        final long positionAfter, final long weight, final DirectBuffer row, final int offset, final int length)
    {
        return offerRecord(positionAfter, 0, weight, row, offset, length);
    }

    /**
     * Agent thread: as {@link #offerRecord(long, long, DirectBuffer, int, int)}, with a tag handed to
     * {@link #onRecordTaken(long)} when the circuit polls the record.
     */
    protected final boolean offerRecord(
        final long positionAfter, final long tag, final long weight, final DirectBuffer row, final int offset,
        final int length)
    {
        final int messageLength = ROW_OFFSET + length;
        if (messageLength > ringBuffer.maxMsgLength())
        {
            throw new KeelException(KeelException.Category.CONNECTOR, "CONNECTOR_RECORD_TOO_LARGE",
                "endpoint '" + name + "': record ending at position " + positionAfter + " is a row of " + length +
                " bytes, more than the queue takes (" + (ringBuffer.maxMsgLength() - ROW_OFFSET) +
                "); raise max_queued_records");
        }
        final int index = ringBuffer.tryClaim(RECORD_MSG_TYPE_ID, messageLength);
        if (index <= 0)
        {
            return false;
        }
        final MutableDirectBuffer buffer = ringBuffer.buffer();
        buffer.putLong(index + POSITION_OFFSET, positionAfter, ByteOrder.LITTLE_ENDIAN);
        buffer.putLong(index + WEIGHT_OFFSET, weight, ByteOrder.LITTLE_ENDIAN);
        buffer.putLong(index + TAG_OFFSET, tag, ByteOrder.LITTLE_ENDIAN);
        buffer.putBytes(index + ROW_OFFSET, row, offset, length);
        ringBuffer.commit(index);
        offered++;
        return true;
    }

    /**
     * Agent thread: queues a record, or holds it if the queue is full; {@link #offerHeld()} offers it again.
     *
     * @param sourceBytes bytes of the source the record came from, counted once it is queued (0: counted
     *                    elsewhere).
     * @return true if queued, false if held (stop reading until {@link #offerHeld()} returns true).
     * @throws KeelException if the row can never fit the queue.
     */
    protected final boolean offerOrHold(
        final long positionAfter, final long tag, final long weight, final DirectBuffer row, final int offset,
        final int length, final long sourceBytes)
    {
        hold(positionAfter, tag, weight, row, offset, length, sourceBytes);
        return offerHeld();
    }

    /**
     * Agent thread: keeps a record to queue with {@link #offerHeld()}; its row must not change until then.
     *
     * @param sourceBytes as in {@link #offerOrHold}.
     */
    protected final void hold(
        final long positionAfter, final long tag, final long weight, final DirectBuffer row, final int offset,
        final int length, final long sourceBytes)
    {
        held = true;
        heldPosition = positionAfter;
        heldTag = tag;
        heldWeight = weight;
        heldRow = row;
        heldOffset = offset;
        heldLength = length;
        heldBytes = sourceBytes;
    }

    /** Agent thread: true while a record waits for room in the queue. */
    protected final boolean holdsRecord()
    {
        return held;
    }

    /**
     * Agent thread: queues the held record, if any.
     *
     * @return true if no record is held any more (it was queued, or there was none).
     */
    protected final boolean offerHeld()
    {
        if (!held)
        {
            return true;
        }
        if (!offerRecord(heldPosition, heldTag, heldWeight, heldRow, heldOffset, heldLength))
        {
            return false;
        }
        held = false;
        heldRow = null;
        if (heldBytes > 0)
        {
            countBytes(heldBytes);
        }
        return true;
    }

    /**
     * Agent thread: for an endpoint whose position is a record counter, the position after the last record queued:
     * the resume position plus the records queued since the endpoint opened.
     */
    protected final long offeredPosition()
    {
        return resumePosition + offered;
    }

    /**
     * Agent thread: applies the {@code on_error} policy to a malformed record.
     *
     * @param error   the parse error, naming the endpoint and where the record is.
     * @param onError the endpoint's policy.
     * @return true if the record was skipped (go on), false if the endpoint failed (stop).
     */
    protected final boolean skipOrFail(final KeelException error, final OnErrorPolicy onError)
    {
        if (onError == OnErrorPolicy.FAIL)
        {
            raise(error);
            return false;
        }
        countSkipped();
        if (loggedSkips++ < MAX_LOGGED_SKIPS)
        {
            System.getLogger(getClass().getName()).log(System.Logger.Level.WARNING,
                "skipped record: " + error.getMessage());
        }
        return true;
    }

    /** The number of {@code '\n'} bytes in {@code [start, end)} of {@code buffer}: the extra lines of a record. */
    protected static int countNewlines(final DirectBuffer buffer, final int start, final int end)
    {
        int count = 0;
        for (int i = start; i < end; i++)
        {
            if (buffer.getByte(i) == '\n')
            {
                count++;
            }
        }
        return count;
    }

    /** Agent thread: queues the end of input, or returns false if the queue is full. The agent then stops. */
    protected final boolean offerEndOfInput(final long finalPosition)
    {
        if (writeMarker(END_OF_INPUT_MSG_TYPE_ID, finalPosition))
        {
            terminal = true;
            return true;
        }
        return false;
    }

    /**
     * Agent thread: fails the endpoint. The error reaches the circuit after the records already queued;
     * the agent then stops.
     */
    protected final void raise(final KeelException error)
    {
        if (null != agentError)
        {
            agentError.addSuppressed(error);
            return;
        }
        counters.errors().incrementRelease();
        agentError = error;
        errorPending = true;
        publishError();
    }

    private boolean publishError()
    {
        if (writeMarker(ERROR_MSG_TYPE_ID, errorPosition))
        {
            errorPending = false;
            terminal = true;
            return true;
        }
        return false;
    }

    private boolean writeMarker(final int msgTypeId, final long markerPosition)
    {
        final int index = ringBuffer.tryClaim(msgTypeId, 8);
        if (index <= 0)
        {
            return false;
        }
        ringBuffer.buffer().putLong(index + POSITION_OFFSET, markerPosition, ByteOrder.LITTLE_ENDIAN);
        ringBuffer.commit(index);
        return true;
    }

    /** Wraps an unexpected exception from the agent into a connector error naming the endpoint. */
    protected KeelException wrap(final Exception e)
    {
        return new KeelException(KeelException.Category.CONNECTOR, "CONNECTOR_IO_ERROR",
            "endpoint '" + name + "': " + e, e);
    }

    /** The agent that runs this endpoint's I/O. */
    final class ReaderAgent implements Agent
    {
        public int doWork() throws Exception
        {
            // what the circuit has taken only grows, and never past what this thread offered: never negative
            counters.bufferedRecords().setRelease(offered - counters.records().get());
            counters.bufferedBytes().setRelease(ringBuffer.size());
            if (!opened || terminal)
            {
                return 0;
            }
            if (errorPending)
            {
                return publishError() ? 1 : 0;
            }
            try
            {
                return produce(clock.nanoTime());
            }
            catch (final KeelException e)
            {
                raise(e);
                return 1;
            }
            catch (final IOException | RuntimeException e)
            {
                raise(wrap(e));
                return 1;
            }
        }

        public void onClose()
        {
            onAgentClose();
        }

        public String roleName()
        {
            return "keel-input-" + name;
        }
    }
}
