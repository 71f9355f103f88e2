package dev.keel.connector.kafka;

import dev.keel.engine.config.ConfigException;
import dev.keel.engine.config.FaultToleranceModel;
import dev.keel.engine.connector.ConnectorContext;
import dev.keel.engine.connector.ConnectorRegistry;
import org.junit.jupiter.api.Test;

import java.util.List;

import static dev.keel.connector.kafka.KafkaTestSupport.SCHEMA;
import static dev.keel.connector.kafka.KafkaTestSupport.input;
import static dev.keel.connector.kafka.KafkaTestSupport.output;
import static org.junit.jupiter.api.Assertions.*;

/** Validation of the {@code kafka_input} / {@code kafka_output} settings: every error names its JSON path. */
class KafkaConfigTest
{
    private static final String CONFIG = "$.inputs.in.transport.config";

    private static ConfigException inputError(final String json)
    {
        return assertThrows(ConfigException.class, () -> KafkaInputConnector.settings(input(json), SCHEMA));
    }

    private static ConfigException outputError(final String json)
    {
        return assertThrows(ConfigException.class,
            () -> KafkaOutputConnector.settings(output(json), SCHEMA, new ConnectorContext()));
    }

    @Test
    void inputSettingsAndPassThrough()
    {
        final KafkaInputSettings settings = KafkaInputConnector.settings(input(
            "{\"bootstrap.servers\": \"127.0.0.1:9\", \"topics\": [\"a\", \"b\"], \"start_from\": \"latest\", " +
            "\"max.poll.records\": 100, \"check.crcs\": false}"), SCHEMA);
        assertEquals(List.of("a", "b"), settings.topics());
        assertEquals(KafkaInputSettings.StartFrom.LATEST, settings.startFrom());
        assertEquals("100", settings.consumerProperties().getProperty("max.poll.records"));
        assertEquals("false", settings.consumerProperties().getProperty("check.crcs"));
        assertEquals("read_committed", settings.consumerProperties().getProperty("isolation.level"));

        final KafkaInputSettings offsets = KafkaInputConnector.settings(input(
            "{\"bootstrap.servers\": \"127.0.0.1:9\", \"topic\": \"a\", \"start_from\": {\"offsets\": [3, 0, 7]}}"),
            SCHEMA);
        assertArrayEquals(new long[]{ 3, 0, 7 }, offsets.startOffsets());
        assertEquals(KafkaInputSettings.StartFrom.OFFSETS, offsets.startFrom());
    }

    @Test
    void inputErrorsNameThePath()
    {
        assertEquals(CONFIG + "['bootstrap.servers']", inputError("{\"topic\": \"a\"}").path());
        assertEquals(CONFIG + ".topic", inputError("{\"bootstrap.servers\": \"h:1\"}").path());
        assertEquals(CONFIG + ".topic",
            inputError("{\"bootstrap.servers\": \"h:1\", \"topic\": \"a\", \"topics\": [\"b\"]}").path());
        assertEquals(CONFIG + ".topics[1]",
            inputError("{\"bootstrap.servers\": \"h:1\", \"topics\": [\"a\", \"a\"]}").path());
        assertEquals(CONFIG + ".start_from",
            inputError("{\"bootstrap.servers\": \"h:1\", \"topic\": \"a\", \"start_from\": \"newest\"}").path());
        assertEquals(CONFIG + ".start_from.offsets[1]", inputError(
            "{\"bootstrap.servers\": \"h:1\", \"topic\": \"a\", \"start_from\": {\"offsets\": [1, -2]}}").path());
        assertEquals(CONFIG + ".start_from.offsets", inputError("{\"bootstrap.servers\": \"h:1\", " +
            "\"topics\": [\"a\", \"b\"], \"start_from\": {\"offsets\": [1]}}").path());
        final ConfigException typo = inputError("{\"bootstrap.server\": \"h:1\", \"topic\": \"a\"}");
        assertEquals(CONFIG + "['bootstrap.server']", typo.path());
        assertEquals(ConfigException.UNKNOWN_KEY, typo.code());
        assertEquals(CONFIG + "['enable.auto.commit']",
            inputError("{\"bootstrap.servers\": \"h:1\", \"topic\": \"a\", \"enable.auto.commit\": true}").path());
        assertEquals(CONFIG + "['fetch.min.bytes']",
            inputError("{\"bootstrap.servers\": \"h:1\", \"topic\": \"a\", \"fetch.min.bytes\": [1]}").path());
    }

    @Test
    void outputSettingsAndErrors()
    {
        final KafkaOutputSettings settings = KafkaOutputConnector.settings(
            output("{\"bootstrap.servers\": \"127.0.0.1:9\", \"topic\": \"v\", \"linger.ms\": 20}"), SCHEMA,
            new ConnectorContext().pipelineName("p1").faultToleranceModel(FaultToleranceModel.EXACTLY_ONCE));
        assertTrue(settings.transactional());
        assertEquals("keel-p1-out", settings.transactionalId());
        assertEquals("20", settings.producerProperties().getProperty("linger.ms"));
        assertFalse(KafkaOutputConnector.settings(output("{\"bootstrap.servers\": \"127.0.0.1:9\", \"topic\": \"v\", " +
            "\"transactional_id\": \"mine\"}"), SCHEMA, new ConnectorContext()).transactional());

        final String config = "$.outputs.out.transport.config";
        assertEquals(config + ".topic", outputError("{\"bootstrap.servers\": \"h:1\"}").path());
        assertEquals(config + "['transactional.id']",
            outputError("{\"bootstrap.servers\": \"h:1\", \"topic\": \"v\", \"transactional.id\": \"x\"}").path());
        assertEquals(config + ".acks", outputError("{\"bootstrap.servers\": \"h:1\", \"topic\": \"v\", " +
            "\"acks\": \"1\"}").path());
        assertEquals(config + ".max_steps_per_transaction", outputError("{\"bootstrap.servers\": \"h:1\", " +
            "\"topic\": \"v\", \"max_steps_per_transaction\": 0}").path());
    }

    @Test
    void transportsAreFoundThroughServiceLoader()
    {
        final ConnectorRegistry registry = ConnectorRegistry.discover();
        assertTrue(registry.inputTransports().contains(KafkaInputConnector.TRANSPORT), registry.inputTransports()::toString);
        assertTrue(registry.outputTransports().contains(KafkaOutputConnector.TRANSPORT));
    }
}
