package dev.keel.engine.api;

import dev.keel.engine.circuit.BatchCodec;
import dev.keel.engine.connector.OutputEndpoint;
import dev.keel.engine.data.ZSetBatch;
import org.agrona.ExpandableDirectByteBuffer;
import org.agrona.concurrent.ringbuffer.OneToOneRingBuffer;

import java.util.Arrays;

/**
 * The circuit's side of an {@link OutputHandle}: writes each transaction's delta into a one-to-one
 * ring buffer the host polls, as messages {@code | int64 transaction id | entries (BatchCodec) |}, type
 * {@link #MSG_TYPE_PART} for all but the last message of a transaction and {@link #MSG_TYPE_END} for
 * the last. When the ring is full, {@link #offer} returns false and resumes where it stopped on the
 * circuit's retry (the circuit offers the same delta again). Allocation-free in steady state: cursors
 * are cached per delta batch (the circuit reuses a fixed set of batches).
 */
final class HandleOutputEndpoint implements OutputEndpoint
{
    static final int MSG_TYPE_PART = 1;
    static final int MSG_TYPE_END = 2;
    static final int TRANSACTION_ID_LENGTH = 8;
    private static final long NO_TRANSACTION = Long.MIN_VALUE;

    private final String name;
    private final OneToOneRingBuffer ringBuffer;
    private final ExpandableDirectByteBuffer chunk;
    private final int maxChunkLength;
    private ZSetBatch[] cursorBatches = new ZSetBatch[8];
    private ZSetBatch.Cursor[] cursors = new ZSetBatch.Cursor[8];
    private int cursorCount;

    private long deliveredTransactionId;
    private long currentTransactionId = NO_TRANSACTION;
    private ZSetBatch.Cursor cursor;
    private boolean heldEntry;
    private boolean chunkReady;
    private int chunkType;
    private int chunkLength;

    HandleOutputEndpoint(final String name, final OneToOneRingBuffer ringBuffer)
    {
        this.name = name;
        this.ringBuffer = ringBuffer;
        this.maxChunkLength = ringBuffer.maxMsgLength();
        this.chunk = new ExpandableDirectByteBuffer(maxChunkLength);
    }

    public String name()
    {
        return name;
    }

    public void open()
    {
        deliveredTransactionId = 0;
    }

    public void restore(final long position, final long transactionId)
    {
        deliveredTransactionId = transactionId;
    }

    public boolean offer(final long transactionId, final ZSetBatch delta)
    {
        if (transactionId <= deliveredTransactionId)
        {
            return true;
        }
        if (transactionId != currentTransactionId)
        {
            currentTransactionId = transactionId;
            cursor = cursorFor(delta).reset();
            heldEntry = false;
            chunkReady = false;
        }
        while (true)
        {
            if (!chunkReady)
            {
                fillChunk(transactionId);
            }
            if (!ringBuffer.write(chunkType, chunk, 0, chunkLength))
            {
                return false;
            }
            chunkReady = false;
            if (chunkType == MSG_TYPE_END)
            {
                deliveredTransactionId = transactionId;
                currentTransactionId = NO_TRANSACTION;
                cursor = null;
                return true;
            }
        }
    }

    public long deliveredTransactionId()
    {
        return deliveredTransactionId;
    }

    public long deliveredPosition()
    {
        return 0;
    }

    public void flush()
    {
    }

    public void checkError()
    {
    }

    public void close()
    {
    }

    private void fillChunk(final long transactionId)
    {
        chunk.putLong(0, transactionId);
        int length = TRANSACTION_ID_LENGTH;
        boolean last = false;
        while (true)
        {
            if (!heldEntry)
            {
                if (!cursor.next())
                {
                    last = true;
                    break;
                }
                heldEntry = true;
            }
            final int entryLength = BatchCodec.entryLength(cursor.row().length());
            if (length + entryLength > maxChunkLength)
            {
                if (TRANSACTION_ID_LENGTH == length)
                {
                    throw new IllegalStateException("output handle '" + name + "': a row of " +
                        cursor.row().length() + " bytes does not fit a message of " + maxChunkLength +
                        " bytes; raise EngineContext.outputHandleBufferLength");
                }
                break;
            }
            length += BatchCodec.encodeEntry(cursor.row(), cursor.weight(), chunk, length);
            heldEntry = false;
        }
        chunkType = last ? MSG_TYPE_END : MSG_TYPE_PART;
        chunkLength = length;
        chunkReady = true;
    }

    private ZSetBatch.Cursor cursorFor(final ZSetBatch batch)
    {
        for (int i = 0; i < cursorCount; i++)
        {
            if (cursorBatches[i] == batch)
            {
                return cursors[i];
            }
        }
        if (cursorCount == cursorBatches.length)
        {
            cursorBatches = Arrays.copyOf(cursorBatches, cursorCount * 2);
            cursors = Arrays.copyOf(cursors, cursorCount * 2);
        }
        final ZSetBatch.Cursor newCursor = batch.cursor();
        cursorBatches[cursorCount] = batch;
        cursors[cursorCount] = newCursor;
        cursorCount++;
        return newCursor;
    }
}
