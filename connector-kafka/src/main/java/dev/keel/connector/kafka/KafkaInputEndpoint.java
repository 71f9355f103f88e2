package dev.keel.connector.kafka;

import dev.keel.engine.KeelException;
import dev.keel.engine.connector.RingBufferInput;
import dev.keel.engine.connector.format.RecordParseException;
import dev.keel.engine.connector.format.RecordParser;
import dev.keel.engine.data.RowWriter;
import dev.keel.engine.data.Schema;
import org.agrona.DirectBuffer;
import org.agrona.MutableDirectBuffer;
import org.agrona.concurrent.NanoClock;
import org.agrona.concurrent.UnsafeBuffer;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.TopicDescription;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.ConsumerRecords;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.KafkaFuture;
import org.apache.kafka.common.PartitionInfo;
import org.apache.kafka.common.TopicPartitionInfo;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.HashSet;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.Set;
import java.util.concurrent.ConcurrentLinkedQueue;

/**
 * A {@code kafka_input} endpoint: a {@link KafkaConsumer} on the endpoint's own agent reads every partition of its
 * topics (assigned, no consumer group) and hands one parsed record per message to the circuit through the
 * {@link RingBufferInput} ring.
 * <p>
 * Positions: the {@code long} position is the number of records handed over since the pipeline began (a
 * counter), and the {@linkplain #positionToken position token} is the per-partition offset map
 * ({@link PositionToken}): for each partition, where the endpoint started it and the offset after the last
 * record the circuit took. Each ring record is tagged with its partition slot and offset, so that the circuit
 * thread tracks the map without allocating. Recovery opens the endpoint at a checkpoint's counter and token
 * (each partition is sought to its offset); replay hands it every journaled step's token, and the agent then
 * delivers, per partition, only the offsets below that bound (a partition that reached it is paused and sought
 * back), so a replayed step reads exactly the journaled ranges. Once live, reads are unbounded.
 * <p>
 * Partitions are discovered every {@code partition_discovery_interval_ms}; one the pipeline has no offset for is
 * read from its beginning, except on a fresh start (no token at all), where {@code start_from} applies. Offsets
 * are never committed to Kafka: the journal and the checkpoints are the source of truth.
 */
public final class KafkaInputEndpoint extends RingBufferInput
{
    private static final System.Logger LOGGER = System.getLogger(KafkaInputEndpoint.class.getName());
    private static final int SLOT_SHIFT = 48;
    private static final long OFFSET_MASK = (1L << SLOT_SHIFT) - 1;
    private static final int MAX_SLOTS = 1 << 15;
    private static final int MAX_RECORDS_PER_DUTY_CYCLE = 4096;
    private static final Slot[] NO_SLOTS = new Slot[0];

    /** One partition the endpoint reads, published by the agent before any of its records. */
    static final class Slot
    {
        final TopicPartition partition;
        final byte[] topic;
        final long firstOffset;
        final long startOffset;

        Slot(final TopicPartition partition, final long firstOffset, final long startOffset)
        {
            this.partition = partition;
            this.topic = partition.topic().getBytes(StandardCharsets.UTF_8);
            this.firstOffset = firstOffset;
            this.startOffset = startOffset;
        }
    }

    private final KafkaInputSettings settings;
    private final RecordParser parser;
    private final RowWriter writer;
    private final UnsafeBuffer view = new UnsafeBuffer(0, 0);
    private final ConcurrentLinkedQueue<Map<TopicPartition, long[]>> bounds = new ConcurrentLinkedQueue<>();
    private volatile Slot[] slots = NO_SLOTS;
    private volatile boolean live;

    // set on the circuit thread at open, before the agent runs
    private Map<TopicPartition, long[]> resumeOffsets;

    // circuit thread
    private long[] takenNext = newOffsets(64);

    // agent thread
    private KafkaConsumer<byte[], byte[]> consumer;
    private Admin admin;
    private KafkaFuture<Map<String, TopicDescription>> describe;
    private final Map<String, int[]> slotByTopic = new HashMap<>();
    private final List<TopicPartition> assigned = new ArrayList<>();
    private final Set<TopicPartition> held = new HashSet<>();
    private Map<TopicPartition, long[]> bound;
    private long[] boundNext = newOffsets(64);
    private boolean agentLive;
    private boolean started;
    private Iterator<ConsumerRecord<byte[], byte[]>> batch;
    private long nextDiscoveryNs;

