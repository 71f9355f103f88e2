package dev.keel.engine.config;

import dev.keel.engine.KeelException;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

import java.util.List;
import java.util.stream.Stream;

import static dev.keel.engine.config.ConfigException.INVALID;
import static dev.keel.engine.config.ConfigException.MALFORMED_JSON;
import static dev.keel.engine.config.ConfigException.MISSING;
import static dev.keel.engine.config.ConfigException.OUT_OF_RANGE;
import static dev.keel.engine.config.ConfigException.UNKNOWN_KEY;
import static dev.keel.engine.config.ConfigException.WRONG_TYPE;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * One case per rule: each asserts the code, the JSON path, and that the message names the path, the offending
 * value and what is allowed.
 */
class InvalidPipelineConfigTest
{
    private static final String ENDPOINT = "{'stream': 's', 'transport': {'name': 't'}}";
    private static final String STORAGE = "'storage_config': {'path': 'd'}";
    private static final String SYNC = "{'storage': {'backend': {'name': 'file', 'config': {'sync': {'bucket': 'bk1/p'}}}}}";

    static final class Case
    {
        final String name;
        final String json;
        final String code;
        final String path;
        final List<String> fragments;

        Case(final String name, final String json, final String code, final String path, final String... fragments)
        {
            this.name = name;
            this.json = json.replace('\'', '"');
            this.code = code;
            this.path = path;
            this.fragments = List.of(fragments);
        }

        public String toString()
        {
            return name;
        }
    }

    static Case invalid(
        final String name, final String json, final String code, final String path, final String... fragments)
    {
        return new Case(name, json, code, path, fragments);
    }

    static String input(final String endpointFields)
    {
        return "{'inputs': {'in': {'stream': 's', 'transport': {'name': 't'}" + endpointFields + "}}}";
    }

    static String output(final String endpointFields)
    {
        return "{'outputs': {'out': {'stream': 's', 'transport': {'name': 't'}" + endpointFields + "}}}";
    }

