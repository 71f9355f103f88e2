package dev.keel.connector.kafka;

import dev.keel.engine.KeelException;
import dev.keel.engine.connector.CommitGroup;
import dev.keel.engine.connector.GroupCommitOutputEndpoint;
import dev.keel.engine.connector.OutputQueue;
import dev.keel.engine.connector.format.RecordEncoder;
import dev.keel.engine.data.RowView;
import dev.keel.engine.data.Schema;
import org.agrona.ExpandableDirectByteBuffer;
import org.agrona.concurrent.Agent;
import org.agrona.concurrent.NanoClock;
import org.apache.kafka.clients.producer.Callback;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.header.Header;
import org.apache.kafka.common.header.internals.RecordHeader;
import org.apache.kafka.common.serialization.ByteArraySerializer;

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
 * Hand-over: {@link #offer} copies the delta into an {@link OutputQueue} and returns false when it is full, so the
 * circuit thread never blocks; a delta is streamed across offers by the queue's protocol, the same for every
 * output endpoint.
 * <p>
 * Exactly once (the pipeline's {@code exactly_once}): the producer uses {@code transactional.id}; one Kafka
 * transaction holds one or more whole Keel steps (a {@link CommitGroup}) and commits when the queue is drained, on
 * {@link #flush()}, after {@code max_steps_per_transaction} steps or 100 ms after its first complete step; only then
 * is the last step in it published as {@link #deliveredTransactionId()}. On open or restore the agent first calls {@code initTransactions} (fencing
 * a previous incarnation and aborting its open transaction), then reads the last committed Keel transaction id back
 * from the topic ({@link CommittedTransactionReader}) and drops offered steps up to it, so a replay after a kill -9
 * never commits a step twice and never loses one. The endpoint {@link #holdsUntilDurable() holds} then: a step is
 * sent into the open Kafka transaction as soon as it ran, overlapping the journal's sync, and its transaction
 * commits once the circuit reports the step durable; a kill -9 before that leaves an open transaction, which the
 * next incarnation's {@code initTransactions} aborts. Otherwise the producer is idempotent without transactions and a
 * step is delivered once every message of it was acknowledged (at least once).
 * <p>
 * Counters: records are messages acknowledged (committed), bytes their values; errors: a send failure.
 */
public final class KafkaOutputEndpoint extends GroupCommitOutputEndpoint
{
    /** Header with the Keel transaction id of a message. */
    public static final String TRANSACTION_HEADER = "keel.transaction.id";
    /** Header with the transactional id of the endpoint that wrote a message. */
    public static final String PRODUCER_HEADER = "keel.producer";

    private static final System.Logger LOGGER = System.getLogger(KafkaOutputEndpoint.class.getName());
    private static final int MAX_MESSAGES_PER_DUTY_CYCLE = 4096;
    private static final long MAX_TRANSACTION_NS = 100_000_000L;

    private final KafkaOutputSettings settings;
    private final NanoClock clock;
    private final SenderAgent agent;

    private KafkaOutputEndpoint(
        final String name, final Schema schema, final KafkaOutputSettings settings, final NanoClock clock)
    {
        super(name, "topic " + settings.topic(), schema, settings.queueCapacityBytes(),
            settings.maxStepsPerTransaction(), MAX_TRANSACTION_NS, settings.transactional());
        this.settings = settings;
        this.clock = clock;
        this.agent = new SenderAgent(settings.format().newEncoder(schema));
    }

    /** A {@code kafka_output} endpoint named {@code name} writing rows of {@code schema}. */
    public static KafkaOutputEndpoint create(
        final String name, final Schema schema, final KafkaOutputSettings settings, final NanoClock clock)
    {
        return new KafkaOutputEndpoint(name, schema, settings, clock);
    }

    public KafkaOutputSettings settings()
    {
        return settings;
    }

    public Agent agent()
    {
        return agent;
    }

    public void close()
    {
    }

    public String toString()
    {
        return "KafkaOutputEndpoint{name='" + name + "', " + settings + "}";
    }

    /** Drains the queue, encodes, sends, commits and publishes what is delivered. */
    final class SenderAgent implements Agent, OutputQueue.Handler
    {
        private final RecordEncoder encoder;
        private final ExpandableDirectByteBuffer out = new ExpandableDirectByteBuffer(4096);
        private final CommitGroup group = group();
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
        private boolean inTransaction;
        private boolean midStep;
        private boolean sealed;
        private long sealedFlushRequested;
        private long headerTransaction = Long.MIN_VALUE;
        private List<Header> headers;
        private long messagesPending;
        private long bytesPending;

        SenderAgent(final RecordEncoder encoder)
        {
            this.encoder = encoder;
        }

        public int doWork()
        {
            queue.publishBuffered(endpointCounters());
            if (!isOpened() || failed)
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
                if (sealed)
                {
                    // a due group waits for its last step to be durable, and grows no more meanwhile (or a sink
                    // always a step ahead of the journal would never commit): the queue fills, the circuit waits
                    if (!isDurable(group.lastEnded()))
                    {
                        return 0;
                    }
                    sealed = false;
                    commit(sealedFlushRequested);
                    return 1;
                }
                final long flushRequested = flushRequests();
                final int read = queue.read(this, MAX_MESSAGES_PER_DUTY_CYCLE);
                // a Kafka transaction holds whole steps only: rows of a step not ended yet are in the producer's
                // open transaction, so a commit due now waits for that step's end (a restart takes the step of the
                // last committed record for committed, so half a step committed would lose the other half)
                if (!midStep &&
                    group.due(read < MAX_MESSAGES_PER_DUTY_CYCLE, flushRequested, clock.nanoTime(), false))
                {
                    if (isDurable(group.lastEnded()))
                    {
                        commit(flushRequested);
                    }
                    else
                    {
                        sealed = true;
                        sealedFlushRequested = flushRequested;
                    }
                    return read + 1;
                }
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
            long skipUpTo = restoredTransaction();
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
            startAfter(skipUpTo);
        }

        public void onEndTransaction(final long transactionId)
        {
            group.onEndTransaction(transactionId);
            midStep = false;
        }

        public void onRow(final long transactionId, final long weight, final RowView row)
        {
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
            midStep = true;
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
        private void commit(final long flushRequested)
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
            endpointCounters().records().getAndAddRelease(messagesPending);
            endpointCounters().bytes().getAndAddRelease(bytesPending);
            messagesPending = 0;
            bytesPending = 0;
            committed(flushRequested);
        }

        private void abortOpenTransaction()
        {
            if (null != producer && inTransaction)
            {
                inTransaction = false;
                producer.abortTransaction();
            }
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
            endpointCounters().errors().incrementRelease();
            try
            {
                abortOpenTransaction();
            }
            catch (final RuntimeException suppressed)
            {
                e.addSuppressed(suppressed);
            }
            publishError(e instanceof KeelException ? (KeelException)e : error("CONNECTOR_IO_ERROR", e.toString(), e));
        }

        public void onClose()
        {
            if (null != producer)
            {
                if (!failed)
                {
                    try
                    {
                        queue.drain(this);
                        if (midStep || !isDurable(group.lastEnded()))
                        {
                            // the circuit stopped inside a step, or before its last steps were durable: commit none
                            // of the open transaction, the steps it holds are not delivered and a restart replays
                            // them
                            abortOpenTransaction();
                        }
                        else if (group.steps() > 0)
                        {
                            commit(flushRequests());
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