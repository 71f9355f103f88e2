package dev.keel.engine.config;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;

import java.io.UncheckedIOException;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;

/**
 * The validated, immutable configuration of one pipeline: its program, threads, storage, fault tolerance and
 * endpoints. Made by {@link PipelineConfigParser} from JSON or by {@link Builder} in Java; both go through the same
 * validation, so every instance is valid. The field names are those of Feldera's runtime configuration where one
 * exists; the package Javadoc lists them all.
 * <p>
 * {@link #toJson()} writes the canonical JSON, every default spelt out, which parses back to an equal
 * configuration; {@link #toString()} is the compact form with secret-looking connector settings redacted, for
 * logs.
 */
public final class PipelineConfig
{
    /** Default of {@code name}. */
    public static final String DEFAULT_NAME = "pipeline";

    /** Default of {@code workers}. */
    public static final int DEFAULT_WORKERS = 1;

    /** Smallest {@code workers}. */
    public static final int MIN_WORKERS = 1;

    /** Largest {@code workers}. */
    public static final int MAX_WORKERS = 64;

    /** Default of {@code min_batch_size_records}. */
    public static final long DEFAULT_MIN_BATCH_SIZE_RECORDS = 0;

    /** Default of {@code max_buffering_delay_usecs}. */
    public static final long DEFAULT_MAX_BUFFERING_DELAY_USECS = 0;

    /** Largest {@code max_buffering_delay_usecs}: ten seconds. */
    public static final long MAX_MAX_BUFFERING_DELAY_USECS = 10_000_000;

    /** Default of {@code threading_mode}. */
    public static final ThreadingMode DEFAULT_THREADING_MODE = ThreadingMode.DEDICATED;

    /** Default of {@code idle_strategy}. */
    public static final IdleStrategyType DEFAULT_IDLE_STRATEGY = IdleStrategyType.BACKOFF;

    /** What an endpoint name may look like. */
    public static final String ENDPOINT_NAME_REGEX = "[A-Za-z0-9_.-]+";

    private final String name;
    private final String program;
    private final int workers;
    private final StorageConfig storage;
    private final FaultToleranceConfig faultTolerance;
    private final long minBatchSizeRecords;
    private final long maxBufferingDelayUsecs;
    private final List<Integer> pinCpus;
    private final ThreadingMode threadingMode;
    private final IdleStrategyType idleStrategy;
    private final Map<String, InputEndpointConfig> inputs;
    private final Map<String, OutputEndpointConfig> outputs;

    PipelineConfig(
        final String name,
        final String program,
        final int workers,
        final StorageConfig storage,
        final FaultToleranceConfig faultTolerance,
        final long minBatchSizeRecords,
        final long maxBufferingDelayUsecs,
        final List<Integer> pinCpus,
        final ThreadingMode threadingMode,
        final IdleStrategyType idleStrategy,
        final Map<String, InputEndpointConfig> inputs,
        final Map<String, OutputEndpointConfig> outputs)
    {
        this.name = name;
        this.program = program;
        this.workers = workers;
        this.storage = storage;
        this.faultTolerance = faultTolerance;
        this.minBatchSizeRecords = minBatchSizeRecords;
        this.maxBufferingDelayUsecs = maxBufferingDelayUsecs;
        this.pinCpus = pinCpus;
        this.threadingMode = threadingMode;
        this.idleStrategy = idleStrategy;
        this.inputs = inputs;
        this.outputs = outputs;
    }

    /**
     * A builder with every setting at its default.
     *
     * @return a new builder.
     */
    public static Builder builder()
    {
        return new Builder(JsonNodeFactory.instance.objectNode());
    }

    /**
     * A builder starting from this configuration, e.g. to override a setting from the command line.
     *
     * @return a new builder holding this configuration.
     */
    public Builder toBuilder()
    {
        return new Builder(toNode());
    }

    /**
     * The pipeline's name ({@code name}), for logs and metrics.
     *
     * @return the non-empty pipeline name.
     */
    public String name()
    {
        return name;
    }

    /**
     * The program to run ({@code program}): a built-in program name such as {@code trades-vwap} or a fully
     * qualified class name; empty when the host supplies the program itself.
     *
     * @return the program, if given.
     */
    public Optional<String> program()
    {
        return Optional.ofNullable(program);
    }

    /**
     * Number of circuit workers ({@code workers}).
     *
     * @return workers, 1..64.
     */
    public int workers()
    {
        return workers;
    }

    /**
     * Storage settings, present only when storage is enabled ({@code storage}, {@code storage_config}).
     *
     * @return the storage settings, if storage is enabled.
     */
    public Optional<StorageConfig> storage()
    {
        return Optional.ofNullable(storage);
    }

