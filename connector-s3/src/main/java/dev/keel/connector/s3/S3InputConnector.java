package dev.keel.connector.s3;

import dev.keel.engine.config.ConfigException;
import dev.keel.engine.config.ConfigObject;
import dev.keel.engine.config.InputEndpointConfig;
import dev.keel.engine.config.S3Credentials;
import dev.keel.engine.connector.ConnectorContext;
import dev.keel.engine.connector.InputConnector;
import dev.keel.engine.connector.InputEndpoint;
import dev.keel.engine.connector.file.FileFormats;
import dev.keel.engine.data.Schema;

import java.net.URI;
import java.net.URISyntaxException;

/**
 * The {@code s3_input} transport: an {@link S3InputEndpoint}. Keys of {@code transport.config} (Feldera's names
 * where Feldera has the setting):
 * <ul>
 *   <li>{@code bucket_name} (required), {@code region} (required);</li>
 *   <li>{@code key} (one object) or {@code prefix} (every object whose key starts with it; {@code ""} = the whole
 *   bucket): exactly one of the two;</li>
 *   <li>{@code endpoint_url}: an S3-compatible server ({@code http(s)://host[:port]}), path-style requests;</li>
 *   <li>{@code aws_access_key_id} and {@code aws_secret_access_key}: both or neither (neither: the default AWS
 *   credential chain); {@code no_sign_request} = false: anonymous requests, no keys allowed then;</li>
 *   <li>{@code follow} = false (prefix only), {@code follow_poll_interval_ms} = 10000;</li>
 *   <li>{@code read_chunk_bytes} = 8 MiB, {@code max_record_bytes} = 16 MiB, {@code max_retries} = 5.</li>
 * </ul>
 */
public final class S3InputConnector implements InputConnector
{
    /** The transport name. */
    public static final String TRANSPORT = "s3_input";

    public String transport()
    {
        return TRANSPORT;
    }

    public InputEndpoint create(final InputEndpointConfig config, final Schema schema, final ConnectorContext context)
    {
        return S3InputEndpoint.create(config.name(), schema, settings(config, schema), context.nanoClock());
    }

    /**
     * Parses and validates the endpoint's settings; errors name the JSON path and never echo a credential.
     *
     * @param config the endpoint's configuration.
     * @param schema the table's schema, which the format must support.
     * @return the settings.
     * @throws ConfigException naming the offending key.
     */
    public static S3InputSettings settings(final InputEndpointConfig config, final Schema schema)
    {
        final ConfigObject c = config.transport().config().requireOnly(
            "bucket_name", "key", "prefix", "region", "endpoint_url", "aws_access_key_id", "aws_secret_access_key",
            "no_sign_request", "follow", "follow_poll_interval_ms", "read_chunk_bytes", "max_record_bytes",
            "max_retries");
        final String path = c.path();
        final String bucket = c.nonEmptyString("bucket_name");
        final String region = c.nonEmptyString("region");
        final boolean hasKey = c.has("key");
        final boolean hasPrefix = c.has("prefix");
        if (hasKey == hasPrefix)
        {
            throw new ConfigException(hasKey ? ConfigException.INVALID : ConfigException.MISSING, null,
                path + ".key", hasKey ? "set either key or prefix, not both" :
                "required: the object to read (key), or prefix for every object under it (\"\" = the bucket)");
        }
        final String key = hasKey ? c.nonEmptyString("key") : null;
        final String prefix = hasPrefix ? c.string("prefix") : null;
        final URI endpoint = c.has("endpoint_url") ? endpoint(c.nonEmptyString("endpoint_url"),
            path + ".endpoint_url") : null;
        final S3Credentials keys = S3Credentials.parse(c, path);
        final String accessKeyId = keys.accessKeyId();
        final String secret = keys.secretAccessKey();
        final boolean noSign = keys.noSignRequest();
        final boolean follow = c.bool("follow", false);
        if (follow && hasKey)
        {
            throw new ConfigException(ConfigException.INVALID, null, path + ".follow",
                "follow looks for new objects after the last one and needs a prefix, not a key");
        }
        final String formatPath = "$.inputs." + config.name() + ".format";
        return new S3InputSettings(
            bucket, key, prefix, region, endpoint, accessKeyId, secret, noSign, follow,
            c.longValue("follow_poll_interval_ms", 10_000, 10, 3_600_000),
            c.intValue("read_chunk_bytes", 8 << 20, 64 << 10, 1 << 30),
            c.intValue("max_record_bytes", 16 << 20, 4096, 1 << 30),
            c.intValue("max_retries", 5, 0, 1000),
            FileFormats.format(config.format(), schema, formatPath),
            config.onError(),
            (int)Math.min(Integer.MAX_VALUE, config.maxQueuedRecords()));
    }

    private static URI endpoint(final String text, final String path)
    {
        final URI uri;
        try
        {
            uri = new URI(text);
        }
        catch (final URISyntaxException ex)
        {
            throw new ConfigException(ConfigException.INVALID, null, path, "'" + text + "' is not a URL: " +
                ex.getMessage());
        }
        if (!"http".equals(uri.getScheme()) && !"https".equals(uri.getScheme()) || null == uri.getHost() ||
            null != uri.getUserInfo())
        {
            throw new ConfigException(ConfigException.INVALID, null, path, "'" + text + "' is not an http(s)://host" +
                "[:port] URL");
        }
        return uri;
    }
}
