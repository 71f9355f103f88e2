package dev.keel.connector.kafka;

import dev.keel.engine.connector.format.FormatSettings;

import java.util.Properties;

/**
 * Immutable settings of a {@code kafka_output} endpoint (see {@link KafkaOutputConnector} for the keys).
 *
 * @param topic              the topic written.
 * @param producerProperties Kafka producer settings passed through.
 * @param format             the records' format: one change line per Kafka message value.
 * @param transactional      true for {@code exactly_once}: Kafka transactions, one or more Keel steps each.
 * @param transactionalId    the producer's {@code transactional.id} (used when transactional).
 * @param queueCapacityBytes size of the hand-over queue from the circuit.
 * @param maxStepsPerTransaction most Keel steps committed in one Kafka transaction.
 */
public record KafkaOutputSettings(
    String topic,
    Properties producerProperties,
    FormatSettings format,
    boolean transactional,
    String transactionalId,
    int queueCapacityBytes,
    int maxStepsPerTransaction)
{
    /** Copies the properties. */
    public KafkaOutputSettings
    {
        final Properties copy = new Properties();
        copy.putAll(producerProperties);
        producerProperties = copy;
    }

    @Override
    public String toString()
    {
        return "kafka_output{topic=" + topic + ", bootstrap.servers=" +
            producerProperties.getProperty("bootstrap.servers") + ", format=" + format + ", transactional=" +
            transactional + (transactional ? ", transactional_id=" + transactionalId : "") +
            ", queue_capacity_bytes=" + queueCapacityBytes + ", max_steps_per_transaction=" + maxStepsPerTransaction +
            "}";
    }
}
