package dev.keel.engine.config;

import org.junit.jupiter.api.Test;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class ConfigObjectTest
{
    private static final String SETTINGS_PATH = "$.inputs.k.transport.config";

    /**
     * Connector settings as a connector factory sees them: parsed from a pipeline, so they know their path.
     */
    private static ConfigObject settings(final String singleQuotedJson)
    {
        final String json = "{'inputs': {'k': {'stream': 's', 'transport': {'name': 'kafka_input', 'config': " +
            singleQuotedJson + "}}}}";
        return PipelineConfigParser.parse(json.replace('\'', '"')).inputs().get("k").transport().config();
    }

    private static ConfigException assertConfigError(
        final String code, final String path, final String expectedMessage, final Runnable access)
    {
        final ConfigException ex = assertThrows(ConfigException.class, access::run);
        assertEquals(code, ex.code(), ex.getMessage());
        assertEquals(path, ex.path(), ex.getMessage());
        assertEquals("[" + code + "] " + path + ": " + expectedMessage, ex.getMessage());
        return ex;
    }

    @Test
    void shouldReadTypedValuesAndDefaults()
    {
        final ConfigObject config = settings(
            "{'topic': 'trades', 'empty': '', 'acks': 1, 'big': 9000000000, 'idempotent': true, " +
            "'hosts': ['a:1', 'b:2'], 'ssl': {'enabled': false}, 'mode': 'busy_spin'}");

        assertEquals(SETTINGS_PATH, config.path());
        assertEquals("trades", config.string("topic"));
        assertEquals("", config.string("empty"));
        assertEquals("dflt", config.string("absent", "dflt"));
        assertEquals("trades", config.nonEmptyString("topic"));
        assertEquals("x", config.nonEmptyString("absent", "x"));
        assertTrue(config.bool("idempotent", false));
        assertTrue(config.bool("absent", true));
        assertEquals(1, config.intValue("acks", 0, -1, 1));
        assertEquals(7, config.intValue("absent", 7, 0, 10));
        assertEquals(9_000_000_000L, config.longValue("big", 0, 0, Long.MAX_VALUE));
        assertEquals(List.of("a:1", "b:2"), config.stringList("hosts"));
        assertEquals(List.of("z"), config.stringList("absent", List.of("z")));
        assertEquals(IdleStrategyType.BUSY_SPIN, config.enumValue("mode", IdleStrategyType.class, null));
        assertEquals(JournalSync.FULL, config.enumValue("absent", JournalSync.class, JournalSync.FULL));
        assertTrue(config.has("ssl"));
        assertFalse(config.has("absent"));
        assertEquals(
            Set.of("topic", "empty", "acks", "big", "idempotent", "hosts", "ssl", "mode"), config.keys());

        final ConfigObject ssl = config.object("ssl").orElseThrow();
        assertEquals(SETTINGS_PATH + ".ssl", ssl.path());
        assertFalse(ssl.bool("enabled", true));
        assertTrue(config.object("absent").isEmpty());
        assertSame(config, config.requireOnly(
            "topic", "empty", "acks", "big", "idempotent", "hosts", "ssl", "mode"));
    }

    @Test
    void shouldRejectMissingRequiredString()
    {
        assertConfigError(
            ConfigException.MISSING, SETTINGS_PATH + ".topic", "required key is missing; expected a string",
            () -> settings("{}").string("topic"));
    }

    @Test
    void shouldRejectStringOfWrongType()
    {
        assertConfigError(
            ConfigException.WRONG_TYPE, SETTINGS_PATH + ".topic", "expected a string, got integer 5",
            () -> settings("{'topic': 5}").string("topic", "dflt"));
        assertConfigError(
            ConfigException.WRONG_TYPE, SETTINGS_PATH + ".topic", "expected a string, got null null",
            () -> settings("{'topic': null}").string("topic"));
    }

    @Test
    void shouldRejectEmptyNonEmptyString()
    {
        assertConfigError(
            ConfigException.INVALID, SETTINGS_PATH + ".topic", "\"\" is not allowed; expected a non-empty string",
            () -> settings("{'topic': ''}").nonEmptyString("topic"));
    }

    @Test
    void shouldRejectBooleanOfWrongType()
    {
        assertConfigError(
            ConfigException.WRONG_TYPE, SETTINGS_PATH + ".follow", "expected true or false, got string \"true\"",
            () -> settings("{'follow': 'true'}").bool("follow", false));
    }

    @Test
    void shouldRejectIntegerOutOfRange()
    {
        assertConfigError(
            ConfigException.OUT_OF_RANGE, SETTINGS_PATH + ".acks", "2 is out of range; allowed: -1..1",
            () -> settings("{'acks': 2}").intValue("acks", 1, -1, 1));
        assertConfigError(
            ConfigException.OUT_OF_RANGE, SETTINGS_PATH + ".acks", "-2 is out of range; allowed: -1..1",
            () -> settings("{'acks': -2}").longValue("acks", 1, -1, 1));
        assertConfigError(
            ConfigException.OUT_OF_RANGE, SETTINGS_PATH + ".size", "3000000000 is out of range; allowed: >= 1",
            () -> settings("{'size': 3000000000}").intValue("size", 1, 1, Integer.MAX_VALUE));
        assertConfigError(
            ConfigException.OUT_OF_RANGE, SETTINGS_PATH + ".size",
            "100000000000000000000 is out of range; allowed: >= 0",
            () -> settings("{'size': 100000000000000000000}").longValue("size", 1, 0, Long.MAX_VALUE));
    }

    @Test
    void shouldRejectIntegerOfWrongType()
    {
        assertConfigError(
            ConfigException.WRONG_TYPE, SETTINGS_PATH + ".acks", "expected an integer -1..1, got number 1.0",
            () -> settings("{'acks': 1.0}").intValue("acks", 1, -1, 1));
        assertConfigError(
            ConfigException.WRONG_TYPE, SETTINGS_PATH + ".acks", "expected an integer -1..1, got string \"1\"",
            () -> settings("{'acks': '1'}").longValue("acks", 1, -1, 1));
    }

    @Test
    void shouldRejectObjectOfWrongType()
    {
        assertConfigError(
            ConfigException.WRONG_TYPE, SETTINGS_PATH + ".ssl", "expected an object, got array [1,2]",
            () -> settings("{'ssl': [1, 2]}").object("ssl"));
    }

    @Test
    void shouldRejectStringListErrors()
    {
        assertConfigError(
            ConfigException.WRONG_TYPE, SETTINGS_PATH + ".hosts", "expected an array of strings, got string \"a:1\"",
            () -> settings("{'hosts': 'a:1'}").stringList("hosts"));
        assertConfigError(
            ConfigException.WRONG_TYPE, SETTINGS_PATH + ".hosts[1]", "expected a string, got integer 2",
            () -> settings("{'hosts': ['a:1', 2]}").stringList("hosts", List.of()));
        assertConfigError(
            ConfigException.MISSING, SETTINGS_PATH + ".hosts", "required key is missing; expected an array of strings",
            () -> settings("{}").stringList("hosts"));
    }

    @Test
    void shouldRejectUnknownEnumValue()
    {
        assertConfigError(
            ConfigException.INVALID, SETTINGS_PATH + ".sync",
            "\"sometimes\" is not allowed; allowed values: \"none\", \"data\", \"full\"",
            () -> settings("{'sync': 'sometimes'}").enumValue("sync", JournalSync.class, JournalSync.DATA));
        assertConfigError(
            ConfigException.MISSING, SETTINGS_PATH + ".sync",
            "required key is missing; expected one of \"none\", \"data\", \"full\"",
            () -> settings("{}").enumValue("sync", JournalSync.class, null));
    }

    @Test
    void shouldRejectUnknownKeyListingAllowedOnes()
    {
        assertConfigError(
            ConfigException.UNKNOWN_KEY, SETTINGS_PATH + ".tpoic",
            "unknown key \"tpoic\" (did you mean \"topic\"?); allowed keys: topic, acks",
            () -> settings("{'topic': 't', 'tpoic': 'u'}").requireOnly("topic", "acks"));
        assertConfigError(
            ConfigException.UNKNOWN_KEY, SETTINGS_PATH + ".x", "unknown key \"x\"; allowed keys: none",
            () -> settings("{'x': 1}").requireOnly());
    }

    @Test
    void shouldUseBracketNotationForKeysThatAreNotIdentifiers()
    {
        assertConfigError(
            ConfigException.WRONG_TYPE, SETTINGS_PATH + "['bootstrap.servers']", "expected a string, got integer 1",
            () -> settings("{'bootstrap.servers': 1}").string("bootstrap.servers"));
        assertConfigError(
            ConfigException.WRONG_TYPE, "$['it\\'s']", "expected a string, got integer 1",
            () -> ConfigObject.of(Map.of("it's", 1)).string("it's"));
    }

    @Test
    void shouldShortenLongValuesInMessages()
    {
        final String longText = "x".repeat(200);
        final ConfigException ex = assertThrows(
            ConfigException.class, () -> settings("{'n': '" + longText + "'}").intValue("n", 0, 0, 1));

        assertTrue(ex.getMessage().contains("got string \"xxx"), ex.getMessage());
        assertTrue(ex.getMessage().endsWith("..."), ex.getMessage());
        assertTrue(ex.getMessage().length() < 200, ex.getMessage());
    }

    @Test
    void shouldRedactSecretsInToStringOnly()
    {
        final ConfigObject config = settings(
            "{'sasl.password': 'p', 'aws_secret_access_key': 's', 'api_token': 't', 'topic': 'trades', " +
            "'auth': {'Password': 'q', 'user': 'u'}}");

        final String logged = config.toString();
        assertEquals(
            "{\"sasl.password\":\"***\",\"aws_secret_access_key\":\"***\",\"api_token\":\"***\"," +
            "\"topic\":\"trades\",\"auth\":{\"Password\":\"***\",\"user\":\"u\"}}",
            logged);
        assertTrue(config.toJson().contains("\"sasl.password\":\"p\""));
    }

    @Test
    void shouldBuildFromMapEqualToParsed()
    {
        final Map<String, Object> values = new LinkedHashMap<>();
        values.put("topic", "trades");
        values.put("acks", 1L);
        values.put("hosts", List.of("a:1"));
        values.put("ssl", Map.of("enabled", true));
        final ConfigObject built = ConfigObject.of(values);

        assertEquals("$", built.path());
        assertEquals(settings("{'topic': 'trades', 'acks': 1, 'hosts': ['a:1'], 'ssl': {'enabled': true}}"), built);
        assertEquals(1, built.intValue("acks", 0, 0, 1));
        assertTrue(ConfigObject.empty().isEmpty());
    }

    @Test
    void shouldNotBeChangedByTheMapItWasBuiltFrom()
    {
        final Map<String, Object> values = new LinkedHashMap<>();
        values.put("topic", "trades");
        final ConfigObject built = ConfigObject.of(values);
        values.put("topic", "quotes");

        assertEquals("trades", built.string("topic"));
    }
}