    private KafkaInputEndpoint(
        final String name, final Schema schema, final KafkaInputSettings settings, final NanoClock clock)
    {
        super(name, schema, queueCapacityFor(schema, settings.maxQueuedRecords()), clock);
        this.settings = settings;
        this.parser = settings.format().newParser(schema);
        this.writer = new RowWriter(schema);
        if (parser.expectsHeader())
        {
            throw new KeelException(KeelException.Category.CONFIG, "CONFIG_INVALID", "endpoint '" + name +
                "': a Kafka message is one record; a CSV header line is not supported");
        }
    }

    /** A {@code kafka_input} endpoint named {@code name} producing rows of {@code schema}. */
    public static KafkaInputEndpoint create(
        final String name, final Schema schema, final KafkaInputSettings settings, final NanoClock clock)
    {
        return new KafkaInputEndpoint(name, schema, settings, clock);
    }

    public KafkaInputSettings settings()
    {
        return settings;
    }

    public boolean usesPositionToken()
    {
        return true;
    }

    public void open(final long resumePosition, final DirectBuffer token, final int offset, final int length)
    {
        final Map<TopicPartition, long[]> offsets = PositionToken.decode(name, token, offset, length);
        resumeOffsets = offsets.isEmpty() ? null : offsets;
        open(resumePosition);
    }

    protected void onOpen(final long resumePosition)
    {
        // the position is the record counter (offeredPosition()); the offsets came with the token
    }

    public void replayBound(final long position, final DirectBuffer token, final int offset, final int length)
    {
        bounds.add(PositionToken.decode(name, token, offset, length));
    }

    public void live()
    {
        live = true;
    }

    protected void onRecordTaken(final long tag)
    {
        final int slot = (int)(tag >>> SLOT_SHIFT);
        if (slot >= takenNext.length)
        {
            takenNext = grow(takenNext, slot);
        }
        takenNext[slot] = (tag & OFFSET_MASK) + 1;
    }

    public int positionToken(final MutableDirectBuffer dst)
    {
        final Slot[] slots = this.slots;
        int at = PositionToken.putHeader(dst, slots.length);
        for (int i = 0; i < slots.length; i++)
        {
            final Slot slot = slots[i];
            final long next = i < takenNext.length && takenNext[i] >= 0 ? takenNext[i] : slot.startOffset;
            at = PositionToken.putEntry(dst, at, slot.topic, slot.partition.partition(), slot.firstOffset, next);
        }
        return at;
    }

    protected int produce(final long nowNs)
    {
        if (!offerHeld())
        {
            return 0;
        }
        boolean changed = false;
        Map<TopicPartition, long[]> newBound;
        while (null != (newBound = bounds.poll()))
        {
            bound = newBound;
            changed = true;
        }
        if (!agentLive && live)
        {
            agentLive = true;
            changed = true;
        }
        if (null == bound && !agentLive)
        {
            return 0; // neither a replay bound nor live yet: reading now could cross a journaled step
        }
        if (!started)
        {
            started = true;
            consumer = new KafkaConsumer<>(consumerProperties(), new ByteArrayDeserializer(),
                new ByteArrayDeserializer());
            discover(nowNs, true);
            applyBound();
            return 1;
        }
        int work = 0;
        if (changed)
        {
            applyBound();
            work++;
        }
        if (null != describe && describe.isDone())
        {
            work += discovered();
        }
        else if (null == describe && nowNs - nextDiscoveryNs >= 0)
        {
            // the consumer's metadata cache only refreshes every metadata.max.age.ms: ask the cluster, async
            if (null == admin)
            {
                admin = Admin.create(adminProperties());
            }
            describe = admin.describeTopics(settings.topics()).allTopicNames();
            nextDiscoveryNs = nowNs + settings.partitionDiscoveryIntervalMs() * 1_000_000L;
        }
        if (null == batch || !batch.hasNext())
        {
            final ConsumerRecords<byte[], byte[]> records = consumer.poll(Duration.ZERO);
            if (records.isEmpty())
            {
                return work;
            }
            batch = records.iterator();
        }
        while (batch.hasNext() && work < MAX_RECORDS_PER_DUTY_CYCLE)
        {
            final ConsumerRecord<byte[], byte[]> record = batch.next();
            work++;
            final int slot = slotOf(record.topic(), record.partition());
            if (slot < 0)
            {
                continue; // a partition assigned after this batch was fetched; it is read again from its start
            }
            final long offset = record.offset();
            if (!agentLive && offset >= boundNext[slot])
            {
                final TopicPartition partition = slots[slot].partition;
                if (held.add(partition))
                {
                    consumer.pause(List.of(partition));
                    consumer.seek(partition, offset);
                }
                continue;
            }
            if (offset > OFFSET_MASK)
            {
                throw error("CONNECTOR_BAD_POSITION", record, "offset beyond 2^48 is not supported", null);
            }
            if (!onRecord(record, slot))
            {
                break;
            }
        }
        return work;
    }

