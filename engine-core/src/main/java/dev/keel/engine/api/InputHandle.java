package dev.keel.engine.api;

import dev.keel.engine.circuit.BatchCodec;
import dev.keel.engine.circuit.PipelineLifecycle;
import dev.keel.engine.circuit.PipelineState;
import dev.keel.engine.data.RowView;
import dev.keel.engine.data.RowWriter;
import dev.keel.engine.data.Schema;
import dev.keel.engine.data.ZSetBatch;
import org.agrona.DirectBuffer;
import org.agrona.concurrent.AtomicBuffer;
import org.agrona.concurrent.ringbuffer.ManyToOneRingBuffer;
import org.agrona.concurrent.ringbuffer.RingBuffer;

/**
 * Pushes rows into one input table from any host thread. Rows go through a many-to-one ring buffer to
 * the table's push endpoint, which the circuit polls like any other (not replayable: with a journal, the
 * step's rows are journaled). Methods return false when the buffer is full (back pressure): retry later.
 * Inserting allocates nothing; each thread brings its own {@link RowWriter}.
 * <p>
 * {@link #close()} ends this input: once every table's input ended and the output was delivered, the
 * pipeline completes. Call it after every push on every thread has returned.
 */
public final class InputHandle implements AutoCloseable
{
    static final int MSG_TYPE_ENTRIES = 1;

    private final String table;
    private final Schema schema;
    private final ManyToOneRingBuffer ringBuffer;
    private PipelineLifecycle lifecycle;
    private volatile boolean closed;
    private volatile boolean pipelineClosed;

    InputHandle(final String table, final Schema schema, final ManyToOneRingBuffer ringBuffer)
    {
        this.table = table;
        this.schema = schema;
        this.ringBuffer = ringBuffer;
    }

    /** Set once at launch, before the handle is published to the host. */
    void lifecycle(final PipelineLifecycle lifecycle)
    {
        this.lifecycle = lifecycle;
    }

    /** Table this handle feeds. */
    public String table()
    {
        return table;
    }

    /** Schema of the table's rows. */
    public Schema schema()
    {
        return schema;
    }

    /**
     * Inserts the row a writer has just finished.
     *
     * @param row a writer of this table's schema after {@link RowWriter#finish()}.
     * @return false if the buffer is full.
     */
    public boolean insert(final RowWriter row)
    {
        checkSchema(row.schema());
        return write(row.buffer(), 0, row.length(), 1);
    }

    /**
     * Deletes (retracts one copy of) a row.
     *
     * @param row a writer of this table's schema after {@link RowWriter#finish()}.
     * @return false if the buffer is full.
     */
    public boolean delete(final RowWriter row)
    {
        checkSchema(row.schema());
        return write(row.buffer(), 0, row.length(), -1);
    }

    /**
     * Adds a row with any weight.
     *
     * @param row    a row of this table's schema.
     * @param weight positive to insert, negative to retract.
     * @return false if the buffer is full.
     */
    public boolean push(final RowView row, final long weight)
    {
        checkSchema(row.schema());
        return write(row.buffer(), row.offset(), row.length(), weight);
    }

    /**
     * Pushes a whole batch as one unit (its records land in the same step). Allocates a cursor.
     *
     * @param batch a batch of this table's schema, at most {@link #maxBatchBytes()} bytes.
     * @return false if the buffer is full.
     */
    public boolean push(final ZSetBatch batch)
    {
        checkSchema(batch.schema());
        checkOpen();
        final int length = batch.byteLength();
        if (length > ringBuffer.maxMsgLength())
        {
            throw new IllegalArgumentException("batch of " + length + " bytes exceeds the " +
                ringBuffer.maxMsgLength() + " bytes an input handle takes at once (EngineContext.inputHandleBufferLength / 8)");
        }
        if (0 == length)
        {
            return true;
        }
        final int index = ringBuffer.tryClaim(MSG_TYPE_ENTRIES, length);
        if (index < 0)
        {
            return false;
        }
        final AtomicBuffer buffer = ringBuffer.buffer();
        try
        {
            BatchCodec.encode(batch.cursor(), buffer, index);
        }
        catch (final RuntimeException ex)
        {
            ringBuffer.abort(index);
            throw ex;
        }
        ringBuffer.commit(index);
        return true;
    }

    /** Largest batch {@link #push(ZSetBatch)} takes, in {@link ZSetBatch#byteLength()} bytes. */
    public int maxBatchBytes()
    {
        return ringBuffer.maxMsgLength();
    }

    /** Ends this input: no more rows will come. Idempotent. */
    public void close()
    {
        closed = true;
    }

    /** True once {@link #close()} was called. */
    public boolean isClosed()
    {
        return closed;
    }

    boolean endOfInput()
    {
        // closed is read first: every push that returned before close() is then visible in the ring
        return closed && ringBuffer.size() == 0;
    }

    void pipelineClosed()
    {
        pipelineClosed = true;
    }

    RingBuffer ringBuffer()
    {
        return ringBuffer;
    }

    private boolean write(final DirectBuffer src, final int offset, final int length, final long weight)
    {
        checkOpen();
        final int entryLength = BatchCodec.entryLength(length);
        if (entryLength > ringBuffer.maxMsgLength())
        {
            throw new IllegalArgumentException("row of " + length + " bytes exceeds the " +
                ringBuffer.maxMsgLength() + " bytes an input handle takes at once");
        }
        final int index = ringBuffer.tryClaim(MSG_TYPE_ENTRIES, entryLength);
        if (index < 0)
        {
            return false;
        }
        BatchCodec.encodeEntry(src, offset, length, weight, ringBuffer.buffer(), index);
        ringBuffer.commit(index);
        return true;
    }

    private void checkSchema(final Schema rowSchema)
    {
        if (rowSchema != schema && !rowSchema.equals(schema))
        {
            throw new IllegalArgumentException("row of " + rowSchema + " pushed to table '" + table + "' of " + schema);
        }
    }

    private void checkOpen()
    {
        if (closed)
        {
            throw new IllegalStateException("input handle of table '" + table + "' is closed (end of input)");
        }
        if (pipelineClosed)
        {
            throw new IllegalStateException("pipeline closed: cannot push to table '" + table + "'");
        }
        if (lifecycle.state() == PipelineState.FAILED)
        {
            lifecycle.throwIfFailed("push to table '" + table + "'");
        }
    }
}
