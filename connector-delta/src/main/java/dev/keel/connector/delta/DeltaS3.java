package dev.keel.connector.delta;

import dev.keel.engine.config.ConfigException;
import dev.keel.engine.config.ConfigObject;
import dev.keel.engine.config.S3Credentials;
import software.amazon.awssdk.auth.credentials.AnonymousCredentialsProvider;
import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.AwsCredentialsProvider;
import software.amazon.awssdk.auth.credentials.DefaultCredentialsProvider;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;
import software.amazon.awssdk.http.crt.AwsCrtHttpClient;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.s3.S3Client;
import software.amazon.awssdk.services.s3.S3ClientBuilder;

import java.net.URI;
import java.net.URISyntaxException;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The storage settings of a Delta table in S3 ({@code s3://bucket/path}, also {@code s3a://}), with the field names
 * of {@code s3_input}: {@code region} (required), {@code endpoint_url} (an S3-compatible server, path-style
 * requests), {@code aws_access_key_id} and {@code aws_secret_access_key} (both or neither: neither = the default
 * AWS credential chain), {@code no_sign_request} (anonymous requests). The settings travel as the endpoint's
 * storage options under these names; the credentials never appear in errors or {@code toString}.
 * <p>
 * One S3 client per distinct setting is kept for the JVM's life (CRT HTTP client, 5 s connect timeout, the SDK's
 * standard retries): endpoints reopened by restarts and the kernel's many file look-ups share it.
 */
final class DeltaS3
{
    /** The storage-option keys of an S3 table. */
    static final List<String> KEYS =
        List.of("region", "endpoint_url", "aws_access_key_id", "aws_secret_access_key", "no_sign_request");

    private static final Map<Map<String, String>, S3Client> CLIENTS = new ConcurrentHashMap<>();

    private DeltaS3()
    {
    }

    /** Whether {@code uri} (as {@link DeltaTables#uri} returns it) is a table in S3, read through {@link S3FileIO}. */
    static boolean isS3(final String uri)
    {
        return uri.startsWith("s3://") || uri.startsWith("s3a://");
    }

    /**
     * The validated S3 storage options of {@code config}; any key neither in {@code known} nor an S3 setting is
     * refused, naming its JSON path.
     */
    static Map<String, String> options(final ConfigObject config, final Set<String> known)
    {
        final String path = config.path();
        for (final String key : config.keys())
        {
            if (!known.contains(key) && !KEYS.contains(key))
            {
                throw new ConfigException(ConfigException.UNKNOWN_KEY, null, path + "." + key,
                    "unknown key '" + key + "' for an s3:// table; allowed: " + String.join(", ", known) + ", " +
                    String.join(", ", KEYS) + (key.startsWith("fs.") ? " (no Hadoop file system is used for s3://)" :
                    ""));
            }
        }
        final Map<String, String> options = new LinkedHashMap<>();
        options.put("region", config.nonEmptyString("region"));
        if (config.has("endpoint_url"))
        {
            final String text = config.nonEmptyString("endpoint_url");
            try
            {
                final URI endpoint = new URI(text);
                if (!"http".equals(endpoint.getScheme()) && !"https".equals(endpoint.getScheme()) ||
                    null == endpoint.getHost())
                {
                    throw new ConfigException(ConfigException.INVALID, null, path + ".endpoint_url",
                        "'" + text + "' is not an http(s)://host[:port] URL");
                }
            }
            catch (final URISyntaxException ex)
            {
                throw new ConfigException(ConfigException.INVALID, null, path + ".endpoint_url",
                    "'" + text + "' is not a URL: " + ex.getMessage());
            }
            options.put("endpoint_url", text);
        }
        final S3Credentials keys = S3Credentials.parse(config, path);
        final String accessKeyId = keys.accessKeyId();
        final String secret = keys.secretAccessKey();
        final boolean noSign = keys.noSignRequest();
        if (null != accessKeyId)
        {
            options.put("aws_access_key_id", accessKeyId);
            options.put("aws_secret_access_key", secret);
        }
        if (noSign)
        {
            options.put("no_sign_request", "true");
        }
        return options;
    }

    /** The shared client for these storage options (see the class comment). */
    static S3Client client(final Map<String, String> options)
    {
        return CLIENTS.computeIfAbsent(Map.copyOf(options), DeltaS3::build);
    }

    /** Replaces the credentials in a text that may echo them (a server's error body, say). */
    static String redact(final Map<String, String> options, final String text)
    {
        String result = null == text ? "" : text;
        for (final String key : List.of("aws_secret_access_key", "aws_access_key_id"))
        {
            final String value = options.get(key);
            if (null != value && !value.isEmpty())
            {
                result = result.replace(value, "****");
            }
        }
        return result;
    }

    private static S3Client build(final Map<String, String> options)
    {
        final AwsCredentialsProvider credentials;
        if (options.containsKey("no_sign_request"))
        {
            credentials = AnonymousCredentialsProvider.create();
        }
        else if (options.containsKey("aws_access_key_id"))
        {
            credentials = StaticCredentialsProvider.create(AwsBasicCredentials.create(
                options.get("aws_access_key_id"), options.get("aws_secret_access_key")));
        }
        else
        {
            credentials = DefaultCredentialsProvider.builder().build();
        }
        final S3ClientBuilder builder = S3Client.builder()
            .httpClientBuilder(AwsCrtHttpClient.builder().connectionTimeout(Duration.ofSeconds(5)))
            .credentialsProvider(credentials)
            .region(Region.of(options.get("region")));
        if (options.containsKey("endpoint_url"))
        {
            builder.endpointOverride(URI.create(options.get("endpoint_url"))).forcePathStyle(true);
        }
        return builder.build();
    }
}
