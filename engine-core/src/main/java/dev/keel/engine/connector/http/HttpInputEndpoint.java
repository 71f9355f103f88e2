package dev.keel.engine.connector.http;

import dev.keel.engine.circuit.BatchCodec;
import dev.keel.engine.connector.EndpointCounters;
import dev.keel.engine.connector.InputEndpoint;
import dev.keel.engine.connector.RingBufferInput;
import dev.keel.engine.connector.format.FormatSettings;
import dev.keel.engine.connector.format.RecordParseException;
import dev.keel.engine.connector.format.RecordParser;
import dev.keel.engine.data.RowWriter;
import dev.keel.engine.data.Schema;
import dev.keel.engine.data.ZSetBatch;
import org.agrona.MutableDirectBuffer;
import org.agrona.concurrent.Agent;
import org.agrona.concurrent.ControlledMessageHandler;
import org.agrona.concurrent.UnsafeBuffer;
import org.agrona.concurrent.ringbuffer.OneToOneRingBuffer;
import org.agrona.concurrent.ringbuffer.RingBufferDescriptor;

import java.nio.ByteBuffer;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.locks.LockSupport;

/**
 * The {@code http_input} endpoint of one table: the node's HTTP server parses the body of
 * {@code POST .../ingress/{table}} with {@link #parse} (on its own thread), then hands the records over with
 * {@link #submit}; the circuit polls them like any other input. Not replayable: with a journal, each step keeps the
 * records it took, so that a restart replays acknowledged records exactly once.
 * <p>
 * <b>All or nothing.</b> A body is parsed whole before anything is submitted; a bad record refuses the whole body
 * ({@link IngressException.Kind#BAD_RECORD}, with its line and offset), and an accepted body is one message in the
 * buffer that the circuit takes whole into one step. A client may therefore resend a refused body as it is.
 * <p>
 * <b>Back pressure.</b> The buffer between the server and the circuit is bounded by {@code max_queued_records}
 * (and the ring buffer's bytes, sized for that many records); a body that does not fit now is refused
 * ({@link IngressException.Kind#FULL}: the node answers 503 with {@code Retry-After}), never queued without
 * bound, and the circuit never waits for the server.
 * <p>
 * <b>Acknowledgement.</b> Each accepted body gets an {@link Ack} whose {@link Ack#durable()} completes once the step
 * that took it is durable ({@link InputEndpoint#onStepsDurable}): journaled with {@code exactly_once}, run without a
 * journal. The circuit side of this ({@link #poll}, {@link #onStepSealed}, {@link #onStepsDurable}) allocates
 * nothing and takes no lock; the endpoint's agent wakes the thread set with {@link #acknowledgedBy} (or completes
 * the futures itself when none is set).
 */
public final class HttpInputEndpoint implements InputEndpoint
{
    static final int MSG_TYPE_BODY = 1;
    private static final int SEALED_CAPACITY = 4096;

    private final String name;
    private final String table;
    private final Schema schema;
    private final FormatSettings defaultFormat;
    private final long maxQueuedRecords;
    private final OneToOneRingBuffer ringBuffer;
    private final HttpEndpoints registry;
    private final Object producerLock = new Object();
    private final ConcurrentLinkedQueue<Ack> awaitingDurability = new ConcurrentLinkedQueue<>();
    private final ControlledMessageHandler handler = this::onMessage;
    private final AckAgent agent = new AckAgent();
    private EndpointCounters counters;

    // producer side, under producerLock
    private long acceptedRequests;
    private volatile long acceptedRecords; // written under producerLock, read by the agent without it
    private boolean closed;

    // circuit thread
    private ZSetBatch out;
    private int maxRecords;
    private int polled;
    private long polledRequests;
    private long lastSealedRequests;
    private final long[] sealedSteps = new long[SEALED_CAPACITY];
    private final long[] sealedRequests = new long[SEALED_CAPACITY];
    private int sealedHead;
    private int sealedCount;

    // shared
    private volatile long polledRecords;
    private volatile long durableRequests;
    private volatile boolean failed;
    private volatile Thread acknowledger;

    HttpInputEndpoint(
        final String name,
        final String table,
        final Schema schema,
        final FormatSettings defaultFormat,
        final long maxQueuedRecords,
        final HttpEndpoints registry)
    {
        this.name = name;
        this.table = table;
        this.schema = schema;
        this.defaultFormat = defaultFormat;
        this.maxQueuedRecords = maxQueuedRecords;
        this.registry = registry;
        final int capacity = RingBufferInput.queueCapacityFor(schema, (int)Math.min(Integer.MAX_VALUE, maxQueuedRecords));
        this.ringBuffer = new OneToOneRingBuffer(new UnsafeBuffer(
            ByteBuffer.allocateDirect(capacity + RingBufferDescriptor.TRAILER_LENGTH)));
        this.counters = EndpointCounters.detached(name);
        registry.register(this);
    }

    /** An accepted body: its records, and when they are durable. */
    public static final class Ack
    {
        private final long sequence;
        private final int records;
        private final CompletableFuture<Void> durable = new CompletableFuture<>();

