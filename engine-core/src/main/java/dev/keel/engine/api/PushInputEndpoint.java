package dev.keel.engine.api;

import dev.keel.engine.circuit.BatchCodec;
import dev.keel.engine.connector.EndpointCounters;
import dev.keel.engine.connector.InputEndpoint;
import dev.keel.engine.data.ZSetBatch;
import org.agrona.MutableDirectBuffer;
import org.agrona.concurrent.ControlledMessageHandler;

/**
 * The circuit's side of an {@link InputHandle}: drains its ring buffer into the step's batch. Not
 * replayable (rows pushed by a host cannot be read again), so a journal keeps the step's records.
 * {@code maxRecords} is exact for single rows; a pushed batch is taken whole.
 */
final class PushInputEndpoint implements InputEndpoint, ControlledMessageHandler
{
    private final String name;
    private final InputHandle handle;
    private ZSetBatch out;
    private int maxRecords;
    private int polled;
    private long polledBytes;
    private EndpointCounters counters;

    PushInputEndpoint(final String name, final InputHandle handle)
    {
        this.name = name;
        this.handle = handle;
        this.counters = EndpointCounters.detached(name);
    }

    /**
     * All counted on the circuit thread by {@link #poll}: records and message bytes taken, and the bytes still
     * in the handle's ring buffer (the records in it are not known until decoded, so buffered records stay 0).
     */
    public void counters(final EndpointCounters counters)
    {
        this.counters = counters;
    }

    public String name()
    {
        return name;
    }

    public boolean replayable()
    {
        return false;
    }

    public void open(final long resumePosition)
    {
    }

    public int poll(final ZSetBatch out, final int maxRecords, final long stopAtPosition)
    {
        this.out = out;
        this.maxRecords = maxRecords;
        this.polled = 0;
        this.polledBytes = 0;
        // a read stops at the end of the buffer; read again to take what wrapped around
        int read;
        do
        {
            read = handle.ringBuffer().controlledRead(this);
        }
        while (read > 0 && polled < maxRecords);
        this.out = null;
        if (polled > 0)
        {
            counters.records().getAndAddRelease(polled);
            counters.bytes().getAndAddRelease(polledBytes);
        }
        counters.bufferedBytes().setRelease(handle.ringBuffer().size());
        return polled;
    }

    public Action onMessage(final int msgTypeId, final MutableDirectBuffer buffer, final int index, final int length)
    {
        if (msgTypeId != InputHandle.MSG_TYPE_ENTRIES)
        {
            throw new IllegalStateException("input handle '" + name + "': unknown message type " + msgTypeId);
        }
        polled += BatchCodec.decode(buffer, index, length, out);
        polledBytes += length;
        return polled >= maxRecords ? Action.BREAK : Action.CONTINUE;
    }

    public long position()
    {
        return NO_POSITION;
    }

    public boolean endOfInput()
    {
        return handle.endOfInput();
    }

    public long skippedRecords()
    {
        return 0;
    }

    public void close()
    {
        handle.pipelineClosed();
    }
}
