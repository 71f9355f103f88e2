package dev.keel.engine.api;

import dev.keel.engine.circuit.BatchCodec;
import dev.keel.engine.data.RowView;
import dev.keel.engine.data.Schema;
import dev.keel.engine.data.ZSetBatch;
import org.agrona.DirectBuffer;
import org.agrona.MutableDirectBuffer;
import org.agrona.concurrent.MessageHandler;
import org.agrona.concurrent.UnsafeBuffer;
import org.agrona.concurrent.ringbuffer.OneToOneRingBuffer;

import java.nio.ByteBuffer;
import java.util.HashMap;
import java.util.Map;

/**
 * The host's side of a view: {@link #poll(OutputListener)} takes the transactions the pipeline delivered
 * since the last poll, hands each (transaction id, delta) to a listener and integrates it, so that
 * {@link #forEachRow(RowConsumer)} and {@link #weight(DirectBuffer, int, int)} show the view's current
 * content. Polling and reading happen on host threads (serialised by this handle) and allocate; the
 * pipeline side does not. A handle the host does not poll fills up and then stalls the pipeline (back
 * pressure, nothing is dropped).
 */
public final class OutputHandle
{
    /** Receives the rows of the integrated view. */
    @FunctionalInterface
    public interface RowConsumer
    {
        /**
         * @param row    a row of the view (valid during the call).
         * @param weight its multiplicity, never 0.
         */
        void accept(RowView row, long weight);
    }

    private final String view;
    private final Schema schema;
    private final OneToOneRingBuffer ringBuffer;
    private final ZSetBatch assembling;
    private final ZSetBatch.Cursor assemblingCursor;
    private final Map<ByteBuffer, Long> integrated = new HashMap<>();
    private final RowView rowView;
    private final MessageHandler handler = this::onMessage;
    private OutputListener listener;
    private long lastTransactionId;
    private int polledTransactions;

    OutputHandle(final String view, final Schema schema, final OneToOneRingBuffer ringBuffer)
    {
        this.view = view;
        this.schema = schema;
        this.ringBuffer = ringBuffer;
        this.assembling = new ZSetBatch(schema);
        this.assemblingCursor = assembling.cursor();
        this.rowView = new RowView(schema);
    }

    /** The view. */
    public String view()
    {
        return view;
    }

    /** Schema of the view's rows. */
    public Schema schema()
    {
        return schema;
    }

    /**
     * Integrates every transaction delivered since the last poll, telling the listener of each.
     *
     * @param listener told of each transaction, in order, or null.
     * @return the number of transactions taken.
     */
    public synchronized int poll(final OutputListener listener)
    {
        this.listener = listener;
        this.polledTransactions = 0;
        try
        {
            int read;
            do
            {
                read = ringBuffer.read(handler);
            }
            while (read > 0);
        }
        finally
        {
            this.listener = null;
        }
        return polledTransactions;
    }

    /**
     * Integrates every transaction delivered since the last poll.
     *
     * @return the number of transactions taken.
     */
    public int poll()
    {
        return poll(null);
    }

    /** Last transaction taken by a poll (0 before any). */
    public synchronized long lastTransactionId()
    {
        return lastTransactionId;
    }

    /** Number of distinct rows in the integrated view. */
    public synchronized int rowCount()
    {
        return integrated.size();
    }

    /**
     * Weight of a row in the integrated view.
     *
     * @param row    row bytes.
     * @param offset start.
     * @param length length.
     * @return its weight, 0 if absent.
     */
    public synchronized long weight(final DirectBuffer row, final int offset, final int length)
    {
        final byte[] bytes = new byte[length];
        row.getBytes(offset, bytes);
        final Long weight = integrated.get(ByteBuffer.wrap(bytes));
        return null == weight ? 0 : weight;
    }

    /**
     * Visits every row of the integrated view, in no particular order.
     *
     * @param consumer receives rows and weights.
     */
    public synchronized void forEachRow(final RowConsumer consumer)
    {
        final UnsafeBuffer buffer = new UnsafeBuffer(new byte[0]);
        for (final Map.Entry<ByteBuffer, Long> entry : integrated.entrySet())
        {
            final byte[] bytes = entry.getKey().array();
            buffer.wrap(bytes);
            consumer.accept(rowView.wrap(buffer, 0, bytes.length), entry.getValue());
        }
    }

    private void onMessage(final int msgTypeId, final MutableDirectBuffer buffer, final int index, final int length)
    {
        final long transactionId = buffer.getLong(index);
        BatchCodec.decode(buffer, index + HandleOutputEndpoint.TRANSACTION_ID_LENGTH,
            length - HandleOutputEndpoint.TRANSACTION_ID_LENGTH, assembling);
        if (msgTypeId == HandleOutputEndpoint.MSG_TYPE_END)
        {
            integrate();
            if (null != listener)
            {
                listener.onTransaction(transactionId, assembling);
            }
            assembling.clear();
            lastTransactionId = transactionId;
            polledTransactions++;
        }
    }

    private void integrate()
    {
        assemblingCursor.reset();
        while (assemblingCursor.next())
        {
            final RowView row = assemblingCursor.row();
            final byte[] bytes = new byte[row.length()];
            row.buffer().getBytes(row.offset(), bytes);
            final ByteBuffer key = ByteBuffer.wrap(bytes);
            final long weight = integrated.getOrDefault(key, 0L) + assemblingCursor.weight();
            if (0 == weight)
            {
                integrated.remove(key);
            }
            else
            {
                integrated.put(key, weight);
            }
        }
    }
}
