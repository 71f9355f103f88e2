package dev.keel.connector.s3;

import dev.keel.engine.KeelException;
import dev.keel.engine.config.ConfigException;
import dev.keel.engine.config.InputEndpointConfig;
import dev.keel.engine.config.PipelineConfigParser;
import dev.keel.engine.connector.ConnectorContext;
import dev.keel.engine.data.Column;
import dev.keel.engine.data.ColumnType;
import dev.keel.engine.data.Schema;
import dev.keel.engine.data.ZSetBatch;
import dev.keel.sync.SyncFixture;
import org.agrona.ExpandableDirectByteBuffer;
import org.agrona.concurrent.UnsafeBuffer;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.core.async.AsyncRequestBody;

import java.net.ServerSocket;
import java.util.ArrayList;
import java.util.List;
import java.util.function.BooleanSupplier;

import static org.junit.jupiter.api.Assertions.*;

/**
 * {@code s3_input} against the real S3Mock server of the sync tests (loopback): config errors, key-order listing,
 * resume mid-object at a token, replay bounded by journaled tokens (and refused when the bucket changed under
 * it), both error policies, CSV headers per object, follow mode, an unreachable server. The endpoint's agent is
 * driven on the test thread.
 */
class S3InputEndpointTest
{
    static final Schema SCHEMA = Schema.of(Column.of("id", ColumnType.INT64), Column.of("symbol", ColumnType.STRING));
    static final String CONFIG = "$.inputs.in.transport.config";
    static SyncFixture s3;

    @BeforeAll
    static void server()
    {
        s3 = SyncFixture.shared();
    }

    static InputEndpointConfig input(final String transportConfig, final String onError, final String format)
    {
        return PipelineConfigParser.parse("{\"inputs\": {\"in\": {\"stream\": \"t\", \"on_error\": \"" + onError +
            "\", \"transport\": {\"name\": \"s3_input\", \"config\": " + transportConfig + "}, \"format\": " + format +
            "}}}").inputs().get("in");
    }

    private String config(final String bucket, final String extra)
    {
        return "{\"bucket_name\": \"" + bucket + "\", \"region\": \"us-east-1\", \"endpoint_url\": " +
            "\"http://127.0.0.1:" + s3.s3Port + "\", \"aws_access_key_id\": \"" + SyncFixture.ACCESS_KEY + "\", " +
            "\"aws_secret_access_key\": \"" + SyncFixture.SECRET_KEY + "\"" + extra + "}";
    }

    private S3InputEndpoint endpoint(final String bucket, final String extra)
    {
        return endpoint(bucket, extra, "fail", "{\"name\": \"json\"}");
    }

    private S3InputEndpoint endpoint(final String bucket, final String extra, final String onError, final String format)
    {
        return (S3InputEndpoint)new S3InputConnector().create(input(config(bucket, extra), onError, format), SCHEMA,
            new ConnectorContext());
    }

    private static void put(final String bucket, final String key, final String body)
    {
        s3.admin.putObject(b -> b.bucket(bucket).key(key), AsyncRequestBody.fromString(body)).join();
    }

    static String rows(final long from, final long to)
    {
        final StringBuilder text = new StringBuilder();
        for (long i = from; i <= to; i++)
        {
            text.append("{\"insert\":{\"id\":").append(i).append(",\"symbol\":\"s").append(i).append("\"}}\n");
        }
        return text.toString();
    }

    static List<Long> range(final long from, final long to)
    {
        final List<Long> ids = new ArrayList<>();
        for (long i = from; i <= to; i++)
        {
            ids.add(i);
        }
        return ids;
    }

    /** Runs the agent and polls (at most {@code max} per poll, bounded by {@code stop}) until {@code done}. */
    static List<Long> pollUntil(
        final S3InputEndpoint endpoint, final int max, final long stop, final BooleanSupplier done) throws Exception
    {
        final ZSetBatch batch = new ZSetBatch(SCHEMA);
        final List<Long> ids = new ArrayList<>();
        final long deadline = System.nanoTime() + 30_000_000_000L;
        while (!done.getAsBoolean())
        {
            assertTrue(System.nanoTime() < deadline, "timed out at position " + endpoint.position() + " " + ids);
            if (0 == endpoint.agent().doWork())
            {
                Thread.sleep(1);
            }
            batch.clear();
            endpoint.poll(batch, max, stop);
            final ZSetBatch.Cursor cursor = batch.cursor();
            while (cursor.next())
            {
                ids.add(cursor.row().getLong(0) * cursor.weight());
            }
        }
        return ids;
    }

