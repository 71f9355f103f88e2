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
 * What the Delta input and output share: the table {@code uri} (a plain path, {@code file://}, or a Hadoop
 * file-system scheme such as {@code s3a://}) and the storage options, and the kernel {@link Engine} built from them.
 * <p>
 * Storage options: every key of {@code transport.config} that starts with {@code fs.} is a Hadoop file-system setting
 * passed through as is (e.g. {@code fs.s3a.endpoint}, {@code fs.s3a.path.style.access}); any other key the
 * connector does not know is refused, naming its JSON path.
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
                    ", and Hadoop file-system settings (fs.*)");
            }
            options.put(key, config.string(key));
        }
        return options;
    }

    /** A kernel engine on a Hadoop configuration with the storage options. */
    public static Engine engine(final Map<String, String> storageOptions)
    {
        final Configuration configuration = new Configuration();
        storageOptions.forEach(configuration::set);
        return DefaultEngine.create(configuration);
    }
}
