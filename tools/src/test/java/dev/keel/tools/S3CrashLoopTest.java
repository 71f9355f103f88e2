package dev.keel.tools;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.keel.sync.SyncFixture;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import software.amazon.awssdk.core.async.AsyncRequestBody;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Random;
import java.util.concurrent.TimeUnit;

import static dev.keel.tools.CrashHarness.SEED;
import static org.junit.jupiter.api.Assertions.*;

/**
 * S3 in ({@code s3_input} on the loopback S3Mock, several objects read with small ranged GETs) -> trades-vwap ->
 * file out with {@code exactly_once}, real {@code keel run} processes SIGKILLed at seeded random moments and
 * restarted on the same storage ({@link CrashHarness#crashLoop}): the final output, applied in order, equals the
 * output of an uninterrupted run and the aggregates of the input; at least one restart resumed from a checkpoint
 * (mid-object: the objects are many chunks long).
 */
@Tag("crash")
class S3CrashLoopTest
{
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final int TRADES = Integer.getInteger("keel.s3.crash.trades", 20_000);
    private static final int OBJECTS = 5;
    private static final int KILLS = Integer.getInteger("keel.s3.crash.kills", 3);

    @TempDir
    Path dir;

    @Test
    void exactlyOnceSurvivesSigkillReadingFromS3() throws Exception
    {
        final SyncFixture s3 = SyncFixture.shared();
        final String bucket = s3.newBucket();
        final CrashHarness harness = new CrashHarness(dir);
        final Path trades = harness.writeTrades(TRADES, 31);
        final List<String> lines = Files.readAllLines(trades);
        final int perObject = TRADES / OBJECTS;
        for (int i = 0; i < OBJECTS; i++)
        {
            // keys put out of order: the endpoint reads them in key order, which is the order of the trades
            final int object = (i * 3) % OBJECTS;
            final String body = String.join("\n", lines.subList(object * perObject, (object + 1) * perObject)) + "\n";
            s3.admin.putObject(b -> b.bucket(bucket).key("trades/part-" + object + ".json"),
                AsyncRequestBody.fromString(body)).join();
        }
        s3.admin.putObject(b -> b.bucket(bucket).key("other/ignored.json"),
            AsyncRequestBody.fromString("{\"not\": \"a trade\"}\n")).join();

        final Path baselineOutput = dir.resolve("baseline.json");
        final Path baselineConfig = writeConfig(s3, bucket, baselineOutput, dir.resolve("baseline-storage"));
        final long startNs = System.nanoTime();
        final Process baseline = CrashHarness.start(baselineConfig, dir.resolve("baseline.log"));
        assertTrue(baseline.waitFor(180, TimeUnit.SECONDS), "baseline run finished");
        assertEquals(0, baseline.exitValue(), Files.readString(dir.resolve("baseline.log")));
        final long runMillis = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - startNs);
        assertEquals(RunCommandTest.aggregates(trades), RunCommandTest.applyChanges(baselineOutput),
            "the uninterrupted run computes the aggregates");

        final Path output = dir.resolve("vwap.json");
        final Path config = writeConfig(s3, bucket, output, dir.resolve("storage"));
        final CrashHarness.RunLog log = harness.crashLoop(config, new Random(SEED), KILLS, false, runMillis);
        assertEquals(RunCommandTest.applyChanges(baselineOutput), RunCommandTest.applyChanges(output), log.toString());
        assertTrue(log.kills > 0 && log.restores() > 0, "killed, and restarted from a checkpoint: " + log);
        assertFalse(log.allOutput.contains(SyncFixture.SECRET_KEY), "the secret never reaches the log");
    }

    private Path writeConfig(final SyncFixture s3, final String bucket, final Path output, final Path storage)
        throws Exception
    {
        final String config = "{\n" +
            "  \"name\": \"s3crash\",\n" +
            "  \"program\": \"trades-vwap\",\n" +
            "  \"storage_config\": {\"path\": " + JSON.writeValueAsString(storage.toString()) + "},\n" +
            "  \"fault_tolerance\": {\"model\": \"exactly_once\", \"checkpoint_interval_secs\": 1},\n" +
            "  \"threading_mode\": \"shared\",\n" +
            "  \"inputs\": {\"trades\": {\"stream\": \"trades\", \"max_batch_size\": 10,\n" +
            "    \"transport\": {\"name\": \"s3_input\", \"config\": {\"bucket_name\": \"" + bucket + "\", " +
            "\"prefix\": \"trades/\", \"region\": \"us-east-1\", \"endpoint_url\": \"http://127.0.0.1:" + s3.s3Port +
            "\", \"aws_access_key_id\": \"" + SyncFixture.ACCESS_KEY + "\", \"aws_secret_access_key\": \"" +
            SyncFixture.SECRET_KEY + "\", \"read_chunk_bytes\": 65536}},\n" +
            "    \"format\": {\"name\": \"json\", \"config\": {\"update_format\": \"raw\"}}}},\n" +
            "  \"outputs\": {\"vwap\": {\"stream\": \"vwap\",\n" +
            "    \"transport\": {\"name\": \"file_output\", \"config\": {\"path\": " +
            JSON.writeValueAsString(output.toString()) + "}},\n" +
            "    \"format\": {\"name\": \"json\"}}}\n" +
            "}\n";
        final Path file = dir.resolve("pipeline-" + storage.getFileName() + ".json");
        Files.writeString(file, config);
        return file;
    }
}