    /**
     * Is storage enabled?
     *
     * @return true if {@link #storage()} is present.
     */
    public boolean storageEnabled()
    {
        return null != storage;
    }

    /**
     * Fault-tolerance settings ({@code fault_tolerance}); model {@code none} when not configured.
     *
     * @return fault-tolerance settings, never null.
     */
    public FaultToleranceConfig faultTolerance()
    {
        return faultTolerance;
    }

    /**
     * A step waits until at least this many input records are buffered, or {@link #maxBufferingDelayUsecs()} has
     * passed ({@code min_batch_size_records}).
     *
     * @return records, {@code >= 0}.
     */
    public long minBatchSizeRecords()
    {
        return minBatchSizeRecords;
    }

    /**
     * Longest a step waits for {@link #minBatchSizeRecords()} ({@code max_buffering_delay_usecs}).
     *
     * @return microseconds, 0..10,000,000.
     */
    public long maxBufferingDelayUsecs()
    {
        return maxBufferingDelayUsecs;
    }

    /**
     * CPUs to pin worker threads to ({@code pin_cpus}); empty lets the engine choose.
     *
     * @return distinct CPU numbers, at least one per worker when not empty; unmodifiable.
     */
    public List<Integer> pinCpus()
    {
        return pinCpus;
    }

    /**
     * How agents get threads ({@code threading_mode}).
     *
     * @return the threading mode.
     */
    public ThreadingMode threadingMode()
    {
        return threadingMode;
    }

    /**
     * What idle agent threads do ({@code idle_strategy}).
     *
     * @return the idle strategy.
     */
    public IdleStrategyType idleStrategy()
    {
        return idleStrategy;
    }

    /**
     * Input endpoints by name, in the order of the configuration ({@code inputs}).
     *
     * @return unmodifiable map of input endpoints.
     */
    public Map<String, InputEndpointConfig> inputs()
    {
        return inputs;
    }

    /**
     * Output endpoints by name, in the order of the configuration ({@code outputs}).
     *
     * @return unmodifiable map of output endpoints.
     */
    public Map<String, OutputEndpointConfig> outputs()
    {
        return outputs;
    }

    /**
     * The canonical JSON of this configuration, pretty-printed, with every default written out and connector
     * secrets included; {@link PipelineConfigParser#parse(String)} reads it back to an equal configuration.
     *
     * @return JSON text.
     */
    public String toJson()
    {
        try
        {
            return Json.MAPPER.writerWithDefaultPrettyPrinter().writeValueAsString(toNode());
        }
        catch (final JsonProcessingException ex)
        {
            throw new UncheckedIOException(ex);
        }
    }

    ObjectNode toNode()
    {
        final ObjectNode node = JsonNodeFactory.instance.objectNode();
        node.put(PipelineConfigParser.NAME, name);
        if (null != program)
        {
            node.put(PipelineConfigParser.PROGRAM, program);
        }
        node.put(PipelineConfigParser.WORKERS, workers);
        if (null != storage)
        {
            storage.writeTo(node);
        }
        else
        {
            node.put(PipelineConfigParser.STORAGE, false);
        }
        faultTolerance.writeTo(node.putObject(PipelineConfigParser.FAULT_TOLERANCE));
        node.put(PipelineConfigParser.MIN_BATCH_SIZE_RECORDS, minBatchSizeRecords);
        node.put(PipelineConfigParser.MAX_BUFFERING_DELAY_USECS, maxBufferingDelayUsecs);
        final ArrayNode cpus = node.putArray(PipelineConfigParser.PIN_CPUS);
        pinCpus.forEach(cpus::add);
        node.put(PipelineConfigParser.THREADING_MODE, threadingMode.jsonName());
        node.put(PipelineConfigParser.IDLE_STRATEGY, idleStrategy.jsonName());
        final ObjectNode inputsNode = node.putObject(PipelineConfigParser.INPUTS);
        inputs.forEach((endpointName, endpoint) -> inputsNode.set(endpointName, endpoint.toNode()));
        final ObjectNode outputsNode = node.putObject(PipelineConfigParser.OUTPUTS);
        outputs.forEach((endpointName, endpoint) -> outputsNode.set(endpointName, endpoint.toNode()));

        return node;
    }

    public boolean equals(final Object o)
    {
        if (this == o)
        {
            return true;
        }

        if (!(o instanceof PipelineConfig))
        {
            return false;
        }

        final PipelineConfig that = (PipelineConfig)o;
        return name.equals(that.name) &&
            Objects.equals(program, that.program) &&
            workers == that.workers &&
            Objects.equals(storage, that.storage) &&
            faultTolerance.equals(that.faultTolerance) &&
            minBatchSizeRecords == that.minBatchSizeRecords &&
            maxBufferingDelayUsecs == that.maxBufferingDelayUsecs &&
            pinCpus.equals(that.pinCpus) &&
            threadingMode == that.threadingMode &&
            idleStrategy == that.idleStrategy &&
            inputs.equals(that.inputs) &&
            outputs.equals(that.outputs);
    }