    /** Parses and offers one message; false when the agent should stop this cycle. */
    private boolean onRecord(final ConsumerRecord<byte[], byte[]> record, final int slot)
    {
        final byte[] value = record.value();
        if (null == value)
        {
            return true; // a tombstone carries no change
        }
        int end = value.length;
        while (end > 0 && (value[end - 1] == '\n' || value[end - 1] == '\r'))
        {
            end--;
        }
        view.wrap(value);
        final long weight;
        try
        {
            weight = parser.parse(view, 0, end, writer);
        }
        catch (final RecordParseException ex)
        {
            return skipOrFail(error("CONNECTOR_PARSE_ERROR", record, ex.getMessage(), null), settings.onError());
        }
        if (0 == weight)
        {
            return true;
        }
        final long tag = ((long)slot << SLOT_SHIFT) | record.offset();
        return offerOrHold(offeredPosition() + 1, tag, weight, writer.buffer(), 0, writer.length(), value.length);
    }

    /** A new bound (or live): partitions it names are assigned, held partitions resume. */
    private void applyBound()
    {
        if (null != bound && !agentLive)
        {
            Arrays.fill(boundNext, -1);
            for (final Map.Entry<TopicPartition, long[]> e : bound.entrySet())
            {
                int slot = slotOf(e.getKey().topic(), e.getKey().partition());
                if (slot < 0)
                {
                    slot = addSlot(e.getKey(), e.getValue()[0], e.getValue()[0]);
                    consumer.assign(assigned);
                    consumer.seek(e.getKey(), e.getValue()[0]);
                }
                if (slot >= boundNext.length)
                {
                    boundNext = grow(boundNext, slot);
                }
                boundNext[slot] = e.getValue()[1];
            }
        }
        if (!held.isEmpty())
        {
            consumer.resume(held);
            held.clear();
        }
    }

    /** Handles the answer of a partition discovery; a failed one is retried at the next interval. */
    private int discovered()
    {
        final KafkaFuture<Map<String, TopicDescription>> done = describe;
        describe = null;
        final Map<String, TopicDescription> topics;
        try
        {
            topics = done.get();
        }
        catch (final Exception ex)
        {
            LOGGER.log(System.Logger.Level.DEBUG, "endpoint ''{0}'': partition discovery failed: {1}", name, ex);
            return 1;
        }
        final List<TopicPartition> added = new ArrayList<>();
        for (final TopicDescription topic : topics.values())
        {
            for (final TopicPartitionInfo info : topic.partitions())
            {
                if (slotOf(topic.name(), info.partition()) < 0)
                {
                    added.add(new TopicPartition(topic.name(), info.partition()));
                }
            }
        }
        startPartitions(added, false);
        return 1;
    }

    /** Finds the topics' partitions with the consumer's metadata and starts reading them (first duty cycle). */
    private void discover(final long nowNs, final boolean initial)
    {
        nextDiscoveryNs = nowNs + settings.partitionDiscoveryIntervalMs() * 1_000_000L;
        final List<TopicPartition> added = new ArrayList<>();
        for (final String topic : settings.topics())
        {
            final List<PartitionInfo> infos = consumer.partitionsFor(topic);
            if (null == infos)
            {
                continue;
            }
            for (final PartitionInfo info : infos)
            {
                if (slotOf(topic, info.partition()) < 0)
                {
                    added.add(new TopicPartition(topic, info.partition()));
                }
            }
        }
        startPartitions(added, initial);
    }

    private void startPartitions(final List<TopicPartition> added, final boolean initial)
    {
        final boolean fresh = initial && null == resumeOffsets && null == bound;
        if (added.isEmpty())
        {
            return;
        }
        final Map<TopicPartition, Long> beginnings = consumer.beginningOffsets(added);
        final Map<TopicPartition, Long> ends = fresh && settings.startFrom() == KafkaInputSettings.StartFrom.LATEST ?
            consumer.endOffsets(added) : Map.of();
        final long[] seeks = new long[added.size()];
        for (int i = 0; i < added.size(); i++)
        {
            final TopicPartition partition = added.get(i);
            final long beginning = beginnings.getOrDefault(partition, 0L);
            final long[] known = null == resumeOffsets ? null : resumeOffsets.get(partition);
            final long[] bounded = null == bound ? null : bound.get(partition);
            final long first;
            final long start;
            if (null != known)
            {
                first = known[0];
                start = known[1];
            }
            else if (null != bounded)
            {
                first = bounded[0];
                start = bounded[0];
            }
            else if (fresh && settings.startFrom() == KafkaInputSettings.StartFrom.LATEST)
            {
                first = ends.getOrDefault(partition, beginning);
                start = first;
            }
            else if (fresh && settings.startFrom() == KafkaInputSettings.StartFrom.OFFSETS &&
                partition.partition() < settings.startOffsets().length)
            {
                first = Math.max(beginning, settings.startOffsets()[partition.partition()]);
                start = first;
            }
            else
            {
                first = beginning;
                start = beginning;
            }
            addSlot(partition, first, start);
            seeks[i] = start;
        }
        consumer.assign(assigned);
        for (int i = 0; i < added.size(); i++)
        {
            consumer.seek(added.get(i), seeks[i]);
        }
        if (!initial)
        {
            LOGGER.log(System.Logger.Level.INFO, "endpoint ''{0}'': reading new partitions {1} from their beginning",
                name, added);
        }
    }

