package dev.keel.engine.api;

import dev.keel.engine.circuit.BatchCodec;
import dev.keel.engine.connector.EndpointCounters;
import dev.keel.engine.connector.OutputEndpoint;
import dev.keel.engine.data.ZSetBatch;
import org.agrona.ExpandableDirectByteBuffer;
import org.agrona.concurrent.ringbuffer.OneToOneRingBuffer;

import java.util.Arrays;

/**
 * The circuit's side of an {@link OutputHandle}: writes each transaction's delta into a one-to-one
 * ring buffer the host polls, as messages {@code | int64 transaction id | entries (BatchCodec) |}, type
 * {@link #MSG_TYPE_PART} for all but the last message of a transaction and {@link #MSG_TYPE_END} for
 * the last. A transaction may be larger than the ring: when the ring is full, {@link #offer} returns false
 * and resumes after the entries already written on the circuit's retry (the circuit offers the same entries
 * in the same order again). Allocation-free in steady state: cursors are cached per delta batch (the
 * circuit reuses a fixed set of batches).
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
    private int entriesWritten;
    private EndpointCounters counters;

    HandleOutputEndpoint(final String name, final OneToOneRingBuffer ringBuffer)
    {
        this.name = name;
        this.ringBuffer = ringBuffer;
        this.maxChunkLength = ringBuffer.maxMsgLength();
        this.chunk = new ExpandableDirectByteBuffer(maxChunkLength);
        this.counters = EndpointCounters.detached(name);
    }

    /**
     * All counted on the circuit thread by {@link #offer}: records and message bytes put in the ring buffer the
     * host polls, and the bytes the host has not taken yet (buffered records stay 0: not known without decoding).
     */
    public void counters(final EndpointCounters counters)
    {
        this.counters = counters;
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
            entriesWritten = 0;
        }
        // the circuit re-offers a refused transaction with the same entries in the same order, possibly from
        // another batch (its pending copy): progress is kept as a count of entries already in the ring
        final ZSetBatch.Cursor cursor = cursorFor(delta).reset();
        for (int i = 0; i < entriesWritten; i++)
        {
            cursor.next();
        }
        boolean heldEntry = false;
        while (true)
        {
            chunk.putLong(0, transactionId);
            int length = TRANSACTION_ID_LENGTH;
            int entries = 0;
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
                entries++;
                heldEntry = false;
            }
            if (!ringBuffer.write(last ? MSG_TYPE_END : MSG_TYPE_PART, chunk, 0, length))
            {
                counters.bufferedBytes().setRelease(ringBuffer.size());
                return false;
            }
            entriesWritten += entries;
            counters.records().getAndAddRelease(entries);
            counters.bytes().getAndAddRelease(length);
            counters.bufferedBytes().setRelease(ringBuffer.size());
            if (last)
            {
                deliveredTransactionId = transactionId;
                currentTransactionId = NO_TRANSACTION;
                entriesWritten = 0;
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
