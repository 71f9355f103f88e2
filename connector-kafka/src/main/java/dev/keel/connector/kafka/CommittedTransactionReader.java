package dev.keel.connector.kafka;

import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.common.PartitionInfo;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.header.Header;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Properties;

/**
 * Reads back, with a {@code read_committed} consumer, the highest Keel transaction id a {@code kafka_output}
 * endpoint committed to its topic: per partition, the tail is scanned backwards in growing windows until a message
 * of the endpoint ({@link KafkaOutputEndpoint#PRODUCER_HEADER}) is found or the partition's beginning is reached.
 * Run on the endpoint's agent when it starts, after {@code initTransactions} aborted any open transaction.
 */
final class CommittedTransactionReader
{
    private static final int FIRST_WINDOW = 256;
    private static final Duration POLL = Duration.ofMillis(100);

    private CommittedTransactionReader()
    {
    }

    /** @return the highest committed Keel transaction id of {@code producerId} in the topic, or -1. */
    static long lastCommitted(final Properties producerProperties, final String topic, final String producerId)
    {
        final Properties properties = new Properties();
        for (final String key : ConsumerConfig.configNames())
        {
            if (producerProperties.containsKey(key) && !ProducerConfig.CLIENT_ID_CONFIG.equals(key))
            {
                properties.put(key, producerProperties.get(key));
            }
        }
        properties.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
        properties.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, "false");
        final byte[] id = producerId.getBytes(StandardCharsets.US_ASCII);
        long last = KafkaOutputEndpoint.NO_TRANSACTION;
        try (KafkaConsumer<byte[], byte[]> consumer =
            new KafkaConsumer<>(properties, new ByteArrayDeserializer(), new ByteArrayDeserializer()))
        {
            final List<PartitionInfo> infos = consumer.partitionsFor(topic);
            if (null == infos)
            {
                return last;
            }
            for (final PartitionInfo info : infos)
            {
                final TopicPartition partition = new TopicPartition(topic, info.partition());
                consumer.assign(List.of(partition));
                final Map<TopicPartition, Long> beginnings = consumer.beginningOffsets(List.of(partition));
                final Map<TopicPartition, Long> ends = consumer.endOffsets(List.of(partition));
                final long beginning = beginnings.getOrDefault(partition, 0L);
                final long end = ends.getOrDefault(partition, 0L);
                long window = FIRST_WINDOW;
                long scannedFrom = end;
                while (scannedFrom > beginning)
                {
                    final long from = Math.max(beginning, end - window);
                    final long found = scan(consumer, partition, from, scannedFrom, id);
                    if (found >= 0)
                    {
                        last = Math.max(last, found);
                        break;
                    }
                    scannedFrom = from;
                    window *= 4;
                }
            }
        }
        return last;
    }

    /** Highest transaction id of the producer in {@code [from, to)}, or -1. */
    private static long scan(
        final KafkaConsumer<byte[], byte[]> consumer,
        final TopicPartition partition,
        final long from,
        final long to,
        final byte[] id)
    {
        long last = -1;
        consumer.seek(partition, from);
        while (consumer.position(partition) < to)
        {
            for (final ConsumerRecord<byte[], byte[]> record : consumer.poll(POLL))
            {
                if (record.offset() >= to)
                {
                    break;
                }
                final Header producer = record.headers().lastHeader(KafkaOutputEndpoint.PRODUCER_HEADER);
                final Header transaction = record.headers().lastHeader(KafkaOutputEndpoint.TRANSACTION_HEADER);
                if (null != producer && null != transaction && Arrays.equals(id, producer.value()))
                {
                    last = Math.max(last, Long.parseLong(new String(transaction.value(), StandardCharsets.US_ASCII)));
                }
            }
        }
        return last;
    }
}