    static byte[] token(final S3InputEndpoint endpoint)
    {
        final ExpandableDirectByteBuffer buffer = new ExpandableDirectByteBuffer(64);
        final int length = endpoint.positionToken(buffer);
        assertTrue(length > 0);
        final byte[] token = new byte[length];
        buffer.getBytes(0, token);
        return token;
    }

    private static ConfigException configError(final String transportConfig)
    {
        return assertThrows(ConfigException.class, () -> S3InputConnector.settings(
            input(transportConfig, "fail", "{\"name\": \"json\"}"), SCHEMA));
    }

    @Test
    void configErrorsNameThePathAndNeverEchoSecrets()
    {
        assertEquals(CONFIG + ".bucket_name", configError("{\"region\": \"r\", \"prefix\": \"\"}").path());
        assertEquals(CONFIG + ".region", configError("{\"bucket_name\": \"b\", \"prefix\": \"\"}").path());
        assertEquals(CONFIG + ".key", configError("{\"bucket_name\": \"b\", \"region\": \"r\"}").path());
        assertEquals(CONFIG + ".key",
            configError("{\"bucket_name\": \"b\", \"region\": \"r\", \"key\": \"k\", \"prefix\": \"p\"}").path());
        assertEquals(CONFIG + ".endpoint_url", configError(
            "{\"bucket_name\": \"b\", \"region\": \"r\", \"prefix\": \"\", \"endpoint_url\": \"ftp://x\"}").path());
        assertEquals(CONFIG + ".aws_secret_access_key", configError(
            "{\"bucket_name\": \"b\", \"region\": \"r\", \"prefix\": \"\", \"aws_access_key_id\": \"AKIA1\"}").path());
        assertEquals(CONFIG + ".no_sign_request", configError("{\"bucket_name\": \"b\", \"region\": \"r\", " +
            "\"prefix\": \"\", \"no_sign_request\": true, \"aws_access_key_id\": \"A\", " +
            "\"aws_secret_access_key\": \"S\"}").path());
        assertEquals(CONFIG + ".follow",
            configError("{\"bucket_name\": \"b\", \"region\": \"r\", \"key\": \"k\", \"follow\": true}").path());
        assertEquals(CONFIG + ".read_chunk_bytes", configError(
            "{\"bucket_name\": \"b\", \"region\": \"r\", \"prefix\": \"\", \"read_chunk_bytes\": 10}").path());
        final ConfigException typo = configError("{\"bucket_name\": \"b\", \"region\": \"r\", \"prefix\": \"\", " +
            "\"bucket\": \"b\"}");
        assertEquals(ConfigException.UNKNOWN_KEY, typo.code());
        final ConfigException secretType = configError("{\"bucket_name\": \"b\", \"region\": \"r\", \"prefix\": \"\"," +
            " \"aws_access_key_id\": \"A\", \"aws_secret_access_key\": 98765432123}");
        assertEquals(CONFIG + ".aws_secret_access_key", secretType.path());
        assertFalse(secretType.getMessage().contains("98765432123"), secretType.getMessage());
        final S3InputSettings settings = S3InputConnector.settings(input(config("b", ", \"prefix\": \"p/\""),
            "fail", "{\"name\": \"json\"}"), SCHEMA);
        assertFalse(settings.toString().contains(SyncFixture.SECRET_KEY), settings.toString());
        assertFalse(settings.toString().contains(SyncFixture.ACCESS_KEY), settings.toString());
        assertEquals("s3://b/p/*", settings.source());
        try (S3InputEndpoint endpoint = endpoint("b", ", \"prefix\": \"p/\""))
        {
            final KeelException ex = assertThrows(KeelException.class, () -> endpoint.open(5));
            assertEquals("CONNECTOR_BAD_POSITION", ex.code(), ex.getMessage());
        }
    }

