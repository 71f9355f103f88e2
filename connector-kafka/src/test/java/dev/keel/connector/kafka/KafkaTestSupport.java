package dev.keel.connector.kafka;

import dev.keel.engine.config.InputEndpointConfig;
import dev.keel.engine.config.OutputEndpointConfig;
import dev.keel.engine.config.PipelineConfigParser;
import dev.keel.engine.data.Column;
import dev.keel.engine.data.ColumnType;
import dev.keel.engine.data.Schema;
import dev.keel.engine.data.ZSetBatch;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.PartitionInfo;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.TreeMap;

/** Shared helpers of the Kafka connector tests. */
final class KafkaTestSupport
{
    static final Schema SCHEMA = Schema.of(
        Column.of("id", ColumnType.INT64),
        Column.of("symbol", ColumnType.STRING));

    private KafkaTestSupport()
    {
    }

    static InputEndpointConfig input(final String transportConfigJson)
    {
        return PipelineConfigParser.parse("{\"inputs\": {\"in\": {\"stream\": \"t\", \"transport\": " +
            "{\"name\": \"kafka_input\", \"config\": " + transportConfigJson + "}, \"format\": {\"name\": \"json\"}}}}")
            .inputs().get("in");
    }

    static InputEndpointConfig input(final String transportConfigJson, final String onError)
    {
        return PipelineConfigParser.parse("{\"inputs\": {\"in\": {\"stream\": \"t\", \"on_error\": \"" + onError +
            "\", \"transport\": {\"name\": \"kafka_input\", \"config\": " + transportConfigJson + "}, " +
            "\"format\": {\"name\": \"json\"}}}}").inputs().get("in");
    }

    static OutputEndpointConfig output(final String transportConfigJson)
    {
        return PipelineConfigParser.parse("{\"outputs\": {\"out\": {\"stream\": \"v\", \"transport\": " +
            "{\"name\": \"kafka_output\", \"config\": " + transportConfigJson + "}, \"format\": {\"name\": \"json\"}}}}")
            .outputs().get("out");
    }

    static String row(final long id)
    {
        return "{\"insert\":{\"id\":" + id + ",\"symbol\":\"s" + id + "\"}}";
    }

    static KafkaProducer<byte[], byte[]> producer(final KafkaBroker broker)
    {
        final Properties props = new Properties();
        props.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, broker.bootstrapServers());
        props.put(ProducerConfig.LINGER_MS_CONFIG, "0");
        return new KafkaProducer<>(props, new ByteArraySerializer(), new ByteArraySerializer());
    }

    static void produce(final KafkaBroker broker, final String topic, final int partition, final String... values)
    {
        try (KafkaProducer<byte[], byte[]> producer = producer(broker))
        {
            for (final String value : values)
            {
                producer.send(new ProducerRecord<>(topic, partition, null, value.getBytes(StandardCharsets.UTF_8)));
            }
            producer.flush();
        }
    }

    /** Values of every committed message of the topic, per partition in offset order. */
    static Map<Integer, List<ConsumerRecord<byte[], byte[]>>> readCommitted(final KafkaBroker broker, final String topic)
    {
        final Properties props = new Properties();
        props.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, broker.bootstrapServers());
        props.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
        final Map<Integer, List<ConsumerRecord<byte[], byte[]>>> out = new TreeMap<>();
        try (KafkaConsumer<byte[], byte[]> consumer =
            new KafkaConsumer<>(props, new ByteArrayDeserializer(), new ByteArrayDeserializer()))
        {
            final List<TopicPartition> partitions = new ArrayList<>();
            for (final PartitionInfo info : consumer.partitionsFor(topic))
            {
                partitions.add(new TopicPartition(topic, info.partition()));
                out.put(info.partition(), new ArrayList<>());
            }
            consumer.assign(partitions);
            consumer.seekToBeginning(partitions);
            final Map<TopicPartition, Long> ends = consumer.endOffsets(partitions);
            final long deadline = System.nanoTime() + 30_000_000_000L;
            while (partitions.stream().anyMatch(p -> consumer.position(p) < ends.get(p)))
            {
                if (System.nanoTime() > deadline)
                {
                    throw new AssertionError("could not read " + topic + " to its end");
                }
                for (final ConsumerRecord<byte[], byte[]> record : consumer.poll(Duration.ofMillis(100)))
                {
                    out.get(record.partition()).add(record);
                }
            }
        }
        return out;
    }

    static List<String> values(final Map<Integer, List<ConsumerRecord<byte[], byte[]>>> records)
    {
        final List<String> values = new ArrayList<>();
        records.values().forEach(list -> list.forEach(r -> values.add(new String(r.value(), StandardCharsets.UTF_8))));
        return values;
    }

    static List<Long> ids(final ZSetBatch batch)
    {
        final List<Long> ids = new ArrayList<>();
        final ZSetBatch.Cursor cursor = batch.cursor();
        while (cursor.next())
        {
            ids.add(cursor.row().getLong(0) * cursor.weight());
        }
        return ids;
    }
}
