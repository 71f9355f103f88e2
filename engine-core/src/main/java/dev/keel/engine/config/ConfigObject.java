package dev.keel.engine.config;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.databind.node.TextNode;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.Iterator;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * An immutable JSON object from the configuration that knows where it sits ({@link #path()}) and which file it
 * came from, with typed accessors that fail with the same {@link ConfigException} messages as the pipeline parser.
 * <p>
 * Transport and format settings are connector-specific, so the pipeline parser keeps them as a {@code ConfigObject}
 * and each connector factory validates its own:
 * <pre>{@code
 * final ConfigObject settings = transport.config().requireOnly("path", "follow", "buffer_size");
 * final String path = settings.nonEmptyString("path");
 * final boolean follow = settings.bool("follow", false);
 * final int bufferSize = settings.intValue("buffer_size", 64 * 1024, 4096, 16 * 1024 * 1024);
 * }</pre>
 * Accessors never coerce: {@code "4"} is not an integer, {@code 1.0} is not an integer, {@code null} is not a
 * string. An absent key yields the default; a present key of the wrong type or out of range is an error.
 * <p>
 * {@link #toString()} redacts values of keys that look like secrets (password, secret, token, ...) so that the
 * object can be logged; {@link #toJson()} does not.
 */
public final class ConfigObject
{
    private static final ConfigObject EMPTY =
        new ConfigObject(JsonNodeFactory.instance.objectNode(), ConfigPath.ROOT, null);
    private static final Pattern SECRET_KEY = Pattern.compile(
        ".*(password|passwd|secret|token|credential|api_key|apikey|access_key|private_key|sasl_jaas).*");
    private static final String REDACTED = "***";

    private final ObjectNode node;
    private final String path;
    private final String source;

    /**
     * @param node   owned by this instance from now on: never mutated and never handed out.
     * @param path   JSON path of the object.
     * @param source file name for messages, or null.
     */
    ConfigObject(final ObjectNode node, final String path, final String source)
    {
        this.node = node;
        this.path = path;
        this.source = source;
    }

    /**
     * An empty object at {@code $}.
     *
     * @return an empty object.
     */
    public static ConfigObject empty()
    {
        return EMPTY;
    }

    /**
     * An object with the given members, for building configuration in Java. Values may be strings, numbers,
     * booleans, null, lists and maps of those.
     *
     * @param values the members.
     * @return an object holding a copy of the values, at {@code $}.
     * @throws IllegalArgumentException if a value cannot be represented in JSON.
     */
    public static ConfigObject of(final Map<String, ?> values)
    {
        try
        {
            // Through text, so that numbers get the same node types as when the object is parsed from a file and
            // equal configurations compare equal however they were made.
            final JsonNode copy = Json.MAPPER.readTree(Json.MAPPER.writeValueAsString(values));
            return new ConfigObject((ObjectNode)copy, ConfigPath.ROOT, null);
        }
        catch (final JsonProcessingException ex)
        {
            throw new IllegalArgumentException("values cannot be represented in JSON: " + ex.getOriginalMessage(), ex);
        }
    }

    /**
     * JSON path of this object, e.g. {@code $.inputs.trades.transport.config}.
     *
     * @return JSON path of this object.
     */
    public String path()
    {
        return path;
    }

    /**
     * Is the key present, with any value including null?
     *
     * @param key to look for.
     * @return true if the key is present.
     */
    public boolean has(final String key)
    {
        return node.has(key);
    }

    /**
     * The keys present, in document order.
     *
     * @return an unmodifiable set of the keys present.
     */
    public Set<String> keys()
    {
        final Set<String> keys = new LinkedHashSet<>();
        node.fieldNames().forEachRemaining(keys::add);
        return Collections.unmodifiableSet(keys);
    }

    /**
     * Is the object empty?
     *
     * @return true if the object has no keys.
     */
    public boolean isEmpty()
    {
        return node.isEmpty();
    }

    /**
     * Fail on any key not in the allowed list, so that a misspelt setting is reported instead of ignored.
     *
     * @param allowedKeys every key this object may have.
     * @return this, for chaining.
     * @throws ConfigException {@link ConfigException#UNKNOWN_KEY} naming the first unknown key and listing the
     *                         allowed ones.
     */
    public ConfigObject requireOnly(final String... allowedKeys)
    {
        final Iterator<String> names = node.fieldNames();
        while (names.hasNext())
        {
            final String key = names.next();
            if (!Arrays.asList(allowedKeys).contains(key))
            {
                throw unknownKey(key, allowedKeys);
            }
        }

        return this;
    }

    /**
     * A required string, which may be empty.
     *
     * @param key of the string.
     * @return the string.
     * @throws ConfigException if the key is absent or its value is not a string.
     */
    public String string(final String key)
    {
        return textOf(key, require(key, "a string"), "a string");
    }

    /**
     * An optional string, which may be empty.
     *
     * @param key  of the string.
     * @param dflt returned when the key is absent.
     * @return the string or the default.
     * @throws ConfigException if the value is not a string.
     */
    public String string(final String key, final String dflt)
    {
        final JsonNode value = node.get(key);
        return null == value ? dflt : textOf(key, value, "a string");
    }

    /**
     * An optional credential: a non-empty string if present. Its value is never put in an error message.
     *
     * @param key of the credential.
     * @return the credential, or null if the key is absent.
     * @throws ConfigException if the value is not a string or is empty (the value not shown).
     */
    public String secret(final String key)
    {
        if (!has(key))
        {
            return null;
        }
        final String value;
        try
        {
            value = string(key);
        }
        catch (final ConfigException ex)
        {
            throw new ConfigException(ConfigException.WRONG_TYPE, null, path() + "." + key,
                "expected a string (value not shown)");
        }
        if (value.isEmpty())
        {
            throw new ConfigException(ConfigException.INVALID, null, path() + "." + key, "must not be empty");
        }
        return value;
    }

    /**
     * A required, non-empty string.
     *
     * @param key of the string.
     * @return the string.
     * @throws ConfigException if the key is absent, its value is not a string or is empty.
     */
    public String nonEmptyString(final String key)
    {
        return nonEmptyTextOf(key, require(key, "a non-empty string"));
    }

    /**
     * An optional, non-empty string.
     *
     * @param key  of the string.
     * @param dflt returned when the key is absent.
     * @return the string or the default.
     * @throws ConfigException if the value is not a string or is empty.
     */
    public String nonEmptyString(final String key, final String dflt)
    {
        final JsonNode value = node.get(key);
        return null == value ? dflt : nonEmptyTextOf(key, value);
    }

    /**
     * An optional boolean.
     *
     * @param key  of the boolean.
     * @param dflt returned when the key is absent.
     * @return the boolean or the default.
     * @throws ConfigException if the value is not {@code true} or {@code false}.
     */
    public boolean bool(final String key, final boolean dflt)
    {
        final JsonNode value = node.get(key);
        if (null == value)
        {
            return dflt;
        }

        if (!value.isBoolean())
        {
            throw wrongType(key, value, "true or false");
        }

        return value.booleanValue();
    }

    /**
     * An optional integer within {@code [min, max]}.
     *
     * @param key  of the integer.
     * @param dflt returned when the key is absent.
     * @param min  smallest allowed value.
     * @param max  largest allowed value.
     * @return the value or the default.
     * @throws ConfigException if the value is not an integer (a fraction, a string, null) or is out of range.
     */
    public long longValue(final String key, final long dflt, final long min, final long max)
    {
        final JsonNode value = node.get(key);
        return null == value ? dflt : rangeChecked(key, value, min, max);
    }

    /**
     * An optional integer within {@code [min, max]}.
     *
     * @param key  of the integer.
     * @param dflt returned when the key is absent.
     * @param min  smallest allowed value.
     * @param max  largest allowed value.
     * @return the value or the default.
     * @throws ConfigException if the value is not an integer (a fraction, a string, null) or is out of range.
     */
    public int intValue(final String key, final int dflt, final int min, final int max)
    {
        return (int)longValue(key, dflt, min, max);
    }

    /**
     * One of the constants of an enum, written in JSON as the constant's name in lower case
     * ({@code BUSY_SPIN} is {@code "busy_spin"}).
     *
     * @param key  of the value.
     * @param type of the enum.
     * @param dflt returned when the key is absent; null makes the key required.
     * @param <E>  the enum.
     * @return the constant or the default.
     * @throws ConfigException if the value is absent and required, not a string, or names no constant.
     */
    public <E extends Enum<E>> E enumValue(final String key, final Class<E> type, final E dflt)
    {
        JsonNode value = node.get(key);
        if (null == value)
        {
            if (null != dflt)
            {
                return dflt;
            }
            value = require(key, "one of " + allowedNames(type));
        }

        if (value.isTextual())
        {
            for (final E constant : type.getEnumConstants())
            {
                if (jsonName(constant).equals(value.textValue()))
                {
                    return constant;
                }
            }

            throw error(ConfigException.INVALID, key, ConfigPath.value(value) + " is not allowed; allowed values: " +
                allowedNames(type));
        }

        throw wrongType(key, value, "one of " + allowedNames(type));
    }

    /**
     * An optional nested object.
     *
     * @param key of the object.
     * @return the object, which knows its path, or empty when the key is absent.
     * @throws ConfigException if the value is not an object.
     */
    public Optional<ConfigObject> object(final String key)
    {
        final JsonNode value = node.get(key);
        if (null == value)
        {
            return Optional.empty();
        }

        return Optional.of(objectOf(key, value));
    }

    /**
     * A required array of strings.
     *
     * @param key of the array.
     * @return an unmodifiable list of the strings.
     * @throws ConfigException if the key is absent, its value is not an array or an element is not a string.
     */
    public List<String> stringList(final String key)
    {
        return stringsOf(key, require(key, "an array of strings"));
    }

    /**
     * An optional array of strings.
     *
     * @param key  of the array.
     * @param dflt returned when the key is absent.
     * @return an unmodifiable list of the strings, or the default.
     * @throws ConfigException if the value is not an array or an element is not a string.
     */
    public List<String> stringList(final String key, final List<String> dflt)
    {
        final JsonNode value = node.get(key);
        return null == value ? dflt : stringsOf(key, value);
    }

    /**
     * The object as JSON text, secrets included.
     *
     * @return compact JSON text of the object.
     */
    public String toJson()
    {
        return node.toString();
    }

    /**
     * The object as JSON with secret-looking values replaced by {@code "***"}, fit for logs.
     *
     * @return redacted compact JSON text of the object.
     */
    public String toString()
    {
        return redactedJson(node);
    }

    public boolean equals(final Object o)
    {
        if (this == o)
        {
            return true;
        }

        return o instanceof ConfigObject && node.equals(((ConfigObject)o).node);
    }

    public int hashCode()
    {
        return node.hashCode();
    }

    // The package-private methods below are the pipeline parser's share of the same accessors.

    /**
     * A copy of the underlying object, for serialisation.
     */
    ObjectNode copyOfNode()
    {
        return node.deepCopy();
    }

    String source()
    {
        return source;
    }

    /**
     * The raw member, or null when absent.
     */
    JsonNode get(final String key)
    {
        return node.get(key);
    }

    String pathOf(final String key)
    {
        return ConfigPath.child(path, key);
    }

    /**
     * Wrap a member already known to be present as an object at this object's child path.
     */
    ConfigObject objectOf(final String key, final JsonNode value)
    {
        if (!value.isObject())
        {
            throw wrongType(key, value, "an object");
        }

        return new ConfigObject((ObjectNode)value, pathOf(key), source);
    }

    /**
     * An integer member already known to be present.
     */
    long rangeChecked(final String key, final JsonNode value, final long min, final long max)
    {
        return rangeChecked(pathOf(key), value, min, max, source);
    }

    static long rangeChecked(
        final String path, final JsonNode value, final long min, final long max, final String source)
    {
        final String range = ConfigPath.range(min, max);
        if (!value.isIntegralNumber())
        {
            throw new ConfigException(
                ConfigException.WRONG_TYPE,
                source,
                path,
                "expected an integer " + range + ", got " + ConfigPath.typed(value));
        }

        if (!value.canConvertToLong() || value.longValue() < min || value.longValue() > max)
        {
            throw new ConfigException(
                ConfigException.OUT_OF_RANGE,
                source,
                path,
                ConfigPath.value(value) + " is out of range; allowed: " + range);
        }

        return value.longValue();
    }

    ConfigException wrongType(final String key, final JsonNode value, final String expected)
    {
        return error(ConfigException.WRONG_TYPE, key, "expected " + expected + ", got " + ConfigPath.typed(value));
    }

    ConfigException error(final String code, final String key, final String detail)
    {
        return new ConfigException(code, source, pathOf(key), detail);
    }

    ConfigException unknownKey(final String key, final String... allowedKeys)
    {
        final StringBuilder detail = new StringBuilder("unknown key ").append(ConfigPath.quote(key));
        final String suggestion = closest(key, allowedKeys);
        if (null != suggestion)
        {
            detail.append(" (did you mean ").append(ConfigPath.quote(suggestion)).append("?)");
        }
        detail.append("; allowed keys: ");
        if (0 == allowedKeys.length)
        {
            detail.append("none");
        }
        for (int i = 0; i < allowedKeys.length; i++)
        {
            detail.append(0 == i ? "" : ", ").append(allowedKeys[i]);
        }

        return error(ConfigException.UNKNOWN_KEY, key, detail.toString());
    }

    static String jsonName(final Enum<?> constant)
    {
        return constant.name().toLowerCase(Locale.ROOT);
    }

    static <E extends Enum<E>> String allowedNames(final Class<E> type)
    {
        final StringBuilder sb = new StringBuilder();
        for (final E constant : type.getEnumConstants())
        {
            sb.append(0 == sb.length() ? "" : ", ").append('"').append(jsonName(constant)).append('"');
        }

        return sb.toString();
    }

    private JsonNode require(final String key, final String expected)
    {
        final JsonNode value = node.get(key);
        if (null == value)
        {
            throw error(ConfigException.MISSING, key, "required key is missing; expected " + expected);
        }

        return value;
    }

    private String textOf(final String key, final JsonNode value, final String expected)
    {
        if (!value.isTextual())
        {
            throw wrongType(key, value, expected);
        }

        return value.textValue();
    }

    private String nonEmptyTextOf(final String key, final JsonNode value)
    {
        final String text = textOf(key, value, "a non-empty string");
        if (text.isEmpty())
        {
            throw error(ConfigException.INVALID, key, "\"\" is not allowed; expected a non-empty string");
        }

        return text;
    }

    private List<String> stringsOf(final String key, final JsonNode value)
    {
        if (!value.isArray())
        {
            throw wrongType(key, value, "an array of strings");
        }

        final String arrayPath = pathOf(key);
        final List<String> strings = new ArrayList<>(value.size());
        for (int i = 0; i < value.size(); i++)
        {
            final JsonNode element = value.get(i);
            if (!element.isTextual())
            {
                throw new ConfigException(
                    ConfigException.WRONG_TYPE, source, ConfigPath.index(arrayPath, i),
                    "expected a string, got " + ConfigPath.typed(element));
            }
            strings.add(element.textValue());
        }

        return Collections.unmodifiableList(strings);
    }

    /**
     * The allowed key within edit distance 2 of the unknown one, or else one it abbreviates, if any: most unknown
     * keys are typos or truncations.
     */
    private static String closest(final String key, final String... candidates)
    {
        String best = null;
        int bestDistance = 3;
        for (final String candidate : candidates)
        {
            final int distance = editDistance(key, candidate);
            if (distance < bestDistance)
            {
                best = candidate;
                bestDistance = distance;
            }
        }

        if (null == best && key.length() >= 4)
        {
            for (final String candidate : candidates)
            {
                if (candidate.startsWith(key) || key.startsWith(candidate))
                {
                    return candidate;
                }
            }
        }

        return best;
    }

    private static int editDistance(final String a, final String b)
    {
        int[] previous = new int[b.length() + 1];
        int[] current = new int[b.length() + 1];
        for (int j = 0; j <= b.length(); j++)
        {
            previous[j] = j;
        }

        for (int i = 1; i <= a.length(); i++)
        {
            current[0] = i;
            for (int j = 1; j <= b.length(); j++)
            {
                final int substitution = previous[j - 1] + (a.charAt(i - 1) == b.charAt(j - 1) ? 0 : 1);
                current[j] = Math.min(substitution, Math.min(previous[j] + 1, current[j - 1] + 1));
            }
            final int[] swap = previous;
            previous = current;
            current = swap;
        }

        return previous[b.length()];
    }

    /**
     * Compact JSON of a configuration tree with secret-looking values replaced, for every config toString().
     */
    static String redactedJson(final JsonNode value)
    {
        return redacted(value).toString();
    }

    private static JsonNode redacted(final JsonNode value)
    {
        if (value.isObject())
        {
            final ObjectNode copy = JsonNodeFactory.instance.objectNode();
            for (final Map.Entry<String, JsonNode> field : value.properties())
            {
                final String key = field.getKey().toLowerCase(Locale.ROOT).replace('.', '_');
                final boolean secret = SECRET_KEY.matcher(key).matches();
                copy.set(field.getKey(), secret ? TextNode.valueOf(REDACTED) : redacted(field.getValue()));
            }

            return copy;
        }

        if (value.isArray())
        {
            final ArrayNode copy = JsonNodeFactory.instance.arrayNode(value.size());
            for (final JsonNode element : value)
            {
                copy.add(redacted(element));
            }

            return copy;
        }

        return value;
    }
}
