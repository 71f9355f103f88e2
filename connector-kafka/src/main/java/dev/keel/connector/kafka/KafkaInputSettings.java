package dev.keel.connector.kafka;

import dev.keel.engine.config.OnErrorPolicy;
import dev.keel.engine.connector.format.FormatSettings;

import java.util.List;
import java.util.Properties;

/**
 * Immutable settings of a {@code kafka_input} endpoint (see {@link KafkaInputConnector} for the configuration
 * keys).
 *
 * @param topics                       topics read, at least one.
 * @param startFrom                    where a pipeline without a checkpointed position starts.
 * @param startOffsets                 with {@link StartFrom#OFFSETS}: the offset of every partition of the
 *                                     single topic, by partition number.
 * @param consumerProperties           Kafka consumer settings passed through.
 * @param format                       the records' format (one record per Kafka message).
 * @param onError                      what to do with a malformed message.
 * @param maxQueuedRecords             sizes the hand-over queue.
 * @param partitionDiscoveryIntervalMs how often the topics are checked for new partitions.
 */
public record KafkaInputSettings(
    List<String> topics,
    StartFrom startFrom,
    long[] startOffsets,
    Properties consumerProperties,
    FormatSettings format,
    OnErrorPolicy onError,
    int maxQueuedRecords,
    long partitionDiscoveryIntervalMs)
{
    /** Where a fresh pipeline starts reading. */
    public enum StartFrom
    {
        /** The beginning of every partition. */
        EARLIEST,
        /** The end of every partition: only messages produced after the start. */
        LATEST,
        /** Given offsets, one per partition. */
        OFFSETS
    }

    /** Copies the mutable parts. */
    public KafkaInputSettings
    {
        topics = List.copyOf(topics);
        startOffsets = null == startOffsets ? null : startOffsets.clone();
        final Properties copy = new Properties();
        copy.putAll(consumerProperties);
        consumerProperties = copy;
    }

    @Override
    public String toString()
    {
        return "kafka_input{topics=" + topics + ", start_from=" + startFrom.name().toLowerCase() +
            (null == startOffsets ? "" : " " + java.util.Arrays.toString(startOffsets)) + ", bootstrap.servers=" +
            consumerProperties.getProperty("bootstrap.servers") + ", format=" + format + ", on_error=" +
            onError.jsonName() + ", max_queued_records=" + maxQueuedRecords + "}";
    }
}