        Ack(final long sequence, final int records)
        {
            this.sequence = sequence;
            this.records = records;
        }

        /** @return the number of records of the body. */
        public int records()
        {
            return records;
        }

        /**
         * @return completes once the step that took the records is durable; fails if the endpoint closes first.
         */
        public CompletableFuture<Void> durable()
        {
            return durable;
        }
    }

    public String name()
    {
        return name;
    }

    /** @return the table this endpoint feeds. */
    public String table()
    {
        return table;
    }

    /** @return the schema of the table's rows. */
    public Schema schema()
    {
        return schema;
    }

    /** @return the format of the endpoint's configuration ({@code json}, {@code insert_delete} without one). */
    public FormatSettings defaultFormat()
    {
        return defaultFormat;
    }

    /** @return the most records that may wait in the buffer. */
    public long maxQueuedRecords()
    {
        return maxQueuedRecords;
    }

    /**
     * Parses a whole body into a new batch, on the caller's thread. A record per line (CSV records may span lines
     * inside quotes); blank lines are skipped; with a CSV header the first line names the columns.
     *
     * @param body   the request body.
     * @param format the body's format.
     * @return the body's records.
     * @throws IngressException ({@link IngressException.Kind#BAD_RECORD}) naming the line, the offset and the
     *                          problem (the parser names the column) of the first bad record.
     */
    public ZSetBatch parse(final byte[] body, final FormatSettings format)
    {
        final RecordParser parser = format.newParser(schema);
        final RowWriter writer = new RowWriter(schema);
        final ZSetBatch batch = new ZSetBatch(schema, Math.max(1024, body.length * 2));
        final UnsafeBuffer buffer = new UnsafeBuffer(body);
        final int limit = body.length;
        boolean headerDone = !parser.expectsHeader();
        long line = 1;
        int start = 0;
        while (start < limit)
        {
            int end = parser.findRecordEnd(buffer, start, limit);
            if (end < 0)
            {
                // the last line needs no '\n'
                end = limit;
            }
            final int contentEnd = end > start && body[end - 1] == '\r' ? end - 1 : end;
            try
            {
                if (!headerDone)
                {
                    parser.parseHeader(buffer, start, contentEnd);
                    headerDone = true;
                }
                else
                {
                    final long weight = parser.parse(buffer, start, contentEnd, writer);
                    if (0 != weight)
                    {
                        batch.add(writer, weight);
                    }
                }
            }
            catch (final RecordParseException | IllegalArgumentException e)
            {
                counters.errors().incrementRelease();
                throw new IngressException(IngressException.Kind.BAD_RECORD, "table '" + table + "': line " + line +
                    " (offset " + start + "): " + e.getMessage() + "; nothing of this request was accepted",
                    line, start);
            }
            for (int i = start; i < end; i++)
            {
                if (body[i] == '\n')
                {
                    line++;
                }
            }
            line++;
            start = end + 1;
        }
        return batch;
    }

    /**
     * Hands a parsed body to the pipeline, whole, or refuses it whole. Any thread.
     *
     * @param batch     the records, from {@link #parse}.
     * @param bodyBytes the size of the body, for the endpoint's byte counter.
     * @return the acknowledgement of the accepted body.
     * @throws IngressException ({@link IngressException.Kind#FULL}, {@code TOO_LARGE}, {@code CLOSED}) if refused.
     */
    public Ack submit(final ZSetBatch batch, final long bodyBytes)
    {
        final int records = batch.size();
        final int length = batch.byteLength();
        if (length > ringBuffer.maxMsgLength() || records > maxQueuedRecords)
        {
            throw new IngressException(IngressException.Kind.TOO_LARGE, "table '" + table + "': a request of " +
                records + " records (" + length + " bytes) is more than endpoint '" + name + "' buffers at once (" +
                maxQueuedRecords + " records, " + ringBuffer.maxMsgLength() + " bytes); split it or raise " +
                "max_queued_records");
        }
        final Ack ack;
        synchronized (producerLock)
        {
            if (closed || failed)
            {
                throw new IngressException(IngressException.Kind.CLOSED,
                    "table '" + table + "': the pipeline is " + (closed ? "closed" : "failed"));
            }
            if (0 == records)
            {
                final Ack empty = new Ack(acceptedRequests, 0);
                empty.durable.complete(null);
                return empty;
            }
            final long queued = acceptedRecords - polledRecords;
            final int index = queued + records > maxQueuedRecords ? -1 :
                ringBuffer.tryClaim(MSG_TYPE_BODY, length);
            if (index < 0)
            {
                throw new IngressException(IngressException.Kind.FULL, "table '" + table + "': endpoint '" + name +
                    "' has " + queued + " records waiting for the pipeline (max_queued_records " +
                    maxQueuedRecords + "); retry later");
            }
            try
            {
                BatchCodec.encode(batch.cursor(), ringBuffer.buffer(), index);
            }
            catch (final RuntimeException ex)
            {
                ringBuffer.abort(index);
                throw ex;
            }
            ack = new Ack(++acceptedRequests, records);
            acceptedRecords = acceptedRecords + records;
            // in sequence order: the agent completes them from the head
            awaitingDurability.add(ack);
            ringBuffer.commit(index);
        }
        counters.bytes().getAndAddRelease(bodyBytes);
        return ack;
    }