    @Test
    void readsObjectsUnderThePrefixInKeyOrder() throws Exception
    {
        final String bucket = s3.newBucket();
        put(bucket, "in/c.json", rows(21, 30));
        put(bucket, "in/a.json", rows(1, 10));
        put(bucket, "other/x.json", rows(100, 110));
        put(bucket, "in/b.json", rows(11, 19) + "{\"insert\":{\"id\":20,\"symbol\":\"no newline\"}}");
        put(bucket, "in/empty.json", "");
        try (S3InputEndpoint endpoint = endpoint(bucket, ", \"prefix\": \"in/\""))
        {
            endpoint.open(0);
            final List<Long> ids = pollUntil(endpoint, 7, Long.MAX_VALUE, endpoint::endOfInput);
            assertEquals(range(1, 30), ids);
            assertEquals(30, endpoint.position());
        }
    }

    @Test
    void anonymousRequestsWithNoSignRequest() throws Exception
    {
        final String bucket = s3.newBucket();
        put(bucket, "one.json", rows(1, 3));
        final String transport = "{\"bucket_name\": \"" + bucket + "\", \"region\": \"us-east-1\", " +
            "\"key\": \"one.json\", \"no_sign_request\": true, \"endpoint_url\": \"http://127.0.0.1:" +
            s3.s3Port + "\"}";
        try (S3InputEndpoint endpoint = (S3InputEndpoint)new S3InputConnector().create(
            input(transport, "fail", "{\"name\": \"json\"}"), SCHEMA, new ConnectorContext()))
        {
            endpoint.open(0);
            assertEquals(range(1, 3), pollUntil(endpoint, 100, Long.MAX_VALUE, endpoint::endOfInput));
            endpoint.agent().onClose();
        }
    }

    @Test
    void resumesMidObjectAtTheTokenWithRangedReads() throws Exception
    {
        final String bucket = s3.newBucket();
        put(bucket, "big/1.json", rows(1, 4000));       // ~170 KB: three ranged GETs of 64 KiB
        put(bucket, "big/2.json", rows(4001, 4500));
        final List<Long> first;
        final long position;
        final byte[] token;
        try (S3InputEndpoint endpoint = endpoint(bucket, ", \"prefix\": \"big/\", \"read_chunk_bytes\": 65536"))
        {
            endpoint.open(0);
            first = pollUntil(endpoint, 100, 2345, () -> endpoint.position() >= 2345);
            position = endpoint.position();
            token = token(endpoint);
            endpoint.agent().onClose();
        }
        assertEquals(range(1, 2345), first);
        try (S3InputEndpoint endpoint = endpoint(bucket, ", \"prefix\": \"big/\", \"read_chunk_bytes\": 65536"))
        {
            endpoint.open(position, new UnsafeBuffer(token), 0, token.length);
            final List<Long> rest = pollUntil(endpoint, 1000, Long.MAX_VALUE, endpoint::endOfInput);
            assertEquals(range(2346, 4500), rest);
            assertEquals(4500, endpoint.position());
            endpoint.agent().onClose();
        }
    }

