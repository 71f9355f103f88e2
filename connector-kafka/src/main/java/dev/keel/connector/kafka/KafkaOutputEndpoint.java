package dev.keel.connector.kafka;

import dev.keel.engine.KeelException;
import dev.keel.engine.connector.EndpointCounters;
import dev.keel.engine.connector.OutputEndpoint;
import dev.keel.engine.connector.format.RecordEncoder;
import dev.keel.engine.data.RowView;
import dev.keel.engine.data.Schema;
import dev.keel.engine.data.ZSetBatch;
import org.agrona.BitUtil;
import org.agrona.ExpandableDirectByteBuffer;
import org.agrona.MutableDirectBuffer;
import org.agrona.concurrent.Agent;
import org.agrona.concurrent.MessageHandler;
import org.agrona.concurrent.NanoClock;
import org.agrona.concurrent.UnsafeBuffer;
import org.agrona.concurrent.ringbuffer.OneToOneRingBuffer;
import org.agrona.concurrent.ringbuffer.RingBufferDescriptor;
import org.apache.kafka.clients.producer.Callback;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.header.Header;
import org.apache.kafka.common.header.internals.RecordHeader;
import org.apache.kafka.common.serialization.ByteArraySerializer;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Properties;

/**
 * A {@code kafka_output} endpoint: each change line the format produces for a step's delta becomes the value of
 * one Kafka message (no key: the bytes are the format's, never rewritten), written by a {@link KafkaProducer} on
 * the endpoint's own agent. Every message carries two headers: {@value #TRANSACTION_HEADER} (the Keel transaction
 * id, decimal ASCII) and {@value #PRODUCER_HEADER} (the endpoint's transactional id).
 * <p>
 * Hand-over: {@link #offer} copies the delta into an off-heap ring buffer (one message per row, then a
 * transaction end) and returns false when it is full, so the circuit thread never blocks; a delta is streamed
 * across offers as in {@code file_output}.
 * <p>
 * Exactly once (the pipeline's {@code exactly_once}): the producer uses {@code transactional.id}; one Kafka
 * transaction holds one or more whole Keel steps and commits when the queue is drained, on {@link #flush()},
 * after {@code max_steps_per_transaction} steps or 100 ms after its first complete step; only then is the last step in it published as
 * {@link #deliveredTransactionId()}. On open or restore the agent first calls {@code initTransactions} (fencing
 * a previous incarnation and aborting its open transaction), then reads the last committed Keel transaction id back
 * from the topic ({@link CommittedTransactionReader}) and drops offered steps up to it, so a replay after a kill -9
 * never commits a step twice and never loses one. Otherwise the producer is idempotent without transactions and a
 * step is delivered once every message of it was acknowledged (at least once).
 */
public final class KafkaOutputEndpoint implements OutputEndpoint
{
    /** Header with the Keel transaction id of a message. */
    public static final String TRANSACTION_HEADER = "keel.transaction.id";
    /** Header with the transactional id of the endpoint that wrote a message. */
    public static final String PRODUCER_HEADER = "keel.producer";
    /** {@link #deliveredTransactionId()} before any transaction was delivered. */
    public static final long NO_TRANSACTION = -1;

    private static final System.Logger LOGGER = System.getLogger(KafkaOutputEndpoint.class.getName());
    private static final int ROW_MSG_TYPE_ID = 1;
    private static final int END_TXN_MSG_TYPE_ID = 2;
    private static final int TXN_OFFSET = 0;
    private static final int WEIGHT_OFFSET = 8;
    private static final int ROW_OFFSET = 16;
    private static final int MAX_MESSAGES_PER_DUTY_CYCLE = 4096;
    private static final long MAX_TRANSACTION_NS = 100_000_000L;

    private final String name;
    private final Schema schema;
    private final KafkaOutputSettings settings;
    private final NanoClock clock;
    private final OneToOneRingBuffer ringBuffer;
    private final SenderAgent agent;
    private EndpointCounters counters;

    // circuit thread
    private ZSetBatch partialBatch;
    private long partialTransaction;
    private boolean rowPending;
    private long partialRows;
    private ZSetBatch cursorBatch;
    private ZSetBatch.Cursor cursor;

    // shared
    private volatile boolean opened;
    private volatile long restoredTransaction = NO_TRANSACTION;
    private volatile long flushRequests;
    private volatile KeelException error;
    private volatile long delivered = NO_TRANSACTION;
    private volatile long rowsQueued;

    private KafkaOutputEndpoint(
        final String name, final Schema schema, final KafkaOutputSettings settings, final NanoClock clock)
    {
        this.name = name;
        this.schema = schema;
        this.settings = settings;
        this.clock = clock;
        final int capacity = BitUtil.findNextPositivePowerOfTwo(settings.queueCapacityBytes());
        this.ringBuffer = new OneToOneRingBuffer(new UnsafeBuffer(
            ByteBuffer.allocateDirect(capacity + RingBufferDescriptor.TRAILER_LENGTH)));
        this.agent = new SenderAgent(settings.format().newEncoder(schema));
        this.counters = EndpointCounters.detached(name);
    }

