package dev.keel.sync;

import dev.keel.engine.config.ConfigException;
import org.junit.jupiter.api.Test;

import java.util.OptionalLong;
import java.util.UUID;
import java.util.function.UnaryOperator;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class SyncSettingsTest
{
    private static final String ACCESS = "AKIAIOSFODNN7EXAMPLE";
    private static final String SECRET = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY";

    private static SyncSettingsBuilder seedExample()
    {
        // The seed's own example, key for key.
        return SyncSettingsBuilder.builder()
            .bucket("my-bucket/checkpoints")
            .region("us-east-1")
            .provider("AWS")
            .accessKey(ACCESS)
            .secretKey(SECRET)
            .pushInterval(300L)
            .retentionMinCount(10)
            .retentionMinAge(30);
    }

    @Test
    void theSeedExamplesAreAcceptedWithFelderaDefaults()
    {
        final SyncSettings settings = seedExample().build();
        assertEquals(new BucketPath("my-bucket", "checkpoints"), settings.bucketPath());
        assertEquals("checkpoints/keel-sync.catalog", settings.bucketPath().key("keel-sync.catalog"));
        assertEquals(OptionalLong.of(300), settings.pushIntervalSecs());

        final SyncSettings standby = SyncSettingsBuilder.builder().bucket("my-bucket/checkpoints")
            .startFromCheckpoint("latest").failIfNoCheckpoint(false).standby(true).pullInterval(10).build();
        assertEquals(10, standby.retentionMinCount());
        assertEquals(30, standby.retentionMinAgeDays());
        assertEquals(10, standby.pullIntervalSecs());
        assertTrue(standby.standby());
        assertFalse(standby.failIfNoCheckpoint());
        assertTrue(standby.startFromUuid().isEmpty());
        assertEquals(OptionalLong.empty(), standby.pushIntervalSecs());
        assertEquals("us-east-1", standby.effectiveRegion());
        assertNull(standby.accessKey());

        final SyncSettings withRead = SyncSettingsBuilder.builder().bucket("my-bucket/checkpoints")
            .readBucket("backup-bucket/checkpoints").build();
        assertEquals(new BucketPath("backup-bucket", "checkpoints"), withRead.readBucketPath().orElseThrow());

        final UUID id = UUID.randomUUID();
        assertEquals(id, SyncSettingsBuilder.builder().bucket("b-1").startFromCheckpoint(id.toString()).build()
            .startFromUuid().orElseThrow());
        assertEquals(new BucketPath("b-1", ""), SyncSettingsBuilder.builder().bucket("b-1/").build().bucketPath());
    }

    @Test
    void badValuesNameTheJsonPathTheValueAndWhatIsAllowed()
    {
        assertRejected(b -> b.bucket(null), ConfigException.MISSING, "bucket", "required key is missing");
        assertRejected(b -> b.bucket("My_Bucket/x"), ConfigException.INVALID, "bucket", "\"My_Bucket\" is not a valid");
        assertRejected(b -> b.bucket("ok-bucket//x"), ConfigException.INVALID, "bucket", "empty path segment");
        assertRejected(b -> b.bucket("ok-bucket/../x"), ConfigException.INVALID, "bucket", "other than . and ..");
        assertRejected(b -> b.region("US East"), ConfigException.INVALID, "region", "\"US East\"");
        assertRejected(b -> b.secretKey(null), ConfigException.MISSING, "secret_key", "together");
        assertRejected(b -> b.endpoint("127.0.0.1:9000"), ConfigException.INVALID, "endpoint", "is not a URL");
        assertRejected(b -> b.endpoint("ftp://127.0.0.1"), ConfigException.INVALID, "endpoint", "\"ftp://127.0.0.1\"");
        assertRejected(b -> b.pushInterval(0L), ConfigException.OUT_OF_RANGE, "push_interval", "allowed: 1..");
        assertRejected(b -> b.retentionMinAge(-1), ConfigException.OUT_OF_RANGE, "retention_min_age", "-1");
        assertRejected(b -> b.startFromCheckpoint("newest"), ConfigException.INVALID, "start_from_checkpoint",
            "\"latest\" or a checkpoint UUID");
        assertRejected(b -> b.startFromCheckpoint("1-2-3-4-5"), ConfigException.INVALID, "start_from_checkpoint",
            "\"1-2-3-4-5\"");
        assertRejected(b -> b.pullInterval(0), ConfigException.OUT_OF_RANGE, "pull_interval", "allowed: 1..");
        assertRejected(b -> b.readBucket("my-bucket/checkpoints/"), ConfigException.INVALID, "read_bucket",
            "the same location");
        assertRejected(b -> b.readBucket("x"), ConfigException.INVALID, "read_bucket", "\"x\"");
        assertRejected(b -> b.secretKey(" "), ConfigException.INVALID, "secret_key", "blank");
    }

    @Test
    void keysAreRedactedInToStringAndInErrors()
    {
        final SyncSettings settings = seedExample().endpoint("http://127.0.0.1:9000").build();
        final String text = settings.toString();
        assertFalse(text.contains(ACCESS), text);
        assertFalse(text.contains(SECRET), text);
        assertTrue(text.contains("access_key=<redacted>") && text.contains("secret_key=<redacted>"), text);
        assertTrue(text.contains("bucket=\"my-bucket/checkpoints\""), text);
        assertEquals("denied for <redacted> signed with <redacted>",
            settings.redact("denied for " + ACCESS + " signed with " + SECRET));

        final ConfigException blank = assertThrows(ConfigException.class,
            () -> seedExample().secretKey(" ").build());
        assertEquals("$.storage.backend.config.sync.secret_key", blank.path());
        assertFalse(blank.getMessage().contains(ACCESS), blank.getMessage());
        final ConfigException other = assertThrows(ConfigException.class,
            () -> seedExample().pullInterval(-5).build());
        assertFalse(other.getMessage().contains(ACCESS) || other.getMessage().contains(SECRET), other.getMessage());
    }

    /**
     * Validation is the config layer's (its own tests check every message); here: each bad value fails with the
     * code and the JSON path of its key, and never shows a credential. The S3-specific checks (a prefix's segments,
     * the region) are this class's and keep their text.
     */
    private static void assertRejected(final UnaryOperator<SyncSettingsBuilder> change, final String code,
        final String key, final String expectedText)
    {
        final ConfigException ex = assertThrows(ConfigException.class, () -> change.apply(seedExample()).build());
        assertEquals(code, ex.code(), ex.getMessage());
        assertEquals(SyncSettings.PATH + "." + key, ex.path(), ex.getMessage());
        assertTrue(ex.getMessage().startsWith("[" + code + "] $.storage.backend.config.sync." + key + ": "),
            ex.getMessage());
        assertTrue(ex.getMessage().contains(expectedText), ex.getMessage());
        assertFalse(ex.getMessage().contains(ACCESS) || ex.getMessage().contains(SECRET), ex.getMessage());
    }

    @Test
    void fromTheParsedConfigKeepsEveryKey()
    {
        final UUID id = UUID.randomUUID();
        final dev.keel.engine.config.PipelineConfig config = dev.keel.engine.config.PipelineConfigParser.parse(
            "{\"storage\": {\"backend\": {\"name\": \"file\", \"config\": {\"sync\": {" +
            "\"bucket\": \"my-bucket/checkpoints\", \"region\": \"eu-west-1\", \"provider\": \"Minio\", " +
            "\"access_key\": \"" + ACCESS + "\", \"secret_key\": \"" + SECRET + "\", " +
            "\"endpoint\": \"http://127.0.0.1:9000\", \"push_interval\": 300, \"retention_min_count\": 3, " +
            "\"retention_min_age\": 7, \"start_from_checkpoint\": \"" + id + "\", " +
            "\"fail_if_no_checkpoint\": true, \"standby\": true, \"pull_interval\": 20, " +
            "\"read_bucket\": \"backup-bucket/ro\"}}}}, \"storage_config\": {\"path\": \"/tmp/x\"}}");
        final SyncSettings settings = SyncSettings.from(config.storage().flatMap(
            dev.keel.engine.config.StorageConfig::sync).orElseThrow());
        assertEquals(new BucketPath("my-bucket", "checkpoints"), settings.bucketPath());
        assertEquals("eu-west-1", settings.effectiveRegion());
        assertEquals("Minio", settings.provider());
        assertEquals(ACCESS, settings.accessKey());
        assertEquals(SECRET, settings.secretKey());
        assertEquals("http://127.0.0.1:9000", settings.endpoint().toString());
        assertEquals(OptionalLong.of(300), settings.pushIntervalSecs());
        assertEquals(3, settings.retentionMinCount());
        assertEquals(7, settings.retentionMinAgeDays());
        assertEquals(id, settings.startFromUuid().orElseThrow());
        assertTrue(settings.failIfNoCheckpoint());
        assertTrue(settings.standby());
        assertEquals(20, settings.pullIntervalSecs());
        assertEquals(new BucketPath("backup-bucket", "ro"), settings.readBucketPath().orElseThrow());
        assertFalse(settings.toString().contains(SECRET), settings.toString());

        final SyncSettings defaults = SyncSettings.from(dev.keel.engine.config.PipelineConfigParser.parse(
            "{\"storage\": {\"backend\": {\"name\": \"file\", \"config\": {\"sync\": " +
            "{\"bucket\": \"b-1\"}}}}}").storage().flatMap(dev.keel.engine.config.StorageConfig::sync)
            .orElseThrow());
        assertEquals(SyncSettingsBuilder.builder().bucket("b-1").build(), defaults);
    }
}
