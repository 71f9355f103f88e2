package dev.keel.engine.connector;

import dev.keel.engine.KeelException;
import dev.keel.engine.data.RowView;
import dev.keel.engine.data.Schema;
import dev.keel.engine.data.ZSetBatch;
import org.agrona.BitUtil;
import org.agrona.MutableDirectBuffer;
import org.agrona.concurrent.MessageHandler;
import org.agrona.concurrent.UnsafeBuffer;
import org.agrona.concurrent.ringbuffer.OneToOneRingBuffer;
import org.agrona.concurrent.ringbuffer.RingBufferDescriptor;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;

/**
 * The hand-over queue of an output endpoint that delivers on its own agent: the circuit thread
 * {@link #offer offers} each transaction's delta into an off-heap Agrona ring buffer, the endpoint's agent
 * {@link #read reads} it back row by row. One writer (the circuit thread), one reader (the agent).
 * <pre>
 *   ROW (type 1):     | int64 transaction id | int64 weight | row bytes (Schema layout) |
 *   END_TXN (type 2): | int64 transaction id |
 * </pre>
 * The offer protocol, the same for every endpoint built on this queue:
 * <ul>
 *   <li><b>Partial offers.</b> A delta larger than the free space is streamed: {@link #offer} copies the rows that
 *   fit and returns false (back pressure). The circuit offers the same transaction again until it returns true;
 *   the queue continues after the rows already taken. The delta may come back in another batch instance (the
 *   circuit copies a refused step into its pending ring and re-offers the copy), so the queue counts the rows taken
 *   and skips that many, never taking a row twice. Offering another transaction while one is partly taken, or the
 *   same transaction with fewer rows than were taken, is an {@code INTERNAL_PARTIAL_OFFER} error.</li>
 *   <li><b>Whole transactions.</b> Each transaction ends with one END_TXN message, written after its last row; the
 *   offer returns true only once that message is queued. An empty delta queues only the END_TXN message.</li>
 *   <li><b>What is re-offered.</b> After {@link #restore(long) restore} to a checkpoint's transaction id, offers of
 *   transactions at or below it are taken (true) without queuing anything: the checkpoint covers them. An endpoint
 *   whose sink records what it committed (a Kafka topic, a Delta log) also {@link #dropUpTo drops} on its agent the
 *   transactions the sink already holds; their rows and END_TXN are read and counted, but not handed on.</li>
 *   <li><b>What counts as delivered.</b> An END_TXN handed to the {@link Handler} means every row of that
 *   transaction was handed on before it. The endpoint publishes a transaction as delivered only after it made it
 *   durable in the sink, whole, together with every earlier one; the queue itself never publishes.</li>
 *   <li><b>Errors</b> name the endpoint: a row longer than the queue takes is {@code CONNECTOR_RECORD_TOO_LARGE}
 *   with the target too ({@code endpoint 'out': topic trades: a row of ... raise queue_capacity_bytes}); a broken
 *   partial offer is {@code INTERNAL_PARTIAL_OFFER} (a bug in the caller, not in the data).</li>
 * </ul>
 * Rows with weight 0 are read and counted, never handed on. Nothing is allocated per offer or per row: one cursor
 * is pointed at whichever batch instance is offered.
 */
public final class OutputQueue
{
    /** Message type of a row. */
    public static final int ROW_MSG_TYPE_ID = 1;
    /** Message type of the end of a transaction. */
    public static final int END_TXN_MSG_TYPE_ID = 2;
    /** The transaction id before the first one: nothing to skip or drop. */
    public static final long NO_TRANSACTION = -1;

    private static final int TXN_OFFSET = 0;
    private static final int WEIGHT_OFFSET = 8;
    private static final int ROW_OFFSET = 16;
    private static final VarHandle ROWS_QUEUED;

    static
    {
        try
        {
            ROWS_QUEUED = MethodHandles.lookup().findVarHandle(OutputQueue.class, "rowsQueued", long.class);
        }
        catch (final ReflectiveOperationException ex)
        {
            throw new ExceptionInInitializerError(ex);
        }
    }