    /**
     * Records: taken by the circuit. Bytes: of accepted bodies. Errors: bodies refused for a bad record.
     * Buffered: accepted records the circuit has not taken yet, and the bytes they take.
     */
    public void counters(final EndpointCounters counters)
    {
        this.counters = counters;
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
        int read;
        do
        {
            read = ringBuffer.controlledRead(handler);
        }
        while (read > 0 && polled < maxRecords);
        this.out = null;
        if (polled > 0)
        {
            counters.records().getAndAddRelease(polled);
            polledRecords = polledRecords + polled;
        }
        return polled;
    }

    private ControlledMessageHandler.Action onMessage(
        final int msgTypeId, final MutableDirectBuffer buffer, final int index, final int length)
    {
        if (polled >= maxRecords)
        {
            return ControlledMessageHandler.Action.ABORT;
        }
        // a body is taken whole, even past maxRecords: its records belong to one step
        polled += BatchCodec.decode(buffer, index, length, out);
        polledRequests++;
        return polled >= maxRecords ? ControlledMessageHandler.Action.BREAK : ControlledMessageHandler.Action.CONTINUE;
    }

    public void onStepSealed(final long step)
    {
        if (polledRequests == lastSealedRequests)
        {
            return;
        }
        lastSealedRequests = polledRequests;
        if (sealedCount == SEALED_CAPACITY)
        {
            // more steps in flight than slots: the newest slot covers this step too (acknowledged a little later)
            final int last = (sealedHead + sealedCount - 1) & (SEALED_CAPACITY - 1);
            sealedSteps[last] = step;
            sealedRequests[last] = polledRequests;
            return;
        }
        final int slot = (sealedHead + sealedCount) & (SEALED_CAPACITY - 1);
        sealedSteps[slot] = step;
        sealedRequests[slot] = polledRequests;
        sealedCount++;
    }

    public void onStepsDurable(final long step)
    {
        long durable = -1;
        while (sealedCount > 0 && sealedSteps[sealedHead] <= step)
        {
            durable = sealedRequests[sealedHead];
            sealedHead = (sealedHead + 1) & (SEALED_CAPACITY - 1);
            sealedCount--;
        }
        if (durable >= 0)
        {
            durableRequests = durable;
        }
    }

    public long position()
    {
        return NO_POSITION;
    }

    /** Never: clients may always send more. */
    public boolean endOfInput()
    {
        return false;
    }

    public long skippedRecords()
    {
        return 0;
    }

    public Agent agent()
    {
        return agent;
    }

    /**
     * Marks the endpoint failed: new bodies are refused (the pipeline failed and will not take them). Any thread.
     */
    public void fail()
    {
        failed = true;
    }

    public void close()
    {
        synchronized (producerLock)
        {
            closed = true;
        }
        registry.unregister(this);
        failAwaiting();
    }

    private void failAwaiting()
    {
        Ack ack;
        while (null != (ack = awaitingDurability.poll()))
        {
            ack.durable.completeExceptionally(new IngressException(IngressException.Kind.CLOSED, "table '" + table +
                "': the pipeline closed before the records were durable; they may or may not be in the journal"));
        }
    }

    /**
     * Sets the thread that completes the acknowledgements ({@link #completeDurable()}): the endpoint's agent then
     * only unparks it when bodies became durable, so that what depends on an acknowledgement (sending an HTTP
     * answer) never runs on the agent, which may share the circuit's thread. Without one the agent completes them.
     *
     * @param thread the completing thread, or null.
     */
    public void acknowledgedBy(final Thread thread)
    {
        this.acknowledger = thread;
    }

    /**
     * Completes the acknowledgement of every body whose step is durable; any one thread at a time.
     *
     * @return the acknowledgements completed.
     */
    public int completeDurable()
    {
        final long durable = durableRequests;
        int work = 0;
        Ack head;
        while (null != (head = awaitingDurability.peek()) && head.sequence <= durable)
        {
            awaitingDurability.poll();
            head.durable.complete(null);
            work++;
        }
        return work;
    }

    /** Completes (or has completed) the acknowledgements of durable bodies, off the circuit's code path. */
    private final class AckAgent implements Agent
    {
        private long signalled;

        public int doWork()
        {
            int work = 0;
            final Thread thread = acknowledger;
            if (null == thread)
            {
                work += completeDurable();
            }
            else
            {
                final long durable = durableRequests;
                if (durable > signalled)
                {
                    signalled = durable;
                    LockSupport.unpark(thread);
                    work++;
                }
            }
            final long buffered = Math.max(0, acceptedRecords - polledRecords);
            counters.bufferedRecords().setRelease(buffered);
            counters.bufferedBytes().setRelease(ringBuffer.size());
            return work;
        }

        public void onClose()
        {
            failAwaiting();
        }

        public String roleName()
        {
            return "keel-http-input-" + name;
        }
    }
}
