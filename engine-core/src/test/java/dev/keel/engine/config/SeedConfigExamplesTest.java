package dev.keel.engine.config;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.net.URISyntaxException;
import java.nio.file.Path;
import java.util.OptionalLong;
import java.util.UUID;

import static org.junit.jupiter.api.Assertions.*;

/**
 * Every JSON example of the fault-tolerance document Keel implements (../shared/SEED-fault-tolerance.txt), copied
 * byte for byte into {@code src/test/resources/config/seed}, is accepted as written and means what the document
 * says.
 */
class SeedConfigExamplesTest
{
    private static PipelineConfig seed(final String file)
    {
        try
        {
            return PipelineConfigParser.parse(
                Path.of(SeedConfigExamplesTest.class.getResource("/config/seed/" + file).toURI()));
        }
        catch (final URISyntaxException ex)
        {
            throw new IllegalStateException(ex);
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {
        "01-exactly-once.json", "02-at-least-once.json", "03-none.json", "04-checkpoint-interval.json",
        "05-no-periodic-checkpoints.json", "06-storage-requirements.json", "07-checkpoint-sync.json",
        "08-start-from-synced-checkpoint.json", "09-read-only-bucket.json" })
    void everyExampleIsAcceptedAndRoundTrips(final String file)
    {
        final PipelineConfig config = seed(file);
        assertEquals(config, PipelineConfigParser.parse(config.toJson()), "canonical JSON parses back equal");
    }

    @Test
    void modelsMeanWhatTheDocumentSays()
    {
        final PipelineConfig exactlyOnce = seed("01-exactly-once.json");
        assertEquals(FaultToleranceModel.EXACTLY_ONCE, exactlyOnce.faultTolerance().model());
        // fault tolerance needs storage: it is on, in the default directory, since the example does not turn it off
        assertEquals(Path.of("keel-data", "pipeline").toString(), exactlyOnce.storage().orElseThrow().path());
        assertEquals(FaultToleranceModel.AT_LEAST_ONCE, seed("02-at-least-once.json").faultTolerance().model());
        assertEquals(FaultToleranceModel.NONE, seed("03-none.json").faultTolerance().model());
        assertTrue(seed("03-none.json").storage().isEmpty());
        assertEquals(60, seed("04-checkpoint-interval.json").faultTolerance().checkpointIntervalSecs().orElseThrow());
        assertFalse(seed("05-no-periodic-checkpoints.json").faultTolerance().periodicCheckpoints());
    }

    @Test
    void storageBackendAndSyncAreParsed()
    {
        final StorageConfig storage = seed("06-storage-requirements.json").storage().orElseThrow();
        assertEquals("/data/pipeline-state", storage.path());
        assertEquals(StorageConfig.Backend.DEFAULT, storage.backend());
        assertTrue(storage.sync().isEmpty());

        final StorageConfig synced = seed("07-checkpoint-sync.json").storage().orElseThrow();
        assertEquals(StorageConfig.Backend.FILE, synced.backend());
        assertEquals(StorageConfig.Cache.PAGE_CACHE, synced.cache());
        final SyncConfig sync = synced.sync().orElseThrow();
        assertEquals("my-bucket", sync.bucket());
        assertEquals("checkpoints", sync.prefix());
        assertEquals("us-east-1", sync.region().orElseThrow());
        assertEquals("AWS", sync.provider().orElseThrow());
        assertEquals("AKIAIOSFODNN7EXAMPLE", sync.accessKey().orElseThrow());
        assertEquals("wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY", sync.secretKey().orElseThrow());
        assertEquals(OptionalLong.of(300), sync.pushIntervalSecs());
        assertEquals(10, sync.retentionMinCount());
        assertEquals(30, sync.retentionMinAgeDays());
        assertTrue(sync.startFromCheckpoint().isEmpty());
        assertFalse(sync.standby());
        assertEquals(SyncConfig.DEFAULT_PULL_INTERVAL_SECS, sync.pullIntervalSecs());
        assertTrue(sync.shipJournal(), "ship_journal (a Keel extension) is on unless turned off");

        final SyncConfig standby = seed("08-start-from-synced-checkpoint.json").storage().orElseThrow().sync()
            .orElseThrow();
        assertTrue(standby.startFromCheckpoint().orElseThrow().latest());
        assertFalse(standby.failIfNoCheckpoint());
        assertTrue(standby.standby());
        assertEquals(10, standby.pullIntervalSecs());
        assertTrue(standby.pushIntervalSecs().isEmpty());
        assertTrue(standby.accessKey().isEmpty());

        final SyncConfig readOnly = seed("09-read-only-bucket.json").storage().orElseThrow().sync().orElseThrow();
        assertEquals("backup-bucket", readOnly.readBucket().orElseThrow());
        assertEquals("checkpoints", readOnly.readPrefix());
    }

    @Test
    void shipJournalFalseTurnsJournalShippingOffAndIsWrittenBack() throws Exception
    {
        final String json = java.nio.file.Files.readString(
            Path.of(SeedConfigExamplesTest.class.getResource("/config/seed/07-checkpoint-sync.json").toURI()))
            .replace("\"push_interval\": 300,", "\"push_interval\": 300, \"ship_journal\": false,");
        final SyncConfig off = PipelineConfigParser.parse(json).storage().orElseThrow().sync().orElseThrow();
        assertFalse(off.shipJournal());
        assertTrue(off.toString().contains("ship_journal=false"), off.toString());
        assertFalse(PipelineConfigParser.parse(PipelineConfigParser.parse(json).toJson()).storage().orElseThrow()
            .sync().orElseThrow().shipJournal(), "the canonical JSON keeps it");
        final SyncConfig on = PipelineConfigParser.parse(json.replace("\"ship_journal\": false",
            "\"ship_journal\": true")).storage().orElseThrow().sync().orElseThrow();
        assertTrue(on.shipJournal());
    }

    @Test
    void credentialsAreNeverShown()
    {
        final PipelineConfig config = seed("07-checkpoint-sync.json");
        for (final String text : new String[]{
            config.toString(), config.storage().orElseThrow().toString(),
            config.storage().orElseThrow().sync().orElseThrow().toString() })
        {
            assertFalse(text.contains("wJalrXUtnFEMI"), text);
            assertFalse(text.contains("AKIAIOSFODNN7EXAMPLE"), text);
        }

        final String badType = "{\"storage\": {\"backend\": {\"name\": \"file\", \"config\": {\"sync\": " +
            "{\"bucket\": \"bk1\", \"access_key\": \"AKIAIOSFODNN7EXAMPLE\", \"secret_key\": 12345678}}}}}";
        final ConfigException ex = assertThrows(ConfigException.class, () -> PipelineConfigParser.parse(badType));
        assertEquals("$.storage.backend.config.sync.secret_key", ex.path());
        assertFalse(ex.getMessage().contains("12345678"), ex.getMessage());
        assertFalse(ex.getMessage().contains("AKIAIOSFODNN7EXAMPLE"), ex.getMessage());
    }

    @Test
    void startFromCheckpointTakesAUuid()
    {
        final UUID id = UUID.randomUUID();
        final SyncConfig sync = PipelineConfigParser.parse("{\"storage\": {\"backend\": {\"name\": \"file\", " +
            "\"config\": {\"sync\": {\"bucket\": \"bk1\", \"start_from_checkpoint\": \"" + id + "\", " +
            "\"standby\": true}}}}}").storage().orElseThrow().sync().orElseThrow();
        assertEquals(id, sync.startFromCheckpoint().orElseThrow().checkpoint());
        assertEquals("", sync.prefix());
    }
}