    public int hashCode()
    {
        return Objects.hash(
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

    /**
     * Compact canonical JSON with secret-looking connector settings redacted, for logs.
     *
     * @return a one-line description of the configuration.
     */
    public String toString()
    {
        return "PipelineConfig" + ConfigObject.redactedJson(toNode());
    }

    /**
     * Builds a {@link PipelineConfig} in Java. The builder writes the same JSON tree a configuration file would
     * hold, and {@link #build()} validates it with {@link PipelineConfigParser}, so the rules, defaults and error
     * messages are exactly those of a parsed file: a failure names the JSON path of the setting
     * ({@code workers(0)} fails at {@code $.workers}). Unset settings take their defaults; setting a value again
     * replaces it.
     * <p>
     * As in JSON, setting any fault-tolerance value creates the {@code fault_tolerance} object, whose model
     * defaults to {@code exactly_once}.
     */
    public static final class Builder
    {
        private final ObjectNode root;

        private Builder(final ObjectNode root)
        {
            this.root = root;
        }

        /**
         * The pipeline's name.
         *
         * @param name non-empty.
         * @return this for a fluent API.
         */
        public Builder name(final String name)
        {
            root.put(PipelineConfigParser.NAME, name);
            return this;
        }

        /**
         * The program: a built-in program name or a fully qualified class name.
         *
         * @param program non-empty, without whitespace.
         * @return this for a fluent API.
         */
        public Builder program(final String program)
        {
            root.put(PipelineConfigParser.PROGRAM, program);
            return this;
        }

        /**
         * Number of circuit workers.
         *
         * @param workers 1..64.
         * @return this for a fluent API.
         */
        public Builder workers(final int workers)
        {
            root.put(PipelineConfigParser.WORKERS, workers);
            return this;
        }

        /**
         * Enable or disable storage; when enabled, {@link #storagePath(String)} is required. Disabling also drops
         * a storage path set before (e.g. by {@link PipelineConfig#toBuilder()}), which a file could not hold
         * together with {@code "storage": false}.
         *
         * @param enabled true to enable storage.
         * @return this for a fluent API.
         */
        public Builder storage(final boolean enabled)
        {
            root.put(PipelineConfigParser.STORAGE, enabled);
            if (!enabled)
            {
                root.remove(PipelineConfigParser.STORAGE_CONFIG);
            }
            return this;
        }

        /**
         * Enable storage with a threshold below which operator state stays in memory.
         *
         * @param minStorageBytes {@code >= 0}.
         * @return this for a fluent API.
         */
        public Builder minStorageBytes(final long minStorageBytes)
        {
            root.putObject(PipelineConfigParser.STORAGE).put(PipelineConfigParser.MIN_STORAGE_BYTES, minStorageBytes);
            return this;
        }

        /**
         * The storage directory; enables storage unless it was disabled explicitly.
         *
         * @param path non-empty directory path.
         * @return this for a fluent API.
         */
        public Builder storagePath(final String path)
        {
            root.putObject(PipelineConfigParser.STORAGE_CONFIG).put(PipelineConfigParser.PATH, path);
            return this;
        }

        /**
         * The delivery guarantee; anything but {@code NONE} needs storage.
         *
         * @param model the delivery guarantee.
         * @return this for a fluent API.
         */
        public Builder faultTolerance(final FaultToleranceModel model)
        {
            faultToleranceNode().put(PipelineConfigParser.MODEL, null == model ? null : model.jsonName());
            return this;
        }

        /**
         * Seconds between periodic checkpoints.
         *
         * @param checkpointIntervalSecs 1..3600.
         * @return this for a fluent API.
         */
        public Builder checkpointIntervalSecs(final long checkpointIntervalSecs)
        {
            faultToleranceNode().put(PipelineConfigParser.CHECKPOINT_INTERVAL_SECS, checkpointIntervalSecs);
            return this;
        }

        /**
         * Take checkpoints only on request ({@code "checkpoint_interval_secs": null}).
         *
         * @return this for a fluent API.
         */
        public Builder noPeriodicCheckpoints()
        {
            faultToleranceNode().putNull(PipelineConfigParser.CHECKPOINT_INTERVAL_SECS);
            return this;
        }

        /**
         * How durable the journal must be before output leaves.
         *
         * @param journalSync durability level.
         * @return this for a fluent API.
         */
        public Builder journalSync(final JournalSync journalSync)
        {
            faultToleranceNode().put(
                PipelineConfigParser.JOURNAL_SYNC, null == journalSync ? null : journalSync.jsonName());
            return this;
        }

        /**
         * How many committed checkpoints to keep.
         *
         * @param retainedCheckpoints 1..100.
         * @return this for a fluent API.
         */
        public Builder retainedCheckpoints(final int retainedCheckpoints)
        {
            faultToleranceNode().put(PipelineConfigParser.RETAINED_CHECKPOINTS, retainedCheckpoints);
            return this;
        }

        /**
         * Input records a step waits for, up to {@link #maxBufferingDelayUsecs(long)}.
         *
         * @param minBatchSizeRecords {@code >= 0}.
         * @return this for a fluent API.
         */
        public Builder minBatchSizeRecords(final long minBatchSizeRecords)
        {
            root.put(PipelineConfigParser.MIN_BATCH_SIZE_RECORDS, minBatchSizeRecords);
            return this;
        }

        /**
         * Longest a step waits for {@link #minBatchSizeRecords(long)}.
         *
         * @param maxBufferingDelayUsecs microseconds, 0..10,000,000.
         * @return this for a fluent API.
         */
        public Builder maxBufferingDelayUsecs(final long maxBufferingDelayUsecs)
        {
            root.put(PipelineConfigParser.MAX_BUFFERING_DELAY_USECS, maxBufferingDelayUsecs);
            return this;
        }

        /**
         * CPUs to pin worker threads to; none lets the engine choose.
         *
         * @param cpus distinct CPU numbers {@code >= 0}, at least one per worker.
         * @return this for a fluent API.
         */
        public Builder pinCpus(final int... cpus)
        {
            final ArrayNode array = root.putArray(PipelineConfigParser.PIN_CPUS);
            for (final int cpu : cpus)
            {
                array.add(cpu);
            }
            return this;
        }

        /**
         * How agents get threads.
         *
         * @param threadingMode the threading mode.
         * @return this for a fluent API.
         */
        public Builder threadingMode(final ThreadingMode threadingMode)
        {
            root.put(PipelineConfigParser.THREADING_MODE, null == threadingMode ? null : threadingMode.jsonName());
            return this;
        }

        /**
         * What idle agent threads do.
         *
         * @param idleStrategy the idle strategy.
         * @return this for a fluent API.
         */
        public Builder idleStrategy(final IdleStrategyType idleStrategy)
        {
            root.put(PipelineConfigParser.IDLE_STRATEGY, null == idleStrategy ? null : idleStrategy.jsonName());
            return this;
        }

        /**
         * Add an input endpoint; endpoints keep the order in which they are added.
         *
         * @param name     endpoint name, unique among inputs and outputs.
         * @param endpoint the endpoint's settings, copied.
         * @return this for a fluent API.
         * @throws ConfigException if an input of that name was added already.
         */
        public Builder input(final String name, final InputEndpointConfig.Builder endpoint)
        {
            addEndpoint(PipelineConfigParser.INPUTS, name, endpoint.toNode());
            return this;
        }

        /**
         * Add an output endpoint; endpoints keep the order in which they are added.
         *
         * @param name     endpoint name, unique among inputs and outputs.
         * @param endpoint the endpoint's settings, copied.
         * @return this for a fluent API.
         * @throws ConfigException if an output of that name was added already.
         */
        public Builder output(final String name, final OutputEndpointConfig.Builder endpoint)
        {
            addEndpoint(PipelineConfigParser.OUTPUTS, name, endpoint.toNode());
            return this;
        }

        /**
         * Validate the settings and make the configuration; the builder may be used again afterwards.
         *
         * @return the validated configuration.
         * @throws ConfigException naming the JSON path of the first invalid setting.
         */
        public PipelineConfig build()
        {
            return PipelineConfigParser.fromTree(root.deepCopy(), null);
        }

        private ObjectNode faultToleranceNode()
        {
            return root.get(PipelineConfigParser.FAULT_TOLERANCE) instanceof ObjectNode ?
                (ObjectNode)root.get(PipelineConfigParser.FAULT_TOLERANCE) :
                root.putObject(PipelineConfigParser.FAULT_TOLERANCE);
        }

        private void addEndpoint(final String key, final String name, final ObjectNode endpoint)
        {
            Objects.requireNonNull(name, "name");
            final ObjectNode endpoints = root.get(key) instanceof ObjectNode ?
                (ObjectNode)root.get(key) : root.putObject(key);
            // Jackson would replace the endpoint silently; a file cannot hold a duplicate key either.
            if (endpoints.has(name))
            {
                throw new ConfigException(
                    ConfigException.INVALID,
                    null,
                    ConfigPath.child(ConfigPath.child(ConfigPath.ROOT, key), name),
                    ConfigPath.quote(name) + " is already defined; endpoint names must be unique");
            }
            endpoints.set(name, endpoint);
        }
    }
}