    @Test
    void replayReadsExactlyTheJournaledStepsAndRefusesAChangedBucket() throws Exception
    {
        final String bucket = s3.newBucket();
        put(bucket, "r/1.json", rows(1, 50));
        put(bucket, "r/3.json", rows(51, 80));
        final long[] positions = new long[3];
        final List<byte[]> tokens = new ArrayList<>();
        final List<List<Long>> steps = new ArrayList<>();
        try (S3InputEndpoint endpoint = endpoint(bucket, ", \"prefix\": \"r/\""))
        {
            endpoint.open(0);
            final long[] stops = { 20, 65, 80 };
            for (int i = 0; i < 3; i++)
            {
                final long stop = stops[i];
                steps.add(pollUntil(endpoint, 1000, stop, () -> endpoint.position() >= stop));
                positions[i] = endpoint.position();
                tokens.add(token(endpoint));
            }
            endpoint.agent().onClose();
        }
        assertEquals(range(21, 65), steps.get(1));
        // a fresh start with the journal to replay: every step bounded by its position and token
        try (S3InputEndpoint endpoint = endpoint(bucket, ", \"prefix\": \"r/\""))
        {
            endpoint.open(0);
            for (int i = 0; i < 3; i++)
            {
                endpoint.replayBound(positions[i], new UnsafeBuffer(tokens.get(i)), 0, tokens.get(i).length);
                final long stop = positions[i];
                assertEquals(steps.get(i), pollUntil(endpoint, 1000, stop, () -> endpoint.position() >= stop));
            }
            endpoint.live();
            endpoint.agent().onClose();
        }
        // an object added between the keys read: the replay does not deliver other records silently
        put(bucket, "r/2.json", rows(1000, 1004));
        try (S3InputEndpoint endpoint = endpoint(bucket, ", \"prefix\": \"r/\""))
        {
            endpoint.open(0);
            endpoint.replayBound(positions[0], new UnsafeBuffer(tokens.get(0)), 0, tokens.get(0).length);
            pollUntil(endpoint, 1000, positions[0], () -> endpoint.position() >= positions[0]);
            endpoint.replayBound(positions[1], new UnsafeBuffer(tokens.get(1)), 0, tokens.get(1).length);
            pollUntil(endpoint, 1000, positions[1], () -> endpoint.position() >= positions[1]);
            final KeelException ex = assertThrows(KeelException.class, () ->
                endpoint.replayBound(positions[2], new UnsafeBuffer(tokens.get(2)), 0, tokens.get(2).length));
            assertEquals("CONNECTOR_POSITION_MISMATCH", ex.code(), ex.getMessage());
            assertTrue(ex.getMessage().contains("r/3.json"), ex.getMessage());
            endpoint.agent().onClose();
        }
    }

    @Test
    void badRecordsAreSkippedOrFailTheEndpoint() throws Exception
    {
        final String bucket = s3.newBucket();
        put(bucket, "bad.json", rows(1, 3) + "{\"insert\":{\"id\":\"x\",\"symbol\":\"s\"}}\n" + rows(5, 6));
        try (S3InputEndpoint endpoint = endpoint(bucket, ", \"key\": \"bad.json\"", "skip", "{\"name\": \"json\"}"))
        {
            endpoint.open(0);
            assertEquals(List.of(1L, 2L, 3L, 5L, 6L), pollUntil(endpoint, 100, Long.MAX_VALUE, endpoint::endOfInput));
            assertEquals(1, endpoint.skippedRecords());
            endpoint.agent().onClose();
        }
        try (S3InputEndpoint endpoint = endpoint(bucket, ", \"key\": \"bad.json\"", "fail", "{\"name\": \"json\"}"))
        {
            endpoint.open(0);
            final List<Long> seen = new ArrayList<>();
            final KeelException ex = assertThrows(KeelException.class,
                () -> seen.addAll(pollUntil(endpoint, 100, Long.MAX_VALUE, endpoint::endOfInput)));
            assertEquals("CONNECTOR_PARSE_ERROR", ex.code());
            assertTrue(ex.getMessage().contains("s3://" + bucket + "/bad.json line 4"), ex.getMessage());
            assertEquals(3, endpoint.position(), "the records before the bad one were delivered");
            endpoint.agent().onClose();
        }
    }