    /** What the agent is handed, in queue order. */
    public interface Handler
    {
        /**
         * A row of a transaction the sink does not hold yet, weight not 0.
         *
         * @param transactionId the transaction the row belongs to.
         * @param weight        the row's weight.
         * @param row           the row, valid only during the call.
         */
        void onRow(long transactionId, long weight, RowView row);

        /**
         * Every row of {@code transactionId} was handed on.
         *
         * @param transactionId the transaction that ended.
         */
        void onEndTransaction(long transactionId);
    }

    private final String name;
    private final String target;
    private final OneToOneRingBuffer ringBuffer;
    private final Reader reader;

    // circuit thread
    private long skipUpTo = NO_TRANSACTION;
    private ZSetBatch partialBatch;
    private long partialTransaction;
    private long partialRows;
    private boolean rowPending;
    private ZSetBatch.Cursor cursor;
    // rows put in the queue; released before each commit, so the agent never takes a row it has not seen counted
    @SuppressWarnings("unused")
    private long rowsQueued;

    /**
     * A queue for the endpoint {@code name}.
     *
     * @param name          the endpoint's name, for errors.
     * @param target        what the endpoint writes to, for errors (a file path, {@code topic t}, {@code table u}).
     * @param schema        schema of the rows.
     * @param capacityBytes the queue's capacity, rounded up to a power of two.
     */
    public OutputQueue(final String name, final String target, final Schema schema, final int capacityBytes)
    {
        this.name = name;
        this.target = target;
        final int capacity = BitUtil.findNextPositivePowerOfTwo(capacityBytes);
        this.ringBuffer = new OneToOneRingBuffer(new UnsafeBuffer(
            ByteBuffer.allocateDirect(capacity + RingBufferDescriptor.TRAILER_LENGTH)));
        this.reader = new Reader(new RowView(schema));
    }

    /**
     * Circuit thread, before the first offer: transactions at or below {@code transactionId} are covered by the
     * checkpoint; their offers are taken without queuing anything.
     *
     * @param transactionId the checkpoint's transaction id.
     */
    public void restore(final long transactionId)
    {
        skipUpTo = transactionId;
    }

    /**
     * Circuit thread: queues the delta of {@code transactionId}, or as much of it as fits.
     *
     * @param transactionId the transaction, greater than every one taken before.
     * @param delta         its delta; may be another instance with the same rows when re-offered.
     * @return true once the whole transaction is queued, false under back pressure (offer it again).
     * @throws KeelException {@code INTERNAL_PARTIAL_OFFER} if the protocol is broken,
     *                       {@code CONNECTOR_RECORD_TOO_LARGE} if a row can never fit.
     */
    public boolean offer(final long transactionId, final ZSetBatch delta)
    {
        if (transactionId <= skipUpTo)
        {
            return true;
        }
        if (null == partialBatch)
        {
            partialBatch = delta;
            partialTransaction = transactionId;
            partialRows = 0;
            rowPending = false;
            rewind(delta);
        }
        else if (partialTransaction != transactionId)
        {
            throw new KeelException(KeelException.Category.INTERNAL, "INTERNAL_PARTIAL_OFFER",
                "endpoint '" + name + "': transaction " + partialTransaction + " was partly taken, then transaction " +
                transactionId + " was offered; offer the same transaction again until it returns true");
        }
        else if (partialBatch != delta)
        {
            partialBatch = delta;
            rewind(delta);
            rowPending = false;
            for (long i = 0; i < partialRows; i++)
            {
                if (!cursor.next())
                {
                    throw new KeelException(KeelException.Category.INTERNAL, "INTERNAL_PARTIAL_OFFER",
                        "endpoint '" + name + "': transaction " + transactionId + " was offered again with fewer " +
                        "rows than were already taken (" + partialRows + ")");
                }
            }
        }
        while (true)
        {
            if (!rowPending)
            {
                if (!cursor.next())
                {
                    if (!writeEndTransaction(transactionId))
                    {
                        return false;
                    }
                    partialBatch = null;
                    return true;
                }
                rowPending = true;
            }
            if (!writeRow(transactionId, cursor.row(), cursor.weight()))
            {
                return false;
            }
            rowPending = false;
            partialRows++;
        }
    }

