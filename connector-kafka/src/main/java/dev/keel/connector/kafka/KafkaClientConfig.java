package dev.keel.connector.kafka;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.keel.engine.config.ConfigException;
import dev.keel.engine.config.ConfigObject;

import java.io.IOException;
import java.util.Map;
import java.util.Properties;
import java.util.Set;

/**
 * Splits a Kafka transport's {@code transport.config} into Keel's own keys and the Kafka client keys passed
 * through to the consumer or producer (Feldera's convention: any key the client knows, e.g.
 * {@code bootstrap.servers}, {@code security.protocol}). Values may be strings, numbers or booleans; a key that
 * is neither Keel's nor the client's, or that Keel manages itself, fails naming its JSON path.
 */
final class KafkaClientConfig
{
    private static final ObjectMapper MAPPER = new ObjectMapper();

    private KafkaClientConfig()
    {
    }

    /** JSON path of a member, in bracket notation when the key is not a plain identifier (as Keel's own paths). */
    static String child(final String parent, final String key)
    {
        return key.matches("[A-Za-z_][A-Za-z0-9_]*") ? parent + "." + key : parent + "['" + key + "']";
    }

    /** The raw JSON of a config object, to read values of any shape. */
    static JsonNode raw(final ConfigObject settings)
    {
        try
        {
            return MAPPER.readTree(settings.toJson());
        }
        catch (final IOException ex)
        {
            throw new ConfigException(ConfigException.INVALID, null, settings.path(), ex.getMessage(), ex);
        }
    }

    /**
     * @param settings    the transport config.
     * @param keelKeys    keys Keel reads itself (not passed through).
     * @param clientKeys  the client's known keys ({@code ConsumerConfig.configNames()} or the producer's).
     * @param managedKeys client keys Keel sets itself and refuses from the user, with the reason.
     * @return the pass-through properties; {@code bootstrap.servers} is required.
     */
    static Properties clientProperties(
        final ConfigObject settings,
        final Set<String> keelKeys,
        final Set<String> clientKeys,
        final Map<String, String> managedKeys)
    {
        final JsonNode raw = raw(settings);
        final Properties properties = new Properties();
        for (final String key : settings.keys())
        {
            if (keelKeys.contains(key))
            {
                continue;
            }
            final String path = child(settings.path(), key);
            final String managed = managedKeys.get(key);
            if (null != managed)
            {
                throw new ConfigException(ConfigException.INVALID, null, path, "is set by Keel: " + managed);
            }
            if (!clientKeys.contains(key))
            {
                throw new ConfigException(ConfigException.UNKNOWN_KEY, null, path, "is neither a Keel setting " +
                    keelKeys + " nor a Kafka client setting");
            }
            final JsonNode value = raw.get(key);
            if (!value.isValueNode() || value.isNull())
            {
                throw new ConfigException(ConfigException.WRONG_TYPE, null, path,
                    "must be a string, number or boolean (passed to the Kafka client)");
            }
            properties.setProperty(key, value.asText());
        }
        final String servers = properties.getProperty("bootstrap.servers");
        if (null == servers || servers.isBlank())
        {
            throw new ConfigException(ConfigException.MISSING, null, child(settings.path(), "bootstrap.servers"),
                "required: host:port[,host:port...] of the Kafka brokers");
        }
        return properties;
    }
}