    @Test
    void csvHeaderOfEveryObjectAndResumeAfterIt() throws Exception
    {
        final String bucket = s3.newBucket();
        put(bucket, "csv/a.csv", "symbol,id\nsa,1\nsb,2\nsc,3\n");
        put(bucket, "csv/b.csv", "id,symbol\n4,sd\n5,se\n");
        final String csv = "{\"name\": \"csv\", \"config\": {\"header\": true}}";
        final long position;
        final byte[] token;
        try (S3InputEndpoint endpoint = endpoint(bucket, ", \"prefix\": \"csv/\"", "fail", csv))
        {
            endpoint.open(0);
            assertEquals(List.of(1L, 2L), pollUntil(endpoint, 100, 2, () -> endpoint.position() >= 2));
            position = endpoint.position();
            token = token(endpoint);
            endpoint.agent().onClose();
        }
        try (S3InputEndpoint endpoint = endpoint(bucket, ", \"prefix\": \"csv/\"", "fail", csv))
        {
            endpoint.open(position, new UnsafeBuffer(token), 0, token.length);
            assertEquals(List.of(3L, 4L, 5L), pollUntil(endpoint, 100, Long.MAX_VALUE, endpoint::endOfInput));
            endpoint.agent().onClose();
        }
    }

    @Test
    void followReadsObjectsAddedAfterTheLastKey() throws Exception
    {
        final String bucket = s3.newBucket();
        put(bucket, "f/001.json", rows(1, 5));
        try (S3InputEndpoint endpoint = endpoint(bucket,
            ", \"prefix\": \"f/\", \"follow\": true, \"follow_poll_interval_ms\": 50"))
        {
            endpoint.open(0);
            assertEquals(range(1, 5), pollUntil(endpoint, 100, Long.MAX_VALUE, () -> endpoint.position() >= 5));
            put(bucket, "f/002.json", rows(6, 9));
            assertEquals(range(6, 9), pollUntil(endpoint, 100, Long.MAX_VALUE, () -> endpoint.position() >= 9));
            assertFalse(endpoint.endOfInput());
            endpoint.agent().onClose();
        }
    }

    @Test
    void missingKeyOrBucketFailsClearly() throws Exception
    {
        final String bucket = s3.newBucket();
        try (S3InputEndpoint endpoint = endpoint(bucket, ", \"key\": \"nope.json\""))
        {
            endpoint.open(0);
            final KeelException ex = assertThrows(KeelException.class,
                () -> pollUntil(endpoint, 100, Long.MAX_VALUE, endpoint::endOfInput));
            assertEquals("CONNECTOR_S3_NOT_FOUND", ex.code(), ex.getMessage());
            endpoint.agent().onClose();
        }
        try (S3InputEndpoint endpoint = endpoint(bucket + "-missing", ", \"prefix\": \"\""))
        {
            endpoint.open(0);
            final KeelException ex = assertThrows(KeelException.class,
                () -> pollUntil(endpoint, 100, Long.MAX_VALUE, endpoint::endOfInput));
            assertEquals("CONNECTOR_S3_REQUEST_FAILED", ex.code(), ex.getMessage());
            assertTrue(ex.getMessage().contains("404"), ex.getMessage());
            endpoint.agent().onClose();
        }
    }

    @Test
    void unreachableServerIsRetriedThenFailsNeverSilent() throws Exception
    {
        final int port;
        try (ServerSocket socket = new ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress()))
        {
            port = socket.getLocalPort();
        }
        final String transport = "{\"bucket_name\": \"b\", \"region\": \"us-east-1\", \"prefix\": \"\", " +
            "\"endpoint_url\": \"http://127.0.0.1:" + port + "\", \"max_retries\": 2, \"aws_access_key_id\": \"" +
            SyncFixture.ACCESS_KEY + "\", \"aws_secret_access_key\": \"" + SyncFixture.SECRET_KEY + "\"}";
        try (S3InputEndpoint endpoint = (S3InputEndpoint)new S3InputConnector().create(
            input(transport, "fail", "{\"name\": \"json\"}"), SCHEMA, new ConnectorContext()))
        {
            endpoint.open(0);
            final KeelException ex = assertThrows(KeelException.class,
                () -> pollUntil(endpoint, 100, Long.MAX_VALUE, endpoint::endOfInput));
            assertEquals("CONNECTOR_S3_UNAVAILABLE", ex.code(), ex.getMessage());
            assertTrue(ex.getMessage().contains("failed 3 times"), ex.getMessage());
            assertFalse(ex.getMessage().contains(SyncFixture.SECRET_KEY), ex.getMessage());
            assertFalse(endpoint.endOfInput());
            endpoint.agent().onClose();
        }
    }
}
