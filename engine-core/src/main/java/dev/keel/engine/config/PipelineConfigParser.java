package dev.keel.engine.config;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;

import java.io.IOException;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Pattern;

import static dev.keel.engine.config.ConfigPath.quote;
import static dev.keel.engine.config.ConfigPath.value;

/**
 * Reads a {@link PipelineConfig} from JSON, strictly: an unknown key, a value of the wrong JSON type, a number out
 * of range, a missing required setting and a conflict between settings are all errors, and nothing is clamped or
 * coerced. Each error is a {@link ConfigException} whose message names the JSON path, the offending value and what
 * is allowed, preceded by the file name when parsing a file; malformed JSON (including a duplicate key) is reported
 * with line and column. The first error found is thrown.
 * <p>
 * This is the one place where the rules live: {@link PipelineConfig.Builder#build()} writes the same JSON tree and
 * validates it here. The accepted document is described in the {@link dev.keel.engine.config package} Javadoc.
 */
public final class PipelineConfigParser
{
    static final String NAME = "name";
    static final String PROGRAM = "program";
    static final String WORKERS = "workers";
    static final String STORAGE = "storage";
    static final String MIN_STORAGE_BYTES = "min_storage_bytes";
    static final String STORAGE_CONFIG = "storage_config";
    static final String PATH = "path";
    static final String FAULT_TOLERANCE = "fault_tolerance";
    static final String MODEL = "model";
    static final String BOOTSTRAP_POLICY = "bootstrap_policy";
    static final String CHECKPOINT_INTERVAL_SECS = "checkpoint_interval_secs";
    static final String JOURNAL_SYNC = "journal_sync";
    static final String RETAINED_CHECKPOINTS = "retained_checkpoints";
    static final String MIN_BATCH_SIZE_RECORDS = "min_batch_size_records";
    static final String MAX_BUFFERING_DELAY_USECS = "max_buffering_delay_usecs";
    static final String PIN_CPUS = "pin_cpus";
    static final String THREADING_MODE = "threading_mode";
    static final String IDLE_STRATEGY = "idle_strategy";
    static final String INPUTS = "inputs";
    static final String OUTPUTS = "outputs";
    static final String STREAM = "stream";
    static final String TRANSPORT = "transport";
    static final String FORMAT = "format";
    static final String CONFIG = "config";
    static final String MAX_BATCH_SIZE = "max_batch_size";
    static final String MAX_QUEUED_RECORDS = "max_queued_records";
    static final String ON_ERROR = "on_error";
    static final String PAUSED = "paused";

    private static final String[] PIPELINE_KEYS =
    {
        NAME, PROGRAM, WORKERS, STORAGE, STORAGE_CONFIG, FAULT_TOLERANCE, MIN_BATCH_SIZE_RECORDS,
        MAX_BUFFERING_DELAY_USECS, PIN_CPUS, THREADING_MODE, IDLE_STRATEGY, INPUTS, OUTPUTS
    };
    private static final String[] FAULT_TOLERANCE_KEYS =
    {
        MODEL, CHECKPOINT_INTERVAL_SECS, JOURNAL_SYNC, RETAINED_CHECKPOINTS, BOOTSTRAP_POLICY
    };
    private static final String[] INPUT_KEYS =
    {
        STREAM, TRANSPORT, FORMAT, MAX_BATCH_SIZE, MAX_QUEUED_RECORDS, ON_ERROR, PAUSED
    };
    private static final String[] OUTPUT_KEYS = { STREAM, TRANSPORT, FORMAT, MAX_QUEUED_RECORDS };
    private static final String[] COMPONENT_KEYS = { NAME, CONFIG };

    private static final Pattern ENDPOINT_NAME = Pattern.compile(PipelineConfig.ENDPOINT_NAME_REGEX);
    private static final char BYTE_ORDER_MARK = '\uFEFF';
    private static final Pattern WHITESPACE = Pattern.compile(".*\\s.*", Pattern.DOTALL);

    private PipelineConfigParser()
    {
    }

    /**
     * Parse a configuration from JSON text.
     *
     * @param json the configuration.
     * @return the validated configuration.
     * @throws ConfigException if the text is not valid JSON or not a valid configuration.
     */
    public static PipelineConfig parse(final String json)
    {
        return fromTree(Json.read(json, null), null);
    }