    /** A {@code kafka_output} endpoint named {@code name} writing rows of {@code schema}. */
    public static KafkaOutputEndpoint create(
        final String name, final Schema schema, final KafkaOutputSettings settings, final NanoClock clock)
    {
        return new KafkaOutputEndpoint(name, schema, settings, clock);
    }

    public String name()
    {
        return name;
    }

    public KafkaOutputSettings settings()
    {
        return settings;
    }

    /** Records: messages acknowledged (committed); bytes: their values; errors: a send failure; buffered: queue. */
    public void counters(final EndpointCounters counters)
    {
        this.counters = counters;
    }

    public void open()
    {
        opened = true;
    }

    public void restore(final long position, final long transactionId)
    {
        restoredTransaction = transactionId;
        delivered = transactionId;
        opened = true;
    }

    public boolean offer(final long transactionId, final ZSetBatch delta)
    {
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
            // the same transaction's delta in another batch instance: continue after the rows already taken
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

    private void rewind(final ZSetBatch delta)
    {
        if (delta != cursorBatch)
        {
            cursorBatch = delta;
            cursor = delta.cursor();
        }
        cursor.reset();
    }

    private boolean writeRow(final long transactionId, final RowView row, final long weight)
    {
        final int length = ROW_OFFSET + row.length();
        if (length > ringBuffer.maxMsgLength())
        {
            throw error("CONNECTOR_RECORD_TOO_LARGE", "a row of " + row.length() + " bytes is more than the queue " +
                "takes (" + (ringBuffer.maxMsgLength() - ROW_OFFSET) + "); raise queue_capacity_bytes", null);
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
        rowsQueued = rowsQueued + 1;
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

    public long deliveredTransactionId()
    {
        return delivered;
    }

    /** The delivered transaction id again: a Kafka sink has no byte position of its own. */
    public long deliveredPosition()
    {
        return delivered;
    }

    public void flush()
    {
        flushRequests = flushRequests + 1;
    }

    public void checkError()
    {
        final KeelException e = error;
        if (null != e)
        {
            throw e;
        }
    }

    public Agent agent()
    {
        return agent;
    }

    public void close()
    {
    }

    private KeelException error(final String code, final String message, final Throwable cause)
    {
        return new KeelException(KeelException.Category.CONNECTOR, code,
            "endpoint '" + name + "': topic " + settings.topic() + ": " + message, cause);
    }

    public String toString()
    {
        return "KafkaOutputEndpoint{name='" + name + "', " + settings + "}";
    }

    /** Drains the queue, encodes, sends, commits and publishes what is delivered. */
    final class SenderAgent implements Agent, MessageHandler
    {
        private final RecordEncoder encoder;
        private final ExpandableDirectByteBuffer out = new ExpandableDirectByteBuffer(4096);
        private final RowView row;
        private final byte[] producerId = settings.transactionalId().getBytes(StandardCharsets.US_ASCII);
        private final Callback callback = (metadata, exception) ->
        {
            if (null != exception)
            {
                sendFailure(exception);
            }
        };
        private KafkaProducer<byte[], byte[]> producer;
        private boolean started;
        private boolean failed;
        private volatile Throwable sendError;
        private long skipUpTo = NO_TRANSACTION;
        private boolean inTransaction;
        private long headerTransaction = Long.MIN_VALUE;
        private List<Header> headers;
        private long lastEnded = NO_TRANSACTION;
        private long stepsPending;
        private long firstPendingNs;
        private long flushesDone;
        private long rowsTaken;
        private long messagesPending;
        private long bytesPending;

        SenderAgent(final RecordEncoder encoder)
        {
            this.encoder = encoder;
            this.row = new RowView(schema);
        }

        public int doWork()
        {
            counters.bufferedRecords().setRelease(rowsQueued - rowsTaken);
            counters.bufferedBytes().setRelease(ringBuffer.size());
            if (!opened || failed)
            {
                return 0;
            }
            try
            {
                if (!started)
                {
                    start();
                    return 1;
                }
                final long flushRequested = flushRequests;
                final int read = ringBuffer.read(this, MAX_MESSAGES_PER_DUTY_CYCLE);
                final boolean drained = read < MAX_MESSAGES_PER_DUTY_CYCLE;
                final long nowNs = clock.nanoTime();
                if (stepsPending > 0 && 0 == firstPendingNs)
                {
                    firstPendingNs = nowNs;
                }
                // a backlog that never drains still commits: at most every MAX_TRANSACTION_NS
                if (stepsPending > 0 && (drained || flushRequested != flushesDone ||
                    stepsPending >= settings.maxStepsPerTransaction() || nowNs - firstPendingNs >= MAX_TRANSACTION_NS))
                {
                    commit();
                    flushesDone = flushRequested;
                    return read + 1;
                }
                flushesDone = drained ? flushRequested : flushesDone;
                return read;
            }
            catch (final RuntimeException e)
            {
                fail(e);
                return 1;
            }
        }

        private void start()
        {
            started = true;
            final Properties properties = new Properties();
            properties.putAll(settings.producerProperties());
            properties.put(ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, "true");
            properties.put(ProducerConfig.ACKS_CONFIG, "all");
            properties.putIfAbsent(ProducerConfig.CLIENT_ID_CONFIG, "keel-" + name);
            if (settings.transactional())
            {
                properties.put(ProducerConfig.TRANSACTIONAL_ID_CONFIG, settings.transactionalId());
            }
            producer = new KafkaProducer<>(properties, new ByteArraySerializer(), new ByteArraySerializer());
            skipUpTo = restoredTransaction;
            if (settings.transactional())
            {
                producer.initTransactions();
                final long committed = CommittedTransactionReader.lastCommitted(
                    settings.producerProperties(), settings.topic(), settings.transactionalId());
                if (committed > skipUpTo)
                {
                    LOGGER.log(System.Logger.Level.INFO, "endpoint ''{0}'': topic {1} holds Keel transactions up " +
                        "to {2} from {3}; offered steps up to it are skipped", name, settings.topic(), committed,
                        settings.transactionalId());
                    skipUpTo = committed;
                }
            }
            lastEnded = skipUpTo;
            delivered = Math.max(delivered, skipUpTo);
        }

        public void onMessage(final int msgTypeId, final MutableDirectBuffer buffer, final int index, final int length)
        {
            final long transactionId = buffer.getLong(index + TXN_OFFSET, ByteOrder.LITTLE_ENDIAN);
            if (msgTypeId == END_TXN_MSG_TYPE_ID)
            {
                if (transactionId > skipUpTo)
                {
                    lastEnded = transactionId;
                    stepsPending++;
                }
                return;
            }
            rowsTaken++;
            final long weight = buffer.getLong(index + WEIGHT_OFFSET, ByteOrder.LITTLE_ENDIAN);
            if (transactionId <= skipUpTo || 0 == weight)
            {
                return;
            }
            if (settings.transactional() && !inTransaction)
            {
                producer.beginTransaction();
                inTransaction = true;
            }
            if (transactionId != headerTransaction)
            {
                headerTransaction = transactionId;
                headers = List.of(
                    new RecordHeader(TRANSACTION_HEADER, Long.toString(transactionId).getBytes(StandardCharsets.US_ASCII)),
                    new RecordHeader(PRODUCER_HEADER, producerId));
            }
            row.wrap(buffer, index + ROW_OFFSET, length - ROW_OFFSET);
            final int end = encoder.encode(row, weight, out, 0);
            final int valueLength = end > 0 && out.getByte(end - 1) == '\n' ? end - 1 : end;
            for (long k = Math.abs(weight); k > 0; k--)
            {
                final byte[] value = new byte[valueLength];
                out.getBytes(0, value);
                producer.send(new ProducerRecord<>(settings.topic(), null, null, null, value, headers), callback);
                messagesPending++;
                bytesPending += valueLength;
            }
        }

        /** Ends the pending steps: commits the Kafka transaction (or waits for every ack), then publishes. */
        private void commit()
        {
            if (settings.transactional())
            {
                if (inTransaction)
                {
                    checkSendError();
                    producer.commitTransaction();
                    inTransaction = false;
                }
            }
            else
            {
                producer.flush();
            }
            checkSendError();
            counters.records().getAndAddRelease(messagesPending);
            counters.bytes().getAndAddRelease(bytesPending);
            messagesPending = 0;
            bytesPending = 0;
            stepsPending = 0;
            firstPendingNs = 0;
            delivered = lastEnded;
        }

        private void checkSendError()
        {
            final Throwable e = sendError;
            if (null != e)
            {
                throw error("CONNECTOR_IO_ERROR", "send failed: " + e, e);
            }
        }

        private void sendFailure(final Exception e)
        {
            if (null == sendError)
            {
                sendError = e;
            }
        }

        private void fail(final RuntimeException e)
        {
            failed = true;
            counters.errors().incrementRelease();
            if (null != producer && inTransaction)
            {
                try
                {
                    producer.abortTransaction();
                }
                catch (final RuntimeException suppressed)
                {
                    e.addSuppressed(suppressed);
                }
                inTransaction = false;
            }
            error = e instanceof KeelException ? (KeelException)e : error("CONNECTOR_IO_ERROR", e.toString(), e);
        }

        public void onClose()
        {
            if (null != producer)
            {
                if (!failed)
                {
                    try
                    {
                        int read;
                        do
                        {
                            read = ringBuffer.read(this);
                        }
                        while (read > 0);
                        if (stepsPending > 0)
                        {
                            commit();
                        }
                    }
                    catch (final RuntimeException e)
                    {
                        fail(e);
                    }
                }
                try
                {
                    producer.close(Duration.ofSeconds(5));
                }
                catch (final RuntimeException e)
                {
                    LOGGER.log(System.Logger.Level.DEBUG, "endpoint ''{0}'': producer close: {1}", name, e);
                }
                producer = null;
            }
        }

        public String roleName()
        {
            return "keel-output-" + name;
        }
    }
}
