package dev.keel.engine.config;

import org.junit.jupiter.api.Test;

import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class PipelineConfigBuilderTest
{
    @Test
    void shouldBuildTheSameConfigAsTheFullFile()
    {
        final PipelineConfig built = PipelineConfig.builder()
            .name("vwap")
            .program("trades-vwap")
            .workers(4)
            .minStorageBytes(1_048_576)
            .storagePath("/var/lib/keel/vwap")
            .faultTolerance(FaultToleranceModel.AT_LEAST_ONCE)
            .checkpointIntervalSecs(30)
            .journalSync(JournalSync.FULL)
            .retainedCheckpoints(5)
            .minBatchSizeRecords(1000)
            .maxBufferingDelayUsecs(250)
            .pinCpus(2, 3, 4, 5, 6)
            .threadingMode(ThreadingMode.SHARED)
            .idleStrategy(IdleStrategyType.BUSY_SPIN)
            .input("trades", InputEndpointConfig.builder()
                .stream("trades")
                .transport("file_input", Map.of("path", "trades.csv", "follow", true))
                .format("csv", Map.of("delimiter", ";"))
                .maxBatchSize(5000)
                .maxQueuedRecords(20_000)
                .onError(OnErrorPolicy.SKIP)
                .paused(true))
            .input("quotes.l1", InputEndpointConfig.builder()
                .stream("quotes")
                .transport("kafka_input", Map.of("bootstrap.servers", "k1:9092", "sasl.password", "hunter2")))
            .output("vwap_out", OutputEndpointConfig.builder()
                .stream("vwap")
                .transport("file_output", Map.of("path", "vwap.csv"))
                .format("json")
                .maxQueuedRecords(50_000))
            .build();

        assertEquals(PipelineConfigParser.parse(PipelineConfigParserTest.resource("full.json")), built);
    }

    @Test
    void shouldBuildDefaults()
    {
        assertEquals(PipelineConfigParser.parse("{}"), PipelineConfig.builder().build());
    }

    @Test
    void shouldFailWithTheSameMessageAsTheParser()
    {
        final ConfigException fromBuilder = assertThrows(
            ConfigException.class, () -> PipelineConfig.builder().workers(0).build());
        final ConfigException fromParser = assertThrows(
            ConfigException.class, () -> PipelineConfigParser.parse("{\"workers\": 0}"));

        assertEquals(fromParser.getMessage(), fromBuilder.getMessage());
        assertEquals("$.workers", fromBuilder.path());
    }

    @Test
    void shouldRejectFaultToleranceWithoutStorage()
    {
        final ConfigException ex = assertThrows(
            ConfigException.class,
            () -> PipelineConfig.builder().storage(false).faultTolerance(FaultToleranceModel.EXACTLY_ONCE).build());

        assertEquals(ConfigException.INVALID, ex.code());
        assertEquals("$.fault_tolerance.model", ex.path());
        assertTrue(ex.getMessage().contains("$.storage is false"), ex.getMessage());

        // storage not mentioned at all: fault tolerance turns it on in the default directory, as in Feldera
        final PipelineConfig implicit = PipelineConfig.builder().faultTolerance(FaultToleranceModel.EXACTLY_ONCE).build();
        assertEquals(java.nio.file.Path.of("keel-data", PipelineConfig.DEFAULT_NAME).toString(),
            implicit.storage().orElseThrow().path());
    }

    @Test
    void shouldRejectEndpointRulesAtTheirPaths()
    {
        final ConfigException missingStream = assertThrows(
            ConfigException.class,
            () -> PipelineConfig.builder().input("in", InputEndpointConfig.builder().transport("t")).build());
        assertEquals("$.inputs.in.stream", missingStream.path());

        final ConfigException badName = assertThrows(
            ConfigException.class,
            () -> PipelineConfig.builder()
                .output("out put", OutputEndpointConfig.builder().stream("v").transport("t"))
                .build());
        assertEquals("$.outputs['out put']", badName.path());

        final ConfigException shared = assertThrows(
            ConfigException.class,
            () -> PipelineConfig.builder()
                .input("x", InputEndpointConfig.builder().stream("t").transport("t"))
                .output("x", OutputEndpointConfig.builder().stream("v").transport("t"))
                .build());
        assertEquals("$.outputs.x", shared.path());

        final ConfigException nullPolicy = assertThrows(
            ConfigException.class,
            () -> PipelineConfig.builder()
                .input("x", InputEndpointConfig.builder().stream("t").transport("t").onError(null))
                .build());
        assertEquals("$.inputs.x.on_error", nullPolicy.path());
    }

    @Test
    void shouldRejectEndpointAddedTwice()
    {
        final PipelineConfig.Builder builder = PipelineConfig.builder()
            .input("in", InputEndpointConfig.builder().stream("s").transport("t"));

        final ConfigException ex = assertThrows(
            ConfigException.class,
            () -> builder.input("in", InputEndpointConfig.builder().stream("s").transport("t")));

        assertEquals(ConfigException.INVALID, ex.code());
        assertEquals("$.inputs.in", ex.path());
    }

    @Test
    void shouldDisablePeriodicCheckpoints()
    {
        final PipelineConfig config = PipelineConfig.builder()
            .storagePath("data")
            .noPeriodicCheckpoints()
            .build();

        assertEquals(FaultToleranceModel.EXACTLY_ONCE, config.faultTolerance().model());
        assertTrue(config.faultTolerance().checkpointIntervalSecs().isEmpty());
    }

    @Test
    void shouldOverrideFromExistingConfig()
    {
        final PipelineConfig config = PipelineConfigParser.parse(PipelineConfigParserTest.resource("full.json"));

        final PipelineConfig overridden = config.toBuilder().workers(5).build();

        assertEquals(5, overridden.workers());
        assertEquals(config.inputs(), overridden.inputs());
        assertEquals(config.faultTolerance(), overridden.faultTolerance());
    }

    @Test
    void shouldDisableStorageOfExistingConfig()
    {
        final PipelineConfig config = PipelineConfigParser.parse(PipelineConfigParserTest.resource("full.json"));

        final PipelineConfig withoutStorage = config.toBuilder()
            .storage(false)
            .faultTolerance(FaultToleranceModel.NONE)
            .build();

        assertTrue(withoutStorage.storage().isEmpty());
        assertEquals(FaultToleranceModel.NONE, withoutStorage.faultTolerance().model());
    }

    @Test
    void shouldRejectStoragePathAfterDisablingStorage()
    {
        final ConfigException ex = assertThrows(
            ConfigException.class, () -> PipelineConfig.builder().storage(false).storagePath("data").build());

        assertEquals("$.storage_config", ex.path());
    }

    @Test
    void shouldNotBeChangedByLaterBuilderCalls()
    {
        final PipelineConfig.Builder builder = PipelineConfig.builder().workers(2);
        final PipelineConfig first = builder.build();

        builder.workers(3);

        assertEquals(2, first.workers());
        assertEquals(3, builder.build().workers());
    }
}