    /**
     * Parse a configuration file (UTF-8 JSON, with or without a byte order mark); error messages start with the file
     * name as given.
     *
     * @param file the configuration file.
     * @return the validated configuration.
     * @throws ConfigException if the file cannot be read, is not valid JSON or not a valid configuration.
     */
    public static PipelineConfig parse(final Path file)
    {
        final String source = file.toString();
        String json;
        try
        {
            json = Files.readString(file, StandardCharsets.UTF_8);
        }
        catch (final CharacterCodingException ex)
        {
            throw new ConfigException(
                ConfigException.UNREADABLE, source, ConfigPath.ROOT, "the file is not valid UTF-8: " + ex, ex);
        }
        catch (final IOException ex)
        {
            throw new ConfigException(
                ConfigException.UNREADABLE, source, ConfigPath.ROOT, "cannot read the configuration file: " + ex, ex);
        }

        // Editors on Windows may save UTF-8 with a byte order mark, which is not JSON whitespace.
        if (!json.isEmpty() && BYTE_ORDER_MARK == json.charAt(0))
        {
            json = json.substring(1);
        }

        return fromTree(Json.read(json, source), source);
    }

    /**
     * Validate a configuration tree.
     *
     * @param tree   owned by the configuration from now on: the caller must not keep or change it.
     * @param source file name for messages, or null.
     */
    static PipelineConfig fromTree(final JsonNode tree, final String source)
    {
        if (!tree.isObject())
        {
            throw new ConfigException(
                ConfigException.WRONG_TYPE,
                source,
                ConfigPath.ROOT,
                "expected a JSON object, got " + ConfigPath.typed(tree));
        }

        final ConfigObject root = new ConfigObject((ObjectNode)tree, ConfigPath.ROOT, source)
            .requireOnly(PIPELINE_KEYS);

        final String name = root.nonEmptyString(NAME, PipelineConfig.DEFAULT_NAME);
        final String program = parseProgram(root);
        final int workers = root.intValue(
            WORKERS, PipelineConfig.DEFAULT_WORKERS, PipelineConfig.MIN_WORKERS, PipelineConfig.MAX_WORKERS);
        final FaultToleranceConfig faultTolerance = parseFaultTolerance(root);
        // fault tolerance needs storage: as in Feldera, where storage is on unless turned off, asking for a model
        // without saying anything about storage enables it in the default directory
        final StorageConfig storage = StorageConfigParser.parse(
            root, name, FaultToleranceModel.NONE != faultTolerance.model());
        checkStorageForFaultTolerance(root, faultTolerance, storage);
        final long minBatchSizeRecords = root.longValue(
            MIN_BATCH_SIZE_RECORDS, PipelineConfig.DEFAULT_MIN_BATCH_SIZE_RECORDS, 0, Long.MAX_VALUE);
        final long maxBufferingDelayUsecs = root.longValue(
            MAX_BUFFERING_DELAY_USECS,
            PipelineConfig.DEFAULT_MAX_BUFFERING_DELAY_USECS,
            0,
            PipelineConfig.MAX_MAX_BUFFERING_DELAY_USECS);
        final List<Integer> pinCpus = parsePinCpus(root, workers);
        final ThreadingMode threadingMode = root.enumValue(
            THREADING_MODE, ThreadingMode.class, PipelineConfig.DEFAULT_THREADING_MODE);
        final IdleStrategyType idleStrategy = root.enumValue(
            IDLE_STRATEGY, IdleStrategyType.class, PipelineConfig.DEFAULT_IDLE_STRATEGY);
        final Map<String, InputEndpointConfig> inputs = parseInputs(root);
        final Map<String, OutputEndpointConfig> outputs = parseOutputs(root, inputs);

        return new PipelineConfig(
            name,
            program,
            workers,
            storage,
            faultTolerance,
            minBatchSizeRecords,
            maxBufferingDelayUsecs,
            pinCpus,
            threadingMode,
            idleStrategy,
            inputs,
            outputs);
    }

    private static String parseProgram(final ConfigObject root)
    {
        final String program = root.nonEmptyString(PROGRAM, null);
        if (null != program && WHITESPACE.matcher(program).matches())
        {
            throw root.error(
                ConfigException.INVALID,
                PROGRAM,
                quote(program) + " contains whitespace; expected a built-in program name such as \"trades-vwap\" " +
                "or a fully qualified class name");
        }

        return program;
    }