    /**
     * Agent thread: transactions at or below {@code transactionId} are already in the sink; their rows and ends
     * are read but not handed on.
     *
     * @param transactionId the last transaction the sink holds.
     */
    public void dropUpTo(final long transactionId)
    {
        reader.dropUpTo = transactionId;
    }

    /**
     * Agent thread: hands on at most {@code limit} messages.
     *
     * @return messages read.
     */
    public int read(final Handler handler, final int limit)
    {
        reader.handler = handler;
        return ringBuffer.read(reader, limit);
    }

    /**
     * Agent thread: hands on everything queued so far (at close, on flush).
     *
     * @return messages read.
     */
    public int drain(final Handler handler)
    {
        reader.handler = handler;
        int total = 0;
        int read;
        while ((read = ringBuffer.read(reader)) > 0)
        {
            total += read;
        }
        return total;
    }

    /** Agent thread: sets the buffered counters to the rows and bytes in the queue. */
    public void publishBuffered(final EndpointCounters counters)
    {
        counters.bufferedRecords().setRelease((long)ROWS_QUEUED.getAcquire(this) - reader.rowsTaken);
        counters.bufferedBytes().setRelease(ringBuffer.size());
    }

    private void rewind(final ZSetBatch delta)
    {
        if (null == cursor)
        {
            cursor = delta.cursor();
        }
        else
        {
            cursor.reset(delta);
        }
    }

    private boolean writeRow(final long transactionId, final RowView row, final long weight)
    {
        final int length = ROW_OFFSET + row.length();
        if (length > ringBuffer.maxMsgLength())
        {
            throw new KeelException(KeelException.Category.CONNECTOR, "CONNECTOR_RECORD_TOO_LARGE",
                "endpoint '" + name + "': " + target + ": a row of " + row.length() + " bytes is more than the " +
                "queue takes (" + (ringBuffer.maxMsgLength() - ROW_OFFSET) + "); raise queue_capacity_bytes");
        }
        final int index = ringBuffer.tryClaim(ROW_MSG_TYPE_ID, length);
        if (index <= 0)
        {
            return false;
        }
        final MutableDirectBuffer buffer = ringBuffer.buffer();
        buffer.putLong(index + TXN_OFFSET, transactionId, ByteOrder.LITTLE_ENDIAN);
        buffer.putLong(index + WEIGHT_OFFSET, weight, ByteOrder.LITTLE_ENDIAN);
        buffer.putBytes(index + ROW_OFFSET, row.buffer(), row.offset(), row.length());
        ROWS_QUEUED.setRelease(this, rowsQueued + 1);
        ringBuffer.commit(index);
        return true;
    }

    private boolean writeEndTransaction(final long transactionId)
    {
        final int index = ringBuffer.tryClaim(END_TXN_MSG_TYPE_ID, 8);
        if (index <= 0)
        {
            return false;
        }
        ringBuffer.buffer().putLong(index + TXN_OFFSET, transactionId, ByteOrder.LITTLE_ENDIAN);
        ringBuffer.commit(index);
        return true;
    }

    /** Agent side: decodes messages and hands on what the sink does not hold yet. */
    private static final class Reader implements MessageHandler
    {
        private final RowView row;
        private Handler handler;
        private long dropUpTo = NO_TRANSACTION;
        private long rowsTaken;

        Reader(final RowView row)
        {
            this.row = row;
        }

        public void onMessage(final int msgTypeId, final MutableDirectBuffer buffer, final int index, final int length)
        {
            final long transactionId = buffer.getLong(index + TXN_OFFSET, ByteOrder.LITTLE_ENDIAN);
            if (msgTypeId == END_TXN_MSG_TYPE_ID)
            {
                if (transactionId > dropUpTo)
                {
                    handler.onEndTransaction(transactionId);
                }
                return;
            }
            rowsTaken++;
            final long weight = buffer.getLong(index + WEIGHT_OFFSET, ByteOrder.LITTLE_ENDIAN);
            if (transactionId <= dropUpTo || 0 == weight)
            {
                return;
            }
            row.wrap(buffer, index + ROW_OFFSET, length - ROW_OFFSET);
            handler.onRow(transactionId, weight, row);
        }
    }
}
