package dev.keel.connector.s3;

import dev.keel.engine.connector.ConnectorContext;
import dev.keel.sync.LoopbackProxy;
import dev.keel.sync.SyncFixture;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.core.async.AsyncRequestBody;

import java.util.ArrayList;
import java.util.List;

import static dev.keel.connector.s3.S3InputEndpointTest.SCHEMA;
import static dev.keel.connector.s3.S3InputEndpointTest.input;
import static dev.keel.connector.s3.S3InputEndpointTest.pollUntil;
import static dev.keel.connector.s3.S3InputEndpointTest.range;
import static dev.keel.connector.s3.S3InputEndpointTest.rows;
import static org.junit.jupiter.api.Assertions.*;

/**
 * The S3 server goes away in the middle of an object (a loopback proxy in front of S3Mock is stopped: refused and
 * reset connections) and comes back on the same address: the endpoint retries, then reads on, and every record
 * arrives exactly once.
 */
class S3InputOutageTest
{
    @Test
    void serverStoppedAndRestartedMidObjectLosesNothing() throws Exception
    {
        final SyncFixture s3 = SyncFixture.shared();
        final String bucket = s3.newBucket();
        s3.admin.putObject(b -> b.bucket(bucket).key("o/big.json"), AsyncRequestBody.fromString(rows(1, 20_000)))
            .join();
        try (LoopbackProxy proxy = new LoopbackProxy(s3.s3Port).start())
        {
            final String transport = "{\"bucket_name\": \"" + bucket + "\", \"region\": \"us-east-1\", " +
                "\"prefix\": \"o/\", \"endpoint_url\": \"http://127.0.0.1:" + proxy.port() + "\", " +
                "\"max_retries\": 10, \"read_chunk_bytes\": 65536, \"aws_access_key_id\": \"" +
                SyncFixture.ACCESS_KEY + "\", \"aws_secret_access_key\": \"" + SyncFixture.SECRET_KEY + "\"}";
            try (S3InputEndpoint endpoint = (S3InputEndpoint)new S3InputConnector().create(
                input(transport, "fail", "{\"name\": \"json\"}"), S3InputEndpointTest.SCHEMA, new ConnectorContext()))
            {
                endpoint.open(0);
                final List<Long> ids = new ArrayList<>(
                    pollUntil(endpoint, 100, Long.MAX_VALUE, () -> endpoint.position() >= 1000));
                proxy.stop();
                final long outageEndNs = System.nanoTime() + 1_500_000_000L;
                ids.addAll(pollUntil(endpoint, 100, Long.MAX_VALUE, () -> System.nanoTime() > outageEndNs));
                assertTrue(endpoint.position() < 20_000, "the outage stopped the reading at " + endpoint.position());
                assertFalse(endpoint.endOfInput());
                proxy.start();
                ids.addAll(pollUntil(endpoint, 100, Long.MAX_VALUE, endpoint::endOfInput));
                assertEquals(range(1, 20_000), ids);
                endpoint.agent().onClose();
            }
        }
    }
}
