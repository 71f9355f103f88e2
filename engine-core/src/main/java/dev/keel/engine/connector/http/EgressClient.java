package dev.keel.engine.connector.http;

import dev.keel.engine.circuit.BatchCodec;
import dev.keel.engine.connector.format.JsonRecordEncoder;
import dev.keel.engine.connector.format.RecordEncoder;
import dev.keel.engine.data.RowView;
import dev.keel.engine.data.Schema;
import dev.keel.engine.data.ZSetBatch;
import org.agrona.BitUtil;
import org.agrona.ExpandableDirectByteBuffer;
import org.agrona.MutableDirectBuffer;
import org.agrona.concurrent.MessageHandler;
import org.agrona.concurrent.UnsafeBuffer;
import org.agrona.concurrent.ringbuffer.OneToOneRingBuffer;
import org.agrona.concurrent.ringbuffer.RingBufferDescriptor;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;

/**
 * One client of {@code GET .../egress/{view}}: a bounded ring buffer the circuit writes the view's changes into
 * ({@link #write}, allocation-free, never waiting) and the client's thread drains as JSON lines ({@link #drain}).
 * A client that lets the buffer fill up is dropped at once ({@link #dropReason()}): the circuit never waits for a
 * slow client, and a client never sees a stream with a hole in it, only a stream that ends with an error line.
 */
public final class EgressClient implements AutoCloseable
{
    private static final int MSG_TYPE_ENTRY = 1;

    private final HttpOutputEndpoint endpoint;
    private final OneToOneRingBuffer ringBuffer;
    private final RecordEncoder encoder;
    private final RowView row;
    private final MessageHandler handler = this::onMessage;
    private ExpandableDirectByteBuffer out;
    private int outLength;
    private long lines;
    private volatile String dropReason;
    private volatile boolean closed;

    EgressClient(final HttpOutputEndpoint endpoint, final Schema schema, final int bufferBytes)
    {
        this.endpoint = endpoint;
        this.ringBuffer = new OneToOneRingBuffer(new UnsafeBuffer(ByteBuffer.allocateDirect(
            BitUtil.findNextPositivePowerOfTwo(bufferBytes) + RingBufferDescriptor.TRAILER_LENGTH)));
        this.encoder = new JsonRecordEncoder(schema);
        this.row = new RowView(schema);
    }

    /**
     * Circuit thread: queues every entry of a delta, or drops this client if they do not fit.
     *
     * @return false if the client is (now) dropped.
     */
    boolean write(final ZSetBatch.Cursor cursor, final long transactionId)
    {
        if (null != dropReason || closed)
        {
            return false;
        }
        cursor.reset();
        while (cursor.next())
        {
            final RowView entry = cursor.row();
            final int length = BatchCodec.entryLength(entry.length());
            final int index = length > ringBuffer.maxMsgLength() ? -1 : ringBuffer.tryClaim(MSG_TYPE_ENTRY, length);
            if (index < 0)
            {
                dropReason = "view '" + endpoint.view() + "': this client fell behind by more than its buffer (" +
                    ringBuffer.capacity() + " bytes, client_buffer_bytes) at transaction " + transactionId +
                    "; it was disconnected so that the pipeline does not wait for it. Reconnect to follow the " +
                    "changes from now on";
                return false;
            }
            BatchCodec.encodeEntry(entry, cursor.weight(), ringBuffer.buffer(), index);
            ringBuffer.commit(index);
        }
        return true;
    }

    /**
     * Client thread: encodes the queued changes as JSON lines ({@code {"insert": {...}}} / {@code {"delete": {...}}},
     * one per unit of weight) into {@code out} from offset 0.
     *
     * @param out where the lines go (grown as needed).
     * @return the bytes written, 0 if nothing was queued.
     */
    public int drain(final ExpandableDirectByteBuffer out)
    {
        this.out = out;
        this.outLength = 0;
        ringBuffer.read(handler, 4096);
        this.out = null;
        return outLength;
    }

    private void onMessage(final int msgTypeId, final MutableDirectBuffer buffer, final int index, final int length)
    {
        final int rowLength = buffer.getInt(index, ByteOrder.LITTLE_ENDIAN);
        final long weight = buffer.getLong(index + 8, ByteOrder.LITTLE_ENDIAN);
        row.wrap(buffer, index + BatchCodec.ENTRY_HEADER_LENGTH, rowLength);
        for (long k = Math.abs(weight); k > 0; k--)
        {
            outLength = encoder.encode(row, weight, out, outLength);
            lines++;
        }
    }

    /** @return the lines drained so far. */
    public long lines()
    {
        return lines;
    }

    /** @return why the client was dropped (it then gets nothing more), or null while it keeps up. */
    public String dropReason()
    {
        return dropReason;
    }

    /** True if nothing is queued. */
    public boolean isEmpty()
    {
        return ringBuffer.size() == 0;
    }

    /** Stops receiving: the circuit forgets this client. Idempotent. */
    public void close()
    {
        if (!closed)
        {
            closed = true;
            endpoint.unsubscribe(this);
        }
    }

    /** True once closed, by the client or by its endpoint closing. */
    public boolean isClosed()
    {
        return closed;
    }

    void endpointClosed()
    {
        closed = true;
    }
}
