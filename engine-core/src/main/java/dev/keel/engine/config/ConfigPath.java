package dev.keel.engine.config;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.TextNode;

import java.util.Locale;
import java.util.regex.Pattern;

/**
 * JSON path rendering and value description shared by every error message of the config package, so that all
 * errors read alike.
 */
final class ConfigPath
{
    /** Path of the document root. */
    static final String ROOT = "$";

    private static final Pattern PLAIN_KEY = Pattern.compile("[A-Za-z_][A-Za-z0-9_]*");
    private static final int MAX_VALUE_CHARS = 80;

    private ConfigPath()
    {
    }

    /**
     * Path of a member: dot notation for plain keys, bracket notation for anything else so that a key such as
     * {@code bootstrap.servers} cannot be mistaken for two levels.
     */
    static String child(final String parent, final String key)
    {
        if (PLAIN_KEY.matcher(key).matches())
        {
            return parent + "." + key;
        }

        final StringBuilder sb = new StringBuilder(parent.length() + key.length() + 4).append(parent).append("['");
        for (int i = 0, length = key.length(); i < length; i++)
        {
            final char c = key.charAt(i);
            if ('\'' == c || '\\' == c)
            {
                sb.append('\\');
            }
            sb.append(c);
        }

        return sb.append("']").toString();
    }

    static String index(final String parent, final int index)
    {
        return parent + "[" + index + "]";
    }

    /**
     * The value as it would appear in JSON, shortened when long so that a huge object does not swamp the message.
     */
    static String value(final JsonNode node)
    {
        final String text = node.toString();
        return text.length() <= MAX_VALUE_CHARS ? text : text.substring(0, MAX_VALUE_CHARS - 3) + "...";
    }

    /**
     * JSON type and value, e.g. {@code string "4"}, for "expected X, got Y" messages.
     */
    static String typed(final JsonNode node)
    {
        return typeName(node) + " " + value(node);
    }

    static String typeName(final JsonNode node)
    {
        switch (node.getNodeType())
        {
            case STRING:
                return "string";
            case NUMBER:
                return node.isIntegralNumber() ? "integer" : "number";
            case BOOLEAN:
                return "boolean";
            case NULL:
                return "null";
            case OBJECT:
                return "object";
            case ARRAY:
                return "array";
            default:
                return node.getNodeType().name().toLowerCase(Locale.ROOT);
        }
    }

    static String quote(final String text)
    {
        return TextNode.valueOf(text).toString();
    }

    static String range(final long min, final long max)
    {
        if (Long.MAX_VALUE == max || Integer.MAX_VALUE == max)
        {
            return ">= " + min;
        }

        return min + ".." + max;
    }
}