    static Stream<Case> cases()
    {
        return Stream.of(
            // unknown keys, top level and nested
            invalid("unknown top-level key", "{'wokers': 2}", UNKNOWN_KEY, "$.wokers",
                "unknown key \"wokers\"", "did you mean \"workers\"?", "allowed keys: name, program, workers"),
            invalid("unknown fault_tolerance key", "{'fault_tolerance': {'modle': 'none'}}", UNKNOWN_KEY,
                "$.fault_tolerance.modle", "\"modle\"", "model, checkpoint_interval_secs, journal_sync"),
            invalid("unknown storage key", "{'storage': {'min_bytes': 1}, " + STORAGE + "}", UNKNOWN_KEY,
                "$.storage.min_bytes", "\"min_bytes\"", "allowed keys: min_storage_bytes"),
            invalid("unknown storage_config key", "{'storage_config': {'path': 'd', 'caches': 'x'}}", UNKNOWN_KEY,
                "$.storage_config.caches", "\"caches\"", "did you mean \"cache\"?", "allowed keys: path, cache"),
            invalid("unknown storage.backend key", "{'storage': {'backend': {'name': 'file', 'cfg': {}}}}",
                UNKNOWN_KEY, "$.storage.backend.cfg", "\"cfg\"", "allowed keys: name, config"),
            invalid("unknown file backend key", "{'storage': {'backend': {'name': 'file', 'config': {'synk': {}}}}}",
                UNKNOWN_KEY, "$.storage.backend.config.synk", "did you mean \"sync\"?"),
            invalid("unknown sync key", SYNC.replace("'bucket': 'bk1/p'", "'bucket': 'bk1/p', 'pull_intervall': 3"),
                UNKNOWN_KEY, "$.storage.backend.config.sync.pull_intervall", "did you mean \"pull_interval\"?"),
            invalid("unknown backend", "{'storage': {'backend': {'name': 'object'}}}", INVALID,
                "$.storage.backend.name", "\"object\"", "\"default\", \"file\""),
            invalid("config for the default backend", "{'storage': {'backend': {'name': 'default', 'config': {}}}}",
                INVALID, "$.storage.backend.config", "\"default\" backend takes no config"),
            invalid("unknown cache", "{'storage_config': {'path': 'd', 'cache': 'feldera_cache'}}", INVALID,
                "$.storage_config.cache", "\"feldera_cache\"", "\"page_cache\""),
            invalid("sync without bucket", SYNC.replace("'bucket': 'bk1/p'", "'region': 'r'"), MISSING,
                "$.storage.backend.config.sync.bucket", "required key is missing"),
            invalid("bad bucket name", SYNC.replace("bk1/p", "My_Bucket/p"), INVALID,
                "$.storage.backend.config.sync.bucket", "\"My_Bucket\" is not a valid bucket name"),
            invalid("empty prefix segment", SYNC.replace("bk1/p", "b12//p"), INVALID,
                "$.storage.backend.config.sync.bucket", "empty path segment"),
            invalid("push_interval zero", SYNC.replace("'bucket': 'bk1/p'", "'bucket': 'bk1/p', 'push_interval': 0"),
                OUT_OF_RANGE, "$.storage.backend.config.sync.push_interval", "0 is out of range", "1..86400"),
            invalid("ship_journal as string",
                SYNC.replace("'bucket': 'bk1/p'", "'bucket': 'bk1/p', 'ship_journal': 'off'"), WRONG_TYPE,
                "$.storage.backend.config.sync.ship_journal", "got string \"off\""),
            invalid("ship_journal misspelt",
                SYNC.replace("'bucket': 'bk1/p'", "'bucket': 'bk1/p', 'ship_journals': false"), UNKNOWN_KEY,
                "$.storage.backend.config.sync.ship_journals", "did you mean \"ship_journal\"?"),
            invalid("pull_interval as string",
                SYNC.replace("'bucket': 'bk1/p'", "'bucket': 'bk1/p', 'pull_interval': '10'"), WRONG_TYPE,
                "$.storage.backend.config.sync.pull_interval", "got string \"10\""),
            invalid("retention_min_count negative",
                SYNC.replace("'bucket': 'bk1/p'", "'bucket': 'bk1/p', 'retention_min_count': -1"), OUT_OF_RANGE,
                "$.storage.backend.config.sync.retention_min_count", "-1 is out of range"),
            invalid("start_from_checkpoint neither latest nor uuid",
                SYNC.replace("'bucket': 'bk1/p'", "'bucket': 'bk1/p', 'start_from_checkpoint': 'newest'"), INVALID,
                "$.storage.backend.config.sync.start_from_checkpoint", "\"newest\"", "\"latest\" or a checkpoint UUID"),
            invalid("standby without start_from_checkpoint",
                SYNC.replace("'bucket': 'bk1/p'", "'bucket': 'bk1/p', 'standby': true"), MISSING,
                "$.storage.backend.config.sync.start_from_checkpoint", "standby follows a synced checkpoint"),
            invalid("access_key without secret_key",
                SYNC.replace("'bucket': 'bk1/p'", "'bucket': 'bk1/p', 'access_key': 'AKIA'"), MISSING,
                "$.storage.backend.config.sync.secret_key", "access_key and secret_key go together"),
            invalid("endpoint not a url",
                SYNC.replace("'bucket': 'bk1/p'", "'bucket': 'bk1/p', 'endpoint': 'minio:9000'"), INVALID,
                "$.storage.backend.config.sync.endpoint", "\"minio:9000\" is not an endpoint URL"),
            invalid("read_bucket same as bucket",
                SYNC.replace("'bucket': 'bk1/p'", "'bucket': 'bk1/p', 'read_bucket': 'bk1/p/'"), INVALID,
                "$.storage.backend.config.sync.read_bucket", "must be another bucket or prefix"),
            invalid("unknown input key", input(", 'max_batch': 5"), UNKNOWN_KEY, "$.inputs.in.max_batch",
                "did you mean \"max_batch_size\"?", "stream, transport, format, max_batch_size"),
            invalid("unknown output key", output(", 'on_error': 'skip'"), UNKNOWN_KEY, "$.outputs.out.on_error",
                "\"on_error\"", "allowed keys: stream, transport, format, max_queued_records"),
            invalid("unknown transport key",
                "{'inputs': {'in': {'stream': 's', 'transport': {'name': 't', 'cfg': {}}}}}", UNKNOWN_KEY,
                "$.inputs.in.transport.cfg", "\"cfg\"", "allowed keys: name, config"),

            // wrong JSON types
            invalid("document not an object", "[]", WRONG_TYPE, "$", "expected a JSON object, got array []"),
            invalid("name not a string", "{'name': 5}", WRONG_TYPE, "$.name",
                "expected a non-empty string, got integer 5"),
            invalid("name empty", "{'name': ''}", INVALID, "$.name", "\"\"", "non-empty string"),
            invalid("program not a string", "{'program': true}", WRONG_TYPE, "$.program",
                "expected a non-empty string, got boolean true"),
            invalid("program with whitespace", "{'program': 'trades vwap'}", INVALID, "$.program",
                "\"trades vwap\"", "fully qualified class name"),
            invalid("workers as string", "{'workers': '4'}", WRONG_TYPE, "$.workers",
                "expected an integer 1..64, got string \"4\""),
            invalid("workers as fraction", "{'workers': 1.5}", WRONG_TYPE, "$.workers",
                "expected an integer 1..64, got number 1.5"),
            invalid("workers as whole float", "{'workers': 2.0}", WRONG_TYPE, "$.workers", "got number 2.0"),
            invalid("workers null", "{'workers': null}", WRONG_TYPE, "$.workers", "got null null"),
            invalid("storage as string", "{'storage': 'yes'}", WRONG_TYPE, "$.storage",
                "expected true, false, null or an object", "got string \"yes\""),
            invalid("storage_config as string", "{'storage_config': 'dir'}", WRONG_TYPE, "$.storage_config",
                "expected an object, got string \"dir\""),
            invalid("storage path not a string", "{'storage_config': {'path': 1}}", WRONG_TYPE,
                "$.storage_config.path", "expected a non-empty string, got integer 1"),
            invalid("storage path empty", "{'storage_config': {'path': ''}}", INVALID, "$.storage_config.path",
                "\"\" is not allowed", "non-empty"),
            invalid("min_storage_bytes as string", "{'storage': {'min_storage_bytes': '1'}, " + STORAGE + "}",
                WRONG_TYPE, "$.storage.min_storage_bytes", "expected an integer >= 0, got string \"1\""),
            invalid("fault_tolerance as string", "{'fault_tolerance': 'exactly_once'}", WRONG_TYPE,
                "$.fault_tolerance", "got string \"exactly_once\"", "an object", "or null"),
            invalid("model not a string", "{'fault_tolerance': {'model': 1}}", WRONG_TYPE,
                "$.fault_tolerance.model", "got integer 1", "\"none\", \"at_least_once\", \"exactly_once\""),
            invalid("model unknown", "{'fault_tolerance': {'model': 'twice'}}", INVALID, "$.fault_tolerance.model",
                "\"twice\" is not allowed", "allowed values: \"none\", \"at_least_once\", \"exactly_once\""),
            invalid("checkpoint interval as string",
                "{'fault_tolerance': {'model': 'none', 'checkpoint_interval_secs': '60'}}", WRONG_TYPE,
                "$.fault_tolerance.checkpoint_interval_secs", "got string \"60\"", "1..3600", "or null"),
            invalid("journal_sync unknown", "{'fault_tolerance': {'model': 'none', 'journal_sync': 'always'}}",
                INVALID, "$.fault_tolerance.journal_sync", "\"always\"", "\"none\", \"data\", \"full\""),
            invalid("retained_checkpoints as boolean",
                "{'fault_tolerance': {'model': 'none', 'retained_checkpoints': true}}", WRONG_TYPE,
                "$.fault_tolerance.retained_checkpoints", "expected an integer 1..100, got boolean true"),
            invalid("min_batch_size_records as string", "{'min_batch_size_records': '0'}", WRONG_TYPE,
                "$.min_batch_size_records", "expected an integer >= 0, got string \"0\""),
            invalid("max_buffering_delay_usecs as fraction", "{'max_buffering_delay_usecs': 0.5}", WRONG_TYPE,
                "$.max_buffering_delay_usecs", "expected an integer 0..10000000, got number 0.5"),
            invalid("pin_cpus not an array", "{'pin_cpus': 3}", WRONG_TYPE, "$.pin_cpus",
                "expected an array of distinct CPU numbers >= 0, got integer 3"),
            invalid("pin_cpus element as string", "{'pin_cpus': ['1']}", WRONG_TYPE, "$.pin_cpus[0]",
                "expected an integer >= 0, got string \"1\""),
            invalid("threading_mode not a string", "{'threading_mode': 1}", WRONG_TYPE, "$.threading_mode",
                "got integer 1", "\"dedicated\", \"shared\", \"invoker\""),
            invalid("threading_mode unknown", "{'threading_mode': 'pooled'}", INVALID, "$.threading_mode",
                "\"pooled\" is not allowed", "\"dedicated\", \"shared\", \"invoker\""),
            invalid("idle_strategy unknown", "{'idle_strategy': 'spin'}", INVALID, "$.idle_strategy",
                "\"spin\"", "\"busy_spin\", \"yielding\", \"backoff\", \"sleeping\""),
            invalid("inputs as array", "{'inputs': []}", WRONG_TYPE, "$.inputs",
                "expected an object of endpoint name to endpoint, got array []"),
            invalid("outputs null", "{'outputs': null}", WRONG_TYPE, "$.outputs", "got null null"),
            invalid("input endpoint as string", "{'inputs': {'in': 'file'}}", WRONG_TYPE, "$.inputs.in",
                "expected an object, got string \"file\""),
            invalid("stream not a string", "{'inputs': {'in': {'stream': 1, 'transport': {'name': 't'}}}}",
                WRONG_TYPE, "$.inputs.in.stream", "expected a non-empty string, got integer 1"),
            invalid("stream empty", "{'inputs': {'in': {'stream': '', 'transport': {'name': 't'}}}}", INVALID,
                "$.inputs.in.stream", "\"\" is not allowed"),
            invalid("transport as string", "{'inputs': {'in': {'stream': 's', 'transport': 'file'}}}", WRONG_TYPE,
                "$.inputs.in.transport", "expected an object, got string \"file\""),
            invalid("transport name not a string", "{'inputs': {'in': {'stream': 's', 'transport': {'name': 1}}}}",
                WRONG_TYPE, "$.inputs.in.transport.name", "expected a non-empty string, got integer 1"),
            invalid("transport config as array",
                "{'inputs': {'in': {'stream': 's', 'transport': {'name': 't', 'config': []}}}}", WRONG_TYPE,
                "$.inputs.in.transport.config", "expected an object, got array []"),
            invalid("format as string", input(", 'format': 'csv'"), WRONG_TYPE, "$.inputs.in.format",
                "expected an object, got string \"csv\""),
            invalid("format config null", input(", 'format': {'name': 'csv', 'config': null}"), WRONG_TYPE,
                "$.inputs.in.format.config", "expected an object, got null null"),
            invalid("max_batch_size as string", input(", 'max_batch_size': '10'"), WRONG_TYPE,
                "$.inputs.in.max_batch_size", "expected an integer 1..100000000, got string \"10\""),
            invalid("input max_queued_records as fraction", input(", 'max_queued_records': 1.5"), WRONG_TYPE,
                "$.inputs.in.max_queued_records", "expected an integer >= 1, got number 1.5"),
            invalid("on_error unknown", input(", 'on_error': 'ignore'"), INVALID, "$.inputs.in.on_error",
                "\"ignore\" is not allowed", "\"fail\", \"skip\""),
            invalid("paused as string", input(", 'paused': 'no'"), WRONG_TYPE, "$.inputs.in.paused",
                "expected true or false, got string \"no\""),
            invalid("output stream not a string", "{'outputs': {'out': {'stream': [], 'transport': {'name': 't'}}}}",
                WRONG_TYPE, "$.outputs.out.stream", "got array []"),
            invalid("output max_queued_records as string", output(", 'max_queued_records': '1'"), WRONG_TYPE,
                "$.outputs.out.max_queued_records", "expected an integer >= 1, got string \"1\""),

            // range bounds, just outside
            invalid("workers below range", "{'workers': 0}", OUT_OF_RANGE, "$.workers",
                "0 is out of range; allowed: 1..64"),
            invalid("workers above range", "{'workers': 65}", OUT_OF_RANGE, "$.workers",
                "65 is out of range; allowed: 1..64"),
            invalid("workers beyond int", "{'workers': 4294967297}", OUT_OF_RANGE, "$.workers",
                "4294967297 is out of range; allowed: 1..64"),
            invalid("checkpoint interval below range",
                "{" + STORAGE + ", 'fault_tolerance': {'checkpoint_interval_secs': 0}}", OUT_OF_RANGE,
                "$.fault_tolerance.checkpoint_interval_secs", "0 is out of range; allowed: 1..3600"),
            invalid("checkpoint interval above range",
                "{" + STORAGE + ", 'fault_tolerance': {'checkpoint_interval_secs': 3601}}", OUT_OF_RANGE,
                "$.fault_tolerance.checkpoint_interval_secs", "3601 is out of range; allowed: 1..3600"),
            invalid("retained_checkpoints below range",
                "{" + STORAGE + ", 'fault_tolerance': {'retained_checkpoints': 0}}", OUT_OF_RANGE,
                "$.fault_tolerance.retained_checkpoints", "0 is out of range; allowed: 1..100"),
            invalid("retained_checkpoints above range",
                "{" + STORAGE + ", 'fault_tolerance': {'retained_checkpoints': 101}}", OUT_OF_RANGE,
                "$.fault_tolerance.retained_checkpoints", "101 is out of range; allowed: 1..100"),
            invalid("min_storage_bytes below range", "{'storage': {'min_storage_bytes': -1}, " + STORAGE + "}",
                OUT_OF_RANGE, "$.storage.min_storage_bytes", "-1 is out of range; allowed: >= 0"),
            invalid("min_batch_size_records below range", "{'min_batch_size_records': -1}", OUT_OF_RANGE,
                "$.min_batch_size_records", "-1 is out of range; allowed: >= 0"),
            invalid("min_batch_size_records beyond long", "{'min_batch_size_records': 9223372036854775808}",
                OUT_OF_RANGE, "$.min_batch_size_records", "9223372036854775808 is out of range; allowed: >= 0"),
            invalid("max_buffering_delay_usecs below range", "{'max_buffering_delay_usecs': -1}", OUT_OF_RANGE,
                "$.max_buffering_delay_usecs", "-1 is out of range; allowed: 0..10000000"),
            invalid("max_buffering_delay_usecs above range", "{'max_buffering_delay_usecs': 10000001}",
                OUT_OF_RANGE, "$.max_buffering_delay_usecs", "10000001 is out of range; allowed: 0..10000000"),
            invalid("pin_cpus negative", "{'pin_cpus': [0, -1]}", OUT_OF_RANGE, "$.pin_cpus[1]",
                "-1 is out of range; allowed: >= 0"),
            invalid("max_batch_size below range", input(", 'max_batch_size': 0"), OUT_OF_RANGE,
                "$.inputs.in.max_batch_size", "0 is out of range; allowed: 1..100000000"),
            invalid("max_batch_size above range", input(", 'max_batch_size': 100000001"), OUT_OF_RANGE,
                "$.inputs.in.max_batch_size", "100000001 is out of range; allowed: 1..100000000"),
            invalid("input max_queued_records below range", input(", 'max_queued_records': 0"), OUT_OF_RANGE,
                "$.inputs.in.max_queued_records", "0 is out of range; allowed: >= 1"),
            invalid("output max_queued_records below range", output(", 'max_queued_records': 0"), OUT_OF_RANGE,
                "$.outputs.out.max_queued_records", "0 is out of range; allowed: >= 1"),

            // rules between settings
            invalid("exactly_once with storage null", "{'storage': null, 'fault_tolerance': {'model': 'exactly_once'}}",
                INVALID, "$.fault_tolerance.model", "model \"exactly_once\" requires storage", "$.storage is null",
                "$.storage_config.path"),
            invalid("at_least_once with storage false",
                "{'storage': false, 'fault_tolerance': {'model': 'at_least_once'}}", INVALID,
                "$.fault_tolerance.model", "model \"at_least_once\" requires storage", "$.storage is false"),
            invalid("empty fault_tolerance with storage false", "{'storage': false, 'fault_tolerance': {}}", INVALID,
                "$.fault_tolerance", "(the default when $.fault_tolerance is an object)", "requires storage"),
            invalid("storage_config with storage false", "{'storage': false, " + STORAGE + "}", INVALID,
                "$.storage_config", "storage is disabled by $.storage = false", "set $.storage to true"),
            invalid("storage_config with storage null", "{'storage': null, " + STORAGE + "}", INVALID,
                "$.storage_config", "$.storage = null"),
            invalid("pin_cpus duplicate", "{'workers': 2, 'pin_cpus': [1, 2, 1]}", INVALID, "$.pin_cpus[2]",
                "CPU 1 is listed twice (also at $.pin_cpus[0])", "distinct"),
            invalid("pin_cpus fewer than workers", "{'workers': 3, 'pin_cpus': [1, 2]}", INVALID, "$.pin_cpus",
                "[1,2] lists 2 CPU(s) for 3 workers", "at least one CPU per worker, or []"),
            invalid("endpoint name with space", "{'inputs': {'bad name': " + ENDPOINT + "}}", INVALID,
                "$.inputs['bad name']", "\"bad name\" is not a valid endpoint name", "A-Z a-z 0-9 _ . -"),
            invalid("endpoint name empty", "{'outputs': {'': " + ENDPOINT + "}}", INVALID, "$.outputs['']",
                "\"\" is not a valid endpoint name"),
            invalid("endpoint name with slash", "{'inputs': {'a/b': " + ENDPOINT + "}}", INVALID,
                "$.inputs['a/b']", "\"a/b\""),
            invalid("input and output share a name",
                "{'inputs': {'trades': " + ENDPOINT + "}, 'outputs': {'trades': " + ENDPOINT + "}}", INVALID,
                "$.outputs.trades", "\"trades\" is already used by input $.inputs.trades", "distinct names"),
            invalid("input without stream", "{'inputs': {'in': {'transport': {'name': 't'}}}}", MISSING,
                "$.inputs.in.stream", "required key is missing", "non-empty string"),
            invalid("input without transport", "{'inputs': {'in': {'stream': 's'}}}", MISSING,
                "$.inputs.in.transport", "required key is missing", "{\"name\": \"<transport name>\""),
            invalid("output without stream", "{'outputs': {'out': {'transport': {'name': 't'}}}}", MISSING,
                "$.outputs.out.stream", "required key is missing"),
            invalid("output without transport", "{'outputs': {'out': {'stream': 's'}}}", MISSING,
                "$.outputs.out.transport", "required key is missing"),
            invalid("transport without name", "{'inputs': {'in': {'stream': 's', 'transport': {'config': {}}}}}",
                MISSING, "$.inputs.in.transport.name", "required key is missing"),

            // malformed JSON
            invalid("trailing comma", "{\n  'workers': 1,\n}", MALFORMED_JSON, "$.workers", "malformed JSON at line 3"),
            invalid("duplicate key", "{'workers': 1, 'workers': 2}", MALFORMED_JSON, "$.workers",
                "line 1, column", "Duplicate field 'workers'"),
            invalid("nested duplicate key", "{'inputs': {'in': {'stream': 'a', 'stream': 'b'}}}", MALFORMED_JSON,
                "$.inputs.in.stream", "Duplicate field 'stream'"),
            invalid("trailing document", "{} {}", MALFORMED_JSON, "$", "line 1, column", "Trailing token"),
            invalid("comment", "{/* c */}", MALFORMED_JSON, "$", "line 1, column 2"),
            invalid("unterminated", "{'inputs': {", MALFORMED_JSON, "$.inputs", "line 1", "end-of-input",
                "(start marker at line: 1, column: 12)"),
            invalid("empty text", "  ", MALFORMED_JSON, "$", "empty document"));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("cases")
    void shouldRejectWithPathValueAndAllowed(final Case c)
    {
        final ConfigException ex = assertThrows(ConfigException.class, () -> PipelineConfigParser.parse(c.json));
        final String message = ex.getMessage();

        assertEquals(c.code, ex.code(), message);
        assertEquals(KeelException.Category.CONFIG, ex.category());
        assertEquals(c.path, ex.path(), message);
        assertTrue(message.startsWith("[" + c.code + "] " + c.path + ": "), message);
        for (final String fragment : c.fragments)
        {
            assertTrue(message.contains(fragment), () -> "expected '" + fragment + "' in: " + message);
        }
    }
}
