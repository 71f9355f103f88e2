package dev.keel.connector.kafka;

import dev.keel.engine.config.ConfigObject;
import dev.keel.engine.config.FaultToleranceModel;
import dev.keel.engine.config.OutputEndpointConfig;
import dev.keel.engine.connector.ConnectorContext;
import dev.keel.engine.connector.OutputConnector;
import dev.keel.engine.connector.OutputEndpoint;
import dev.keel.engine.connector.file.FileFormats;
import dev.keel.engine.data.Schema;
import org.apache.kafka.clients.producer.ProducerConfig;

import java.util.Map;
import java.util.Properties;
import java.util.Set;

/**
 * The {@code kafka_output} transport: a {@link KafkaOutputEndpoint}. Keys of {@code transport.config}:
 * <ul>
 *   <li>{@code topic} (required): the topic written;</li>
 *   <li>{@code transactional_id} = {@code keel-<pipeline>-<endpoint>}: the producer's {@code transactional.id}
 *   with {@code exactly_once} (one per pipeline and endpoint: two pipelines must never share one);</li>
 *   <li>{@code max_steps_per_transaction} = 1000: at most this many Keel steps in one Kafka transaction (a
 *   transaction commits whenever the queue from the circuit is drained, so usually fewer);</li>
 *   <li>{@code queue_capacity_bytes} = 8 MiB: the hand-over queue from the circuit;</li>
 *   <li>every other key is a Kafka producer setting passed through ({@code bootstrap.servers} is required);
 *   Keel sets the serializers, {@code enable.idempotence=true}, {@code acks=all} and {@code transactional.id}.</li>
 * </ul>
 * With the pipeline's {@code exactly_once} model the endpoint writes through Kafka transactions; with
 * {@code at_least_once} or {@code none}, with the idempotent producer only.
 */
public final class KafkaOutputConnector implements OutputConnector
{
    /** The transport name. */
    public static final String TRANSPORT = "kafka_output";

    static final Set<String> KEEL_KEYS =
        Set.of("topic", "transactional_id", "max_steps_per_transaction", "queue_capacity_bytes");
    private static final Map<String, String> MANAGED = Map.of(
        "key.serializer", "keys and values are the bytes the format produces",
        "value.serializer", "keys and values are the bytes the format produces",
        "transactional.id", "set transactional_id instead",
        "enable.idempotence", "the producer is always idempotent",
        "acks", "acks=all is required by idempotence and transactions");

    public String transport()
    {
        return TRANSPORT;
    }

    public OutputEndpoint create(final OutputEndpointConfig config, final Schema schema, final ConnectorContext context)
    {
        return KafkaOutputEndpoint.create(config.name(), schema, settings(config, schema, context),
            context.nanoClock());
    }

    /** Parses and validates the endpoint's settings; errors name the JSON path. */
    public static KafkaOutputSettings settings(
        final OutputEndpointConfig config, final Schema schema, final ConnectorContext context)
    {
        final ConfigObject settings = config.transport().config();
        final Properties producer = KafkaClientConfig.clientProperties(
            settings, KEEL_KEYS, ProducerConfig.configNames(), MANAGED);
        final String topic = settings.nonEmptyString("topic");
        final String transactionalId = settings.nonEmptyString("transactional_id",
            "keel-" + context.pipelineName() + "-" + config.name());
        return new KafkaOutputSettings(topic, producer,
            FileFormats.format(config.format(), schema, "$.outputs." + config.name() + ".format"),
            context.faultToleranceModel() == FaultToleranceModel.EXACTLY_ONCE, transactionalId,
            settings.intValue("queue_capacity_bytes", 8 << 20, 1 << 16, 1 << 30),
            settings.intValue("max_steps_per_transaction", 1000, 1, 1_000_000));
    }
}
