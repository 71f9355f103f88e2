package dev.keel.connector.kafka;

import com.fasterxml.jackson.databind.JsonNode;
import dev.keel.engine.config.ConfigException;
import dev.keel.engine.config.ConfigObject;
import dev.keel.engine.config.InputEndpointConfig;
import dev.keel.engine.connector.ConnectorContext;
import dev.keel.engine.connector.InputConnector;
import dev.keel.engine.connector.InputEndpoint;
import dev.keel.engine.connector.file.FileFormats;
import dev.keel.engine.data.Schema;
import org.apache.kafka.clients.consumer.ConsumerConfig;

import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.Set;

/**
 * The {@code kafka_input} transport: a {@link KafkaInputEndpoint}. Keys of {@code transport.config}:
 * <ul>
 *   <li>{@code topic} (string) or {@code topics} (array of strings): what to read, exactly one of the two;</li>
 *   <li>{@code start_from} = {@code "earliest"}: {@code "earliest"}, {@code "latest"} or
 *   {@code {"offsets": [o0, o1, ...]}} (one offset per partition of the single topic), used only when the
 *   pipeline has no position of its own yet; partitions added to a topic later are read from their beginning;</li>
 *   <li>{@code partition_discovery_interval_ms} = 1000: how often the topics are checked for new partitions;</li>
 *   <li>every other key is a Kafka consumer setting passed through ({@code bootstrap.servers} is required);
 *   Keel sets {@code enable.auto.commit=false} and the deserializers itself, and defaults
 *   {@code isolation.level} to {@code read_committed}.</li>
 * </ul>
 * One Kafka message is one record of the endpoint's {@code format} (JSON by default, insert/delete changes).
 */
public final class KafkaInputConnector implements InputConnector
{
    /** The transport name. */
    public static final String TRANSPORT = "kafka_input";

    static final Set<String> KEEL_KEYS = Set.of("topic", "topics", "start_from", "partition_discovery_interval_ms");
    private static final Map<String, String> MANAGED = Map.of(
        "enable.auto.commit", "positions live in Keel's journal and checkpoints, never in committed offsets",
        "key.deserializer", "records are read as bytes and parsed by the endpoint's format",
        "value.deserializer", "records are read as bytes and parsed by the endpoint's format");

    public String transport()
    {
        return TRANSPORT;
    }

    public InputEndpoint create(final InputEndpointConfig config, final Schema schema, final ConnectorContext context)
    {
        return KafkaInputEndpoint.create(config.name(), schema, settings(config, schema), context.nanoClock());
    }

    /** Parses and validates the endpoint's settings; errors name the JSON path. */
    public static KafkaInputSettings settings(final InputEndpointConfig config, final Schema schema)
    {
        final ConfigObject settings = config.transport().config();
        final Properties consumer = KafkaClientConfig.clientProperties(
            settings, KEEL_KEYS, ConsumerConfig.configNames(), MANAGED);
        consumer.putIfAbsent(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
        final List<String> topics = topics(settings);
        final JsonNode raw = KafkaClientConfig.raw(settings);
        KafkaInputSettings.StartFrom startFrom = KafkaInputSettings.StartFrom.EARLIEST;
        long[] offsets = null;
        final JsonNode start = raw.get("start_from");
        final String startPath = settings.path() + ".start_from";
        if (null != start)
        {
            if (start.isTextual() && "earliest".equals(start.asText()))
            {
                startFrom = KafkaInputSettings.StartFrom.EARLIEST;
            }
            else if (start.isTextual() && "latest".equals(start.asText()))
            {
                startFrom = KafkaInputSettings.StartFrom.LATEST;
            }
            else if (start.isObject() && start.size() == 1 && start.has("offsets"))
            {
                final JsonNode array = start.get("offsets");
                if (!array.isArray() || array.isEmpty())
                {
                    throw new ConfigException(ConfigException.WRONG_TYPE, null, startPath + ".offsets",
                        "must be a non-empty array of offsets, one per partition");
                }
                if (topics.size() != 1)
                {
                    throw new ConfigException(ConfigException.INVALID, null, startPath + ".offsets",
                        "offsets need exactly one topic, not " + topics);
                }
                offsets = new long[array.size()];
                for (int i = 0; i < offsets.length; i++)
                {
                    final JsonNode o = array.get(i);
                    if (!o.canConvertToLong() || !o.isIntegralNumber() || o.asLong() < 0)
                    {
                        throw new ConfigException(ConfigException.WRONG_TYPE, null, startPath + ".offsets[" + i + "]",
                            o + " is not an offset (an integer >= 0)");
                    }
                    offsets[i] = o.asLong();
                }
                startFrom = KafkaInputSettings.StartFrom.OFFSETS;
            }
            else
            {
                throw new ConfigException(ConfigException.INVALID, null, startPath, start + " is not allowed; " +
                    "allowed: \"earliest\", \"latest\", {\"offsets\": [o0, o1, ...]}");
            }
        }
        final long discovery = settings.longValue("partition_discovery_interval_ms", 1000, 10, 3_600_000);
        final String formatPath = "$.inputs." + config.name() + ".format";
        return new KafkaInputSettings(topics, startFrom, offsets, consumer,
            FileFormats.format(config.format(), schema, formatPath), config.onError(),
            (int)Math.min(Integer.MAX_VALUE, config.maxQueuedRecords()), discovery);
    }

    private static List<String> topics(final ConfigObject settings)
    {
        final boolean one = settings.has("topic");
        final boolean many = settings.has("topics");
        if (one == many)
        {
            throw new ConfigException(one ? ConfigException.INVALID : ConfigException.MISSING, null,
                settings.path() + ".topic", one ? "set either topic or topics, not both" :
                "required: the topic to read (or topics: [...])");
        }
        if (one)
        {
            return List.of(settings.nonEmptyString("topic"));
        }
        final List<String> topics = settings.stringList("topics");
        if (topics.isEmpty())
        {
            throw new ConfigException(ConfigException.INVALID, null, settings.path() + ".topics",
                "must name at least one topic");
        }
        for (int i = 0; i < topics.size(); i++)
        {
            if (topics.get(i).isEmpty() || topics.indexOf(topics.get(i)) != i)
            {
                throw new ConfigException(ConfigException.INVALID, null, settings.path() + ".topics[" + i + "]",
                    "'" + topics.get(i) + "' is empty or repeated");
            }
        }
        return topics;
    }
}
