package dev.keel.connector.delta;

import dev.keel.engine.config.ConfigException;
import dev.keel.engine.config.ConfigObject;
import io.delta.kernel.defaults.engine.DefaultEngine;
import io.delta.kernel.engine.Engine;
import org.apache.hadoop.conf.Configuration;

import java.net.URI;
import java.net.URISyntaxException;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;

/**
 * What the Delta input and output share: the table {@code uri} (a plain path, {@code file://}, {@code s3://bucket/path}
 * or another Hadoop file-system scheme) and the storage options, and the kernel {@link Engine} built from them.
 * <p>
 * Storage options: for an {@code s3://} (or {@code s3a://}) table the S3 settings of {@link DeltaS3} ({@code region},
 * {@code endpoint_url}, credentials, as {@code s3_input} names them), read through Keel's {@link S3FileIO} (no
 * Hadoop file system); for any other table every key of {@code transport.config} that starts with {@code fs.} is a
 * Hadoop file-system setting passed through as is. Any other key the connector does not know is refused, naming its
 * JSON path.
 */
public final class DeltaTables
{
    private DeltaTables()
    {
    }

    /** The table location of {@code config.uri}: a plain or relative path becomes an absolute {@code file:} URI. */
    public static String uri(final ConfigObject config)
    {
        final String value = config.nonEmptyString("uri");
        final String path = config.path() + ".uri";
        if (value.startsWith("/") || !value.contains(":"))
        {
            return Path.of(value).toAbsolutePath().normalize().toUri().toString();
        }
        try
        {
            final URI uri = new URI(value);
            if (null == uri.getScheme() || null == uri.getPath() || uri.getPath().isEmpty())
            {
                throw new ConfigException(ConfigException.INVALID, null, path,
                    "'" + value + "' is not a table location: give a path, file:///path or scheme://bucket/path");
            }
            return value;
        }
        catch (final URISyntaxException e)
        {
            throw new ConfigException(ConfigException.INVALID, null, path, "'" + value + "' is not a URI: " +
                e.getMessage(), e);
        }
    }

    /**
     * The storage options ({@code fs.*} keys); fails on any key neither in {@code known} nor a storage option.
     */
    public static Map<String, String> storageOptions(final ConfigObject config, final Set<String> known)
    {
        if (DeltaS3.isS3(uri(config)))
        {
            return DeltaS3.options(config, known);
        }
        final Map<String, String> options = new LinkedHashMap<>();
        for (final String key : config.keys())
        {
            if (known.contains(key))
            {
                continue;
            }
            if (!key.startsWith("fs."))
            {
                throw new ConfigException(ConfigException.UNKNOWN_KEY, null, config.path() + "." + key,
                    "unknown key '" + key + "'; allowed: " + String.join(", ", known) +
                    ", and Hadoop file-system settings (fs.*)" + (DeltaS3.KEYS.contains(key) ?
                    " ('" + key + "' is a setting of s3:// tables)" : ""));
            }
            options.put(key, config.string(key));
        }
        return options;
    }

    /**
     * The kernel engine of the table at {@code uri}: on {@link S3FileIO} for an {@code s3://} table, else on a Hadoop
     * configuration with the storage options.
     */
    public static Engine engine(final String uri, final Map<String, String> storageOptions)
    {
        if (DeltaS3.isS3(uri))
        {
            return DefaultEngine.create(new S3FileIO(DeltaS3.client(storageOptions), storageOptions));
        }
        return engine(storageOptions);
    }

    /** A kernel engine on a Hadoop configuration with the storage options (a local or Hadoop file-system table). */
    public static Engine engine(final Map<String, String> storageOptions)
    {
        final Configuration configuration = new Configuration();
        storageOptions.forEach(configuration::set);
        return DefaultEngine.create(configuration);
    }
}