    private static FaultToleranceConfig parseFaultTolerance(final ConfigObject root)
    {
        final JsonNode node = root.get(FAULT_TOLERANCE);
        if (null == node || node.isNull())
        {
            return FaultToleranceConfig.DISABLED;
        }

        if (!node.isObject())
        {
            throw root.wrongType(FAULT_TOLERANCE, node, "an object such as {\"model\": \"exactly_once\"}, or null");
        }

        final ConfigObject ft = root.objectOf(FAULT_TOLERANCE, node).requireOnly(FAULT_TOLERANCE_KEYS);
        final FaultToleranceModel model = ft.enumValue(
            MODEL, FaultToleranceModel.class, FaultToleranceConfig.DEFAULT_MODEL);

        final long checkpointIntervalSecs;
        final JsonNode interval = ft.get(CHECKPOINT_INTERVAL_SECS);
        if (null == interval)
        {
            checkpointIntervalSecs = FaultToleranceConfig.DEFAULT_CHECKPOINT_INTERVAL_SECS;
        }
        else if (interval.isNull())
        {
            checkpointIntervalSecs = FaultToleranceConfig.NO_PERIODIC_CHECKPOINTS;
        }
        else if (!interval.isIntegralNumber())
        {
            throw ft.wrongType(
                CHECKPOINT_INTERVAL_SECS,
                interval,
                "an integer " + ConfigPath.range(
                FaultToleranceConfig.MIN_CHECKPOINT_INTERVAL_SECS,
                FaultToleranceConfig.MAX_CHECKPOINT_INTERVAL_SECS) + ", or null to disable periodic checkpoints");
        }
        else
        {
            checkpointIntervalSecs = ft.rangeChecked(
                CHECKPOINT_INTERVAL_SECS,
                interval,
                FaultToleranceConfig.MIN_CHECKPOINT_INTERVAL_SECS,
                FaultToleranceConfig.MAX_CHECKPOINT_INTERVAL_SECS);
        }

        final JournalSync journalSync = ft.enumValue(
            JOURNAL_SYNC, JournalSync.class, FaultToleranceConfig.DEFAULT_JOURNAL_SYNC);
        final int retainedCheckpoints = ft.intValue(
            RETAINED_CHECKPOINTS,
            FaultToleranceConfig.DEFAULT_RETAINED_CHECKPOINTS,
            FaultToleranceConfig.MIN_RETAINED_CHECKPOINTS,
            FaultToleranceConfig.MAX_RETAINED_CHECKPOINTS);

        final BootstrapPolicy bootstrapPolicy = ft.enumValue(
            BOOTSTRAP_POLICY, BootstrapPolicy.class, FaultToleranceConfig.DEFAULT_BOOTSTRAP_POLICY);
        return new FaultToleranceConfig(model, checkpointIntervalSecs, journalSync, retainedCheckpoints,
            bootstrapPolicy);
    }

    private static void checkStorageForFaultTolerance(
        final ConfigObject root, final FaultToleranceConfig faultTolerance, final StorageConfig storage)
    {
        final FaultToleranceModel model = faultTolerance.model();
        if (FaultToleranceModel.NONE != model && null == storage)
        {
            final ConfigObject ft = root.objectOf(FAULT_TOLERANCE, root.get(FAULT_TOLERANCE));
            final JsonNode storageNode = root.get(STORAGE);
            final String detail = "model " + quote(model.jsonName()) +
                (ft.has(MODEL) ? "" : " (the default when $.fault_tolerance is an object)") +
                " requires storage, but $.storage is " + value(storageNode) +
                "; set $.storage to true (and $.storage_config.path to a directory), or set the model to \"none\"";

            throw ft.has(MODEL) ?
                ft.error(ConfigException.INVALID, MODEL, detail) :
                root.error(ConfigException.INVALID, FAULT_TOLERANCE, detail);
        }
    }

    private static List<Integer> parsePinCpus(final ConfigObject root, final int workers)
    {
        final JsonNode node = root.get(PIN_CPUS);
        if (null == node)
        {
            return Collections.emptyList();
        }

        if (!node.isArray())
        {
            throw root.wrongType(PIN_CPUS, node, "an array of distinct CPU numbers >= 0");
        }

        final String arrayPath = root.pathOf(PIN_CPUS);
        final List<Integer> cpus = new ArrayList<>(node.size());
        final Map<Integer, Integer> firstIndexByCpu = new HashMap<>();
        for (int i = 0; i < node.size(); i++)
        {
            final String elementPath = ConfigPath.index(arrayPath, i);
            final int cpu = (int)ConfigObject.rangeChecked(
                elementPath, node.get(i), 0, Integer.MAX_VALUE, root.source());
            final Integer previous = firstIndexByCpu.putIfAbsent(cpu, i);
            if (null != previous)
            {
                throw new ConfigException(
                    ConfigException.INVALID,
                    root.source(),
                    elementPath,
                    "CPU " + cpu + " is listed twice (also at " + ConfigPath.index(arrayPath, previous) +
                    "); allowed: distinct CPU numbers >= 0");
            }
            cpus.add(cpu);
        }

        if (!cpus.isEmpty() && cpus.size() < workers)
        {
            throw root.error(
                ConfigException.INVALID,
                PIN_CPUS,
                value(node) + " lists " + cpus.size() + " CPU(s) for " + workers + " workers ($.workers); " +
                "allowed: at least one CPU per worker, or [] to let the engine choose");
        }

        return Collections.unmodifiableList(cpus);
    }

