package dev.keel.engine.config;

import dev.keel.engine.KeelException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.net.URISyntaxException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.OptionalLong;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class PipelineConfigParserTest
{
    static Path resource(final String name)
    {
        try
        {
            return Path.of(PipelineConfigParserTest.class.getResource("/config/" + name).toURI());
        }
        catch (final URISyntaxException ex)
        {
            throw new IllegalStateException(ex);
        }
    }

    static String json(final String singleQuoted)
    {
        return singleQuoted.replace('\'', '"');
    }

    @Test
    void shouldParseEveryFieldOfFullConfig()
    {
        final PipelineConfig config = PipelineConfigParser.parse(resource("full.json"));

        assertEquals("vwap", config.name());
        assertEquals("trades-vwap", config.program().orElseThrow());
        assertEquals(4, config.workers());
        assertTrue(config.storageEnabled());
        assertEquals("/var/lib/keel/vwap", config.storage().orElseThrow().path());
        assertEquals(1_048_576, config.storage().orElseThrow().minStorageBytes());

        final FaultToleranceConfig ft = config.faultTolerance();
        assertEquals(FaultToleranceModel.AT_LEAST_ONCE, ft.model());
        assertTrue(ft.isEnabled());
        assertEquals(OptionalLong.of(30), ft.checkpointIntervalSecs());
        assertEquals(JournalSync.FULL, ft.journalSync());
        assertEquals(5, ft.retainedCheckpoints());

        assertEquals(1000, config.minBatchSizeRecords());
        assertEquals(250, config.maxBufferingDelayUsecs());
        assertEquals(List.of(2, 3, 4, 5, 6), config.pinCpus());
        assertEquals(ThreadingMode.SHARED, config.threadingMode());
        assertEquals(IdleStrategyType.BUSY_SPIN, config.idleStrategy());

        assertEquals(List.of("trades", "quotes.l1"), List.copyOf(config.inputs().keySet()));
        final InputEndpointConfig trades = config.inputs().get("trades");
        assertEquals("trades", trades.name());
        assertEquals("trades", trades.stream());
        assertEquals("file_input", trades.transport().name());
        assertEquals("trades.csv", trades.transport().config().string("path"));
        assertTrue(trades.transport().config().bool("follow", false));
        assertEquals("$.inputs.trades.transport.config", trades.transport().config().path());
        assertEquals("csv", trades.format().orElseThrow().name());
        assertEquals(";", trades.format().orElseThrow().config().string("delimiter"));
        assertEquals(5000, trades.maxBatchSize());
        assertEquals(20_000, trades.maxQueuedRecords());
        assertEquals(OnErrorPolicy.SKIP, trades.onError());
        assertTrue(trades.paused());

        final InputEndpointConfig quotes = config.inputs().get("quotes.l1");
        assertEquals("quotes", quotes.stream());
        assertEquals("k1:9092", quotes.transport().config().string("bootstrap.servers"));
        assertEquals("$.inputs['quotes.l1'].transport.config", quotes.transport().config().path());
        assertTrue(quotes.format().isEmpty());
        assertEquals(InputEndpointConfig.DEFAULT_MAX_BATCH_SIZE, quotes.maxBatchSize());

        final OutputEndpointConfig out = config.outputs().get("vwap_out");
        assertEquals("vwap_out", out.name());
        assertEquals("vwap", out.stream());
        assertEquals("file_output", out.transport().name());
        assertEquals("json", out.format().orElseThrow().name());
        assertTrue(out.format().orElseThrow().config().isEmpty());
        assertEquals(50_000, out.maxQueuedRecords());
    }

    @Test
    void shouldRoundTripFullConfigThroughCanonicalJson()
    {
        final PipelineConfig config = PipelineConfigParser.parse(resource("full.json"));
        final String canonical = config.toJson();
        final PipelineConfig reparsed = PipelineConfigParser.parse(canonical);

        assertEquals(config, reparsed);
        assertEquals(config.hashCode(), reparsed.hashCode());
        assertEquals(canonical, reparsed.toJson());
    }

    @Test
    void shouldRoundTripMinimalConfigThroughCanonicalJson()
    {
        final PipelineConfig config = PipelineConfigParser.parse(resource("minimal.json"));

        assertEquals(config, PipelineConfigParser.parse(config.toJson()));
    }

    @Test
    void shouldApplyDefaultsToMinimalConfig()
    {
        final PipelineConfig config = PipelineConfigParser.parse(resource("minimal.json"));

        assertEquals(PipelineConfig.DEFAULT_NAME, config.name());
        assertTrue(config.program().isEmpty());
        assertEquals(1, config.workers());
        assertFalse(config.storageEnabled());
        assertTrue(config.storage().isEmpty());
        assertEquals(FaultToleranceModel.NONE, config.faultTolerance().model());
        assertFalse(config.faultTolerance().isEnabled());
        assertEquals(OptionalLong.of(60), config.faultTolerance().checkpointIntervalSecs());
        assertEquals(JournalSync.DATA, config.faultTolerance().journalSync());
        assertEquals(2, config.faultTolerance().retainedCheckpoints());
        assertEquals(0, config.minBatchSizeRecords());
        assertEquals(0, config.maxBufferingDelayUsecs());
        assertEquals(List.of(), config.pinCpus());
        assertEquals(ThreadingMode.DEDICATED, config.threadingMode());
        assertEquals(IdleStrategyType.BACKOFF, config.idleStrategy());

        final InputEndpointConfig ticks = config.inputs().get("ticks");
        assertEquals("generator", ticks.transport().name());
        assertTrue(ticks.transport().config().isEmpty());
        assertEquals("$.inputs.ticks.transport.config", ticks.transport().config().path());
        assertTrue(ticks.format().isEmpty());
        assertEquals(100_000, ticks.maxBatchSize());
        assertEquals(1_000_000, ticks.maxQueuedRecords());
        assertEquals(OnErrorPolicy.FAIL, ticks.onError());
        assertFalse(ticks.paused());

        final OutputEndpointConfig out = config.outputs().get("out");
        assertEquals(1_000_000, out.maxQueuedRecords());
        assertTrue(out.format().isEmpty());
    }

    @Test
    void shouldAcceptEmptyDocument()
    {
        final PipelineConfig config = PipelineConfigParser.parse("{}");

        assertEquals(Map.of(), config.inputs());
        assertEquals(Map.of(), config.outputs());
        assertEquals(FaultToleranceModel.NONE, config.faultTolerance().model());
    }

    @Test
    void shouldTreatAbsentFaultToleranceAsNone()
    {
        assertEquals(FaultToleranceModel.NONE, PipelineConfigParser.parse("{}").faultTolerance().model());
    }

    @Test
    void shouldTreatNullFaultToleranceAsNone()
    {
        final PipelineConfig config = PipelineConfigParser.parse(json("{'fault_tolerance': null}"));

        assertEquals(FaultToleranceModel.NONE, config.faultTolerance().model());
    }

    @Test
    void shouldTreatEmptyFaultToleranceObjectAsExactlyOnce()
    {
        final PipelineConfig config = PipelineConfigParser.parse(json(
            "{'storage': true, 'storage_config': {'path': 'data'}, 'fault_tolerance': {}}"));

        final FaultToleranceConfig ft = config.faultTolerance();
        assertEquals(FaultToleranceModel.EXACTLY_ONCE, ft.model());
        assertEquals(OptionalLong.of(60), ft.checkpointIntervalSecs());
        assertEquals(JournalSync.DATA, ft.journalSync());
        assertEquals(2, ft.retainedCheckpoints());
    }

    @Test
    void shouldDisablePeriodicCheckpointsWithNullInterval()
    {
        final PipelineConfig config = PipelineConfigParser.parse(json(
            "{'storage_config': {'path': 'data'}, " +
            "'fault_tolerance': {'model': 'exactly_once', 'checkpoint_interval_secs': null}}"));

        assertEquals(FaultToleranceModel.EXACTLY_ONCE, config.faultTolerance().model());
        assertFalse(config.faultTolerance().periodicCheckpoints());
        assertEquals(OptionalLong.empty(), config.faultTolerance().checkpointIntervalSecs());
        assertEquals(config, PipelineConfigParser.parse(config.toJson()));
    }

    @Test
    void shouldAcceptRangeBounds()
    {
        final PipelineConfig low = PipelineConfigParser.parse(json(
            "{'workers': 1, 'storage_config': {'path': 'd'}, " +
            "'fault_tolerance': {'checkpoint_interval_secs': 1, 'retained_checkpoints': 1}, " +
            "'max_buffering_delay_usecs': 0, 'pin_cpus': [0], " +
            "'inputs': {'i': {'stream': 's', 'transport': {'name': 't'}, 'max_batch_size': 1, " +
            "'max_queued_records': 1}}}"));
        assertEquals(1, low.faultTolerance().checkpointIntervalSecs().orElseThrow());
        assertEquals(1, low.inputs().get("i").maxBatchSize());

        final PipelineConfig high = PipelineConfigParser.parse(json(
            "{'workers': 64, 'storage_config': {'path': 'd'}, " +
            "'fault_tolerance': {'checkpoint_interval_secs': 3600, 'retained_checkpoints': 100}, " +
            "'max_buffering_delay_usecs': 10000000, 'min_batch_size_records': 9223372036854775807, " +
            "'inputs': {'i': {'stream': 's', 'transport': {'name': 't'}, 'max_batch_size': 100000000, " +
            "'max_queued_records': 9223372036854775807}}}"));
        assertEquals(64, high.workers());
        assertEquals(3600, high.faultTolerance().checkpointIntervalSecs().orElseThrow());
        assertEquals(100, high.faultTolerance().retainedCheckpoints());
        assertEquals(10_000_000, high.maxBufferingDelayUsecs());
        assertEquals(Long.MAX_VALUE, high.minBatchSizeRecords());
        assertEquals(Long.MAX_VALUE, high.inputs().get("i").maxQueuedRecords());
    }

    @Test
    void shouldEnableStorageWhenOnlyStorageConfigIsGiven()
    {
        final PipelineConfig config = PipelineConfigParser.parse(json("{'storage_config': {'path': 'data'}}"));

        assertTrue(config.storageEnabled());
        assertEquals("data", config.storage().orElseThrow().path());
        assertEquals(0, config.storage().orElseThrow().minStorageBytes());
    }

    @Test
    void shouldTreatFalseAndNullStorageAsDisabled()
    {
        assertFalse(PipelineConfigParser.parse(json("{'storage': false}")).storageEnabled());
        assertFalse(PipelineConfigParser.parse(json("{'storage': null}")).storageEnabled());
    }

    @Test
    void shouldAcceptStorageAsTrueOrEmptyObject()
    {
        final PipelineConfig fromTrue = PipelineConfigParser.parse(json(
            "{'storage': true, 'storage_config': {'path': 'data'}}"));
        final PipelineConfig fromObject = PipelineConfigParser.parse(json(
            "{'storage': {}, 'storage_config': {'path': 'data'}}"));

        assertEquals(fromTrue, fromObject);
    }

    @Test
    void shouldKeepFaultToleranceSettingsUnderModelNone()
    {
        final PipelineConfig config = PipelineConfigParser.parse(json(
            "{'fault_tolerance': {'model': 'none', 'checkpoint_interval_secs': 10}}"));

        assertEquals(FaultToleranceModel.NONE, config.faultTolerance().model());
        assertEquals(OptionalLong.of(10), config.faultTolerance().checkpointIntervalSecs());
    }

    @Test
    void shouldTreatNullFormatAsAbsent()
    {
        final PipelineConfig config = PipelineConfigParser.parse(json(
            "{'inputs': {'g': {'stream': 's', 'transport': {'name': 'generator'}, 'format': null}}}"));

        assertTrue(config.inputs().get("g").format().isEmpty());
    }

    @Test
    void shouldRedactSecretsInToStringButNotInToJson()
    {
        final PipelineConfig config = PipelineConfigParser.parse(resource("full.json"));

        final String logged = config.toString();
        assertTrue(logged.startsWith("PipelineConfig{\"name\":\"vwap\""), logged);
        assertTrue(logged.contains("\"sasl.password\":\"***\""), logged);
        assertFalse(logged.contains("hunter2"), logged);
        assertFalse(logged.contains("\n"), logged);
        assertFalse(config.inputs().get("quotes.l1").toString().contains("hunter2"));
        assertTrue(config.inputs().get("quotes.l1").toString().startsWith("InputEndpointConfig[quotes.l1]{"));
        assertTrue(config.toJson().contains("hunter2"));
        assertTrue(config.faultTolerance().toString().contains("model=at_least_once"));
    }

    @Test
    void shouldNotBeEqualWhenAnyFieldDiffers()
    {
        final PipelineConfig config = PipelineConfigParser.parse(resource("full.json"));

        assertNotEquals(config, config.toBuilder().workers(5).build());
        assertNotEquals(config, config.toBuilder().noPeriodicCheckpoints().build());
        assertNotEquals(config, config.toBuilder()
            .input("extra", InputEndpointConfig.builder().stream("other").transport("file_input"))
            .build());
    }

    @Test
    void shouldReportMalformedFileWithNameLineAndColumn()
    {
        final Path file = resource("malformed.json");
        final ConfigException ex = assertThrows(ConfigException.class, () -> PipelineConfigParser.parse(file));

        assertEquals(ConfigException.MALFORMED_JSON, ex.code());
        assertEquals(KeelException.Category.CONFIG, ex.category());
        assertEquals(file.toString(), ex.source());
        assertTrue(ex.getMessage().startsWith("[CONFIG_MALFORMED_JSON] " + file + ": "), ex.getMessage());
        assertTrue(ex.getMessage().contains("line 3, column 16"), ex.getMessage());
    }

    @Test
    void shouldNameFileInValidationErrors(@TempDir final Path dir) throws IOException
    {
        final Path file = dir.resolve("pipeline.json");
        Files.writeString(file, json("{'workers': 0}"), StandardCharsets.UTF_8);

        final ConfigException ex = assertThrows(ConfigException.class, () -> PipelineConfigParser.parse(file));

        assertEquals(ConfigException.OUT_OF_RANGE, ex.code());
        assertEquals(
            "[CONFIG_OUT_OF_RANGE] " + file + ": $.workers: 0 is out of range; allowed: 1..64", ex.getMessage());
    }

    @Test
    void shouldNameFileInConnectorSettingErrors(@TempDir final Path dir) throws IOException
    {
        final Path file = dir.resolve("pipeline.json");
        Files.writeString(file, json(
            "{'inputs': {'t': {'stream': 's', 'transport': {'name': 'file_input', 'config': {'path': 7}}}}}"),
            StandardCharsets.UTF_8);
        final ConfigObject settings = PipelineConfigParser.parse(file).inputs().get("t").transport().config();

        final ConfigException ex = assertThrows(ConfigException.class, () -> settings.string("path"));

        assertEquals(
            "[CONFIG_WRONG_TYPE] " + file + ": $.inputs.t.transport.config.path: expected a string, got integer 7",
            ex.getMessage());
    }

    @Test
    void shouldReportMissingFile(@TempDir final Path dir)
    {
        final Path file = dir.resolve("absent.json");

        final ConfigException ex = assertThrows(ConfigException.class, () -> PipelineConfigParser.parse(file));

        assertEquals(ConfigException.UNREADABLE, ex.code());
        assertTrue(ex.getMessage().contains(file.toString()), ex.getMessage());
        assertTrue(ex.getMessage().contains("NoSuchFileException"), ex.getMessage());
    }

    @Test
    void shouldAcceptFileWithByteOrderMark(@TempDir final Path dir) throws IOException
    {
        final Path file = dir.resolve("bom.json");
        Files.writeString(file, "\uFEFF" + json("{'workers': 3}"), StandardCharsets.UTF_8);

        assertEquals(3, PipelineConfigParser.parse(file).workers());
    }

    @Test
    void shouldRejectFileThatIsNotUtf8(@TempDir final Path dir) throws IOException
    {
        final Path file = dir.resolve("latin1.json");
        Files.write(file, new byte[]{ '{', '"', 'n', 'a', 'm', 'e', '"', ':', '"', (byte)0xE9, '"', '}' });

        final ConfigException ex = assertThrows(ConfigException.class, () -> PipelineConfigParser.parse(file));

        assertEquals(ConfigException.UNREADABLE, ex.code());
        assertTrue(ex.getMessage().contains(file + ": $: the file is not valid UTF-8"), ex.getMessage());
    }

    @Test
    void shouldHaveNoSourceWhenParsingText()
    {
        final ConfigException ex = assertThrows(
            ConfigException.class, () -> PipelineConfigParser.parse(json("{'workers': 65}")));

        assertNull(ex.source());
        assertEquals("[CONFIG_OUT_OF_RANGE] $.workers: 65 is out of range; allowed: 1..64", ex.getMessage());
    }
}
