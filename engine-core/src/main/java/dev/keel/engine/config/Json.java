package dev.keel.engine.config;

import com.fasterxml.jackson.core.JsonLocation;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.JsonStreamContext;
import com.fasterxml.jackson.core.StreamReadFeature;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.json.JsonMapper;

import java.util.regex.Pattern;

/**
 * The one strict JSON reader of the config package: no comments, no duplicate keys (which would otherwise let the
 * last one silently win), nothing after the document.
 */
final class Json
{
    static final ObjectMapper MAPPER = JsonMapper.builder()
        .enable(StreamReadFeature.STRICT_DUPLICATE_DETECTION)
        .enable(DeserializationFeature.FAIL_ON_TRAILING_TOKENS)
        .build();

    private static final Pattern SOURCE_REFERENCE =
        Pattern.compile("\\[Source: [^;\\]]*; (line: \\d+, column: \\d+)]");

    private Json()
    {
    }

    /**
     * Parse one JSON document.
     *
     * @param json   the text.
     * @param source file name for messages, or null.
     * @return the document root, never a missing node.
     * @throws ConfigException with line and column when the text is not one well-formed JSON document.
     */
    static JsonNode read(final String json, final String source)
    {
        final JsonNode root;
        try
        {
            root = MAPPER.readTree(json);
        }
        catch (final JsonProcessingException ex)
        {
            throw malformed(ex, source);
        }

        if (null == root || root.isMissingNode())
        {
            throw new ConfigException(
                ConfigException.MALFORMED_JSON, source, ConfigPath.ROOT, "empty document, expected a JSON object");
        }

        return root;
    }

    private static ConfigException malformed(final JsonProcessingException ex, final String source)
    {
        final JsonLocation location = ex.getLocation();
        final StringBuilder detail = new StringBuilder("malformed JSON");
        if (null != location && location.getLineNr() > 0)
        {
            detail.append(" at line ").append(location.getLineNr()).append(", column ").append(location.getColumnNr());
        }
        // Jackson refers to other places in the text as "[Source: REDACTED (...); line: 1, column: 18]".
        detail.append(": ").append(SOURCE_REFERENCE.matcher(ex.getOriginalMessage()).replaceAll("$1"));

        final String path = ex.getProcessor() instanceof JsonParser ?
            pathOf(((JsonParser)ex.getProcessor()).getParsingContext()) : ConfigPath.ROOT;

        return new ConfigException(ConfigException.MALFORMED_JSON, source, path, detail.toString(), ex);
    }

    /**
     * Where the reader was when the text went wrong, as a JSON path, so that the message points into the document
     * as well as to a line.
     */
    private static String pathOf(final JsonStreamContext context)
    {
        if (null == context || context.inRoot())
        {
            return ConfigPath.ROOT;
        }

        final String parent = pathOf(context.getParent());
        if (context.inArray())
        {
            return ConfigPath.index(parent, Math.max(0, context.getCurrentIndex()));
        }

        final String name = context.getCurrentName();
        return null == name ? parent : ConfigPath.child(parent, name);
    }
}