    private static Map<String, InputEndpointConfig> parseInputs(final ConfigObject root)
    {
        final JsonNode node = root.get(INPUTS);
        if (null == node)
        {
            return Collections.emptyMap();
        }

        final ConfigObject inputs = endpoints(root, INPUTS, node);
        final Map<String, InputEndpointConfig> result = new LinkedHashMap<>();
        for (final String name : inputs.keys())
        {
            checkEndpointName(inputs, name);
            final ConfigObject endpoint = inputs.objectOf(name, inputs.get(name)).requireOnly(INPUT_KEYS);
            result.put(name, new InputEndpointConfig(
                name,
                endpoint.nonEmptyString(STREAM),
                component(endpoint, TRANSPORT, true),
                component(endpoint, FORMAT, false),
                endpoint.longValue(
                    MAX_BATCH_SIZE,
                    InputEndpointConfig.DEFAULT_MAX_BATCH_SIZE,
                    InputEndpointConfig.MIN_MAX_BATCH_SIZE,
                    InputEndpointConfig.MAX_MAX_BATCH_SIZE),
                endpoint.longValue(
                    MAX_QUEUED_RECORDS,
                    InputEndpointConfig.DEFAULT_MAX_QUEUED_RECORDS,
                    InputEndpointConfig.MIN_MAX_QUEUED_RECORDS,
                    Long.MAX_VALUE),
                endpoint.enumValue(ON_ERROR, OnErrorPolicy.class, InputEndpointConfig.DEFAULT_ON_ERROR),
                endpoint.bool(PAUSED, false)));
        }

        return Collections.unmodifiableMap(result);
    }

    private static Map<String, OutputEndpointConfig> parseOutputs(
        final ConfigObject root, final Map<String, InputEndpointConfig> inputs)
    {
        final JsonNode node = root.get(OUTPUTS);
        if (null == node)
        {
            return Collections.emptyMap();
        }

        final ConfigObject outputs = endpoints(root, OUTPUTS, node);
        final Map<String, OutputEndpointConfig> result = new LinkedHashMap<>();
        for (final String name : outputs.keys())
        {
            checkEndpointName(outputs, name);
            if (inputs.containsKey(name))
            {
                throw outputs.error(
                    ConfigException.INVALID,
                    name,
                    "endpoint name " + quote(name) + " is already used by input " +
                    ConfigPath.child(root.pathOf(INPUTS), name) + "; inputs and outputs must have distinct names");
            }

            final ConfigObject endpoint = outputs.objectOf(name, outputs.get(name)).requireOnly(OUTPUT_KEYS);
            result.put(name, new OutputEndpointConfig(
                name,
                endpoint.nonEmptyString(STREAM),
                component(endpoint, TRANSPORT, true),
                component(endpoint, FORMAT, false),
                endpoint.longValue(
                    MAX_QUEUED_RECORDS,
                    OutputEndpointConfig.DEFAULT_MAX_QUEUED_RECORDS,
                    OutputEndpointConfig.MIN_MAX_QUEUED_RECORDS,
                    Long.MAX_VALUE)));
        }

        return Collections.unmodifiableMap(result);
    }

    private static ConfigObject endpoints(final ConfigObject root, final String key, final JsonNode node)
    {
        if (!node.isObject())
        {
            throw root.wrongType(key, node, "an object of endpoint name to endpoint");
        }

        return root.objectOf(key, node);
    }

    private static void checkEndpointName(final ConfigObject endpoints, final String name)
    {
        if (!ENDPOINT_NAME.matcher(name).matches())
        {
            throw endpoints.error(
                ConfigException.INVALID,
                name,
                quote(name) + " is not a valid endpoint name; allowed: one or more of A-Z a-z 0-9 _ . -");
        }
    }

    /**
     * A transport or format: {@code {"name": ..., "config": {...}}}. An optional component may be null, as Feldera
     * writes an absent format.
     */
    private static ComponentConfig component(final ConfigObject endpoint, final String key, final boolean required)
    {
        final JsonNode node = endpoint.get(key);
        if (null == node || (!required && node.isNull()))
        {
            if (required)
            {
                throw endpoint.error(
                    ConfigException.MISSING,
                    key,
                    "required key is missing; expected {\"name\": \"<" + key + " name>\", \"config\": {...}}");
            }

            return null;
        }

        final ConfigObject component = endpoint.objectOf(key, node).requireOnly(COMPONENT_KEYS);
        final String name = component.nonEmptyString(NAME);
        final JsonNode config = component.get(CONFIG);
        final ConfigObject settings = null == config ?
            new ConfigObject(JsonNodeFactory.instance.objectNode(), component.pathOf(CONFIG), component.source()) :
            component.objectOf(CONFIG, config);

        return new ComponentConfig(name, settings);
    }
}