    private int addSlot(final TopicPartition partition, final long first, final long start)
    {
        final Slot[] current = slots;
        if (current.length >= MAX_SLOTS)
        {
            throw new KeelException(KeelException.Category.CONNECTOR, "CONNECTOR_TOO_MANY_PARTITIONS",
                "endpoint '" + name + "': more than " + MAX_SLOTS + " partitions");
        }
        final int index = current.length;
        int[] byPartition = slotByTopic.get(partition.topic());
        if (null == byPartition || partition.partition() >= byPartition.length)
        {
            final int[] larger = new int[Math.max(partition.partition() + 1, null == byPartition ? 8 :
                byPartition.length * 2)];
            Arrays.fill(larger, -1);
            if (null != byPartition)
            {
                System.arraycopy(byPartition, 0, larger, 0, byPartition.length);
            }
            byPartition = larger;
            slotByTopic.put(partition.topic(), byPartition);
        }
        byPartition[partition.partition()] = index;
        if (index >= boundNext.length)
        {
            boundNext = grow(boundNext, index);
        }
        boundNext[index] = -1;
        assigned.add(partition);
        final Slot[] next = Arrays.copyOf(current, index + 1);
        next[index] = new Slot(partition, first, start);
        slots = next;
        return index;
    }

    private int slotOf(final String topic, final int partition)
    {
        final int[] byPartition = slotByTopic.get(topic);
        return null == byPartition || partition >= byPartition.length ? -1 : byPartition[partition];
    }

    private Properties adminProperties()
    {
        final Properties properties = new Properties();
        final Set<String> known = AdminClientConfig.configNames();
        for (final String key : settings.consumerProperties().stringPropertyNames())
        {
            if (known.contains(key) && !AdminClientConfig.CLIENT_ID_CONFIG.equals(key))
            {
                properties.put(key, settings.consumerProperties().getProperty(key));
            }
        }
        properties.put(AdminClientConfig.CLIENT_ID_CONFIG, "keel-" + name + "-discovery");
        return properties;
    }

    private Properties consumerProperties()
    {
        final Properties properties = new Properties();
        properties.putAll(settings.consumerProperties());
        properties.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, "false");
        properties.putIfAbsent(ConsumerConfig.CLIENT_ID_CONFIG, "keel-" + name);
        properties.putIfAbsent(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
        return properties;
    }

    private static long[] newOffsets(final int length)
    {
        final long[] offsets = new long[length];
        Arrays.fill(offsets, -1);
        return offsets;
    }

    private static long[] grow(final long[] offsets, final int index)
    {
        final long[] larger = newOffsets(Math.max(index + 1, offsets.length * 2));
        System.arraycopy(offsets, 0, larger, 0, offsets.length);
        return larger;
    }

    private KeelException error(
        final String code, final ConsumerRecord<?, ?> record, final String message, final Exception cause)
    {
        return new KeelException(KeelException.Category.CONNECTOR, code, "endpoint '" + name + "': topic " +
            record.topic() + " partition " + record.partition() + " offset " + record.offset() + ": " + message,
            cause);
    }

    protected void onAgentClose()
    {
        if (null != consumer)
        {
            try
            {
                consumer.close(org.apache.kafka.clients.consumer.CloseOptions.timeout(Duration.ofSeconds(5)));
            }
            catch (final RuntimeException ex)
            {
                LOGGER.log(System.Logger.Level.DEBUG, "endpoint ''{0}'': consumer close: {1}", name, ex);
            }
            consumer = null;
        }
        if (null != admin)
        {
            try
            {
                admin.close(Duration.ofSeconds(5));
            }
            catch (final RuntimeException ex)
            {
                LOGGER.log(System.Logger.Level.DEBUG, "endpoint ''{0}'': admin close: {1}", name, ex);
            }
            admin = null;
        }
    }

    public void close()
    {
    }

    public String toString()
    {
        return "KafkaInputEndpoint{name='" + name + "', " + settings + "}";
    }
}
