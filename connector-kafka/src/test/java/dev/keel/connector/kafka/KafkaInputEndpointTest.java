package dev.keel.connector.kafka;

import dev.keel.engine.KeelException;
import dev.keel.engine.data.ZSetBatch;
import org.agrona.ExpandableDirectByteBuffer;
import org.agrona.concurrent.SystemNanoClock;
import org.agrona.concurrent.UnsafeBuffer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.function.BooleanSupplier;

import static dev.keel.connector.kafka.KafkaTestSupport.SCHEMA;
import static dev.keel.connector.kafka.KafkaTestSupport.ids;
import static dev.keel.connector.kafka.KafkaTestSupport.input;
import static dev.keel.connector.kafka.KafkaTestSupport.produce;
import static dev.keel.connector.kafka.KafkaTestSupport.row;
import static org.junit.jupiter.api.Assertions.*;

/**
 * {@code kafka_input} against a real broker (one per class): start_from, per-partition position tokens, replay of
 * exactly the journaled ranges, partitions added later, and both error policies. The endpoint's agent is driven on
 * the test thread.
 */
class KafkaInputEndpointTest
{
    @TempDir
    static Path dir;
    static KafkaBroker broker;

    @BeforeAll
    static void startBroker() throws Exception
    {
        broker = KafkaBroker.start(dir.resolve("broker"));
    }

    @AfterAll
    static void stopBroker() throws Exception
    {
        broker.close();
    }

    private KafkaInputEndpoint endpoint(final String topic, final String extra)
    {
        return endpoint(topic, extra, "fail");
    }

    private KafkaInputEndpoint endpoint(final String topic, final String extra, final String onError)
    {
        return (KafkaInputEndpoint)new KafkaInputConnector().create(input("{\"bootstrap.servers\": \"" +
            broker.bootstrapServers() + "\", \"topic\": \"" + topic + "\", \"partition_discovery_interval_ms\": 100" +
            extra + "}", onError), SCHEMA, new dev.keel.engine.connector.ConnectorContext());
    }

    /** Runs the agent and polls (at most {@code max} per poll, bounded by {@code stop}) until {@code done}. */
    private static List<Long> pollUntil(
        final KafkaInputEndpoint endpoint, final int max, final long stop, final BooleanSupplier done)
        throws Exception
    {
        final ZSetBatch batch = new ZSetBatch(SCHEMA);
        final List<Long> ids = new ArrayList<>();
        final long deadline = System.nanoTime() + 30_000_000_000L;
        while (!done.getAsBoolean())
        {
            assertTrue(System.nanoTime() < deadline, "timed out at position " + endpoint.position() + " " + ids);
            endpoint.agent().doWork();
            batch.clear();
            endpoint.poll(batch, max, stop);
            ids.addAll(ids(batch));
        }
        return ids;
    }

    private static List<Long> take(final KafkaInputEndpoint endpoint, final int count) throws Exception
    {
        final List<Long> ids = new ArrayList<>();
        final ZSetBatch batch = new ZSetBatch(SCHEMA);
        final long deadline = System.nanoTime() + 30_000_000_000L;
        while (ids.size() < count)
        {
            assertTrue(System.nanoTime() < deadline, "timed out with " + ids);
            endpoint.agent().doWork();
            batch.clear();
            endpoint.poll(batch, count - ids.size(), Long.MAX_VALUE);
            ids.addAll(ids(batch));
        }
        return ids;
    }

    private static byte[] token(final KafkaInputEndpoint endpoint)
    {
        final ExpandableDirectByteBuffer buffer = new ExpandableDirectByteBuffer(64);
        final int length = endpoint.positionToken(buffer);
        final byte[] token = new byte[length];
        buffer.getBytes(0, token);
        return token;
    }

    private static List<Long> sorted(final List<Long> ids)
    {
        final List<Long> copy = new ArrayList<>(ids);
        Collections.sort(copy);
        return copy;
    }

    private static List<Long> range(final long from, final long to)
    {
        final List<Long> ids = new ArrayList<>();
        for (long i = from; i <= to; i++)
        {
            ids.add(i);
        }
        return ids;
    }

    private static void produceIds(final String topic, final int partition, final long from, final long to)
    {
        final List<String> values = new ArrayList<>();
        for (long i = from; i <= to; i++)
        {
            values.add(row(i));
        }
        produce(broker, topic, partition, values.toArray(new String[0]));
    }

    @Test
    void earliestReadsEveryPartitionFromItsBeginning() throws Exception
    {
        broker.createTopic("earliest", 3);
        produceIds("earliest", 0, 1, 10);
        produceIds("earliest", 1, 11, 20);
        produceIds("earliest", 2, 21, 30);
        try (KafkaInputEndpoint endpoint = endpoint("earliest", ""))
        {
            endpoint.open(0);
            endpoint.live();
            assertEquals(range(1, 30), sorted(take(endpoint, 30)));
            assertEquals(30, endpoint.position());
        }
    }

    @Test
    void latestSkipsWhatWasThereAndOffsetsStartWhereTold() throws Exception
    {
        broker.createTopic("latest", 2);
        produceIds("latest", 0, 1, 5);
        produceIds("latest", 1, 6, 10);
        try (KafkaInputEndpoint endpoint = endpoint("latest", ", \"start_from\": \"latest\""))
        {
            endpoint.open(0);
            endpoint.live();
            // the endpoint resolved the end offsets once its token names both partitions
            pollUntil(endpoint, 100, Long.MAX_VALUE, () -> token(endpoint).length > PositionToken.HEADER_LENGTH + 40);
            produceIds("latest", 0, 11, 12);
            produceIds("latest", 1, 13, 14);
            assertEquals(range(11, 14), sorted(take(endpoint, 4)));
        }
        try (KafkaInputEndpoint endpoint = endpoint("latest", ", \"start_from\": {\"offsets\": [3, 4]}"))
        {
            endpoint.open(0);
            endpoint.live();
            // partition 0: ids 1..5 then 11, 12 -> from offset 3: 4, 5, 11, 12; partition 1: 6..10, 13, 14 -> 10, 13, 14
            assertEquals(List.of(4L, 5L, 10L, 11L, 12L, 13L, 14L), sorted(take(endpoint, 7)));
        }
    }

    @Test
    void replayReadsExactlyTheJournaledRangesAndResumesAfterThem() throws Exception
    {
        broker.createTopic("replay", 3);
        for (int round = 0; round < 4; round++)
        {
            for (int p = 0; p < 3; p++)
            {
                final long base = 1 + round * 30 + p * 10;
                produceIds("replay", p, base, base + 9);
            }
        }
        // the live run: steps of 17 records each, with their positions and tokens
        final List<Long> positions = new ArrayList<>();
        final List<byte[]> tokens = new ArrayList<>();
        final List<List<Long>> steps = new ArrayList<>();
        try (KafkaInputEndpoint live = endpoint("replay", ""))
        {
            live.open(0);
            live.live();
            for (int step = 0; step < 5; step++)
            {
                steps.add(sorted(take(live, 17)));
                positions.add(live.position());
                tokens.add(token(live));
            }
        }
        // replay from the beginning (no checkpoint): every step reads exactly its records
        try (KafkaInputEndpoint replay = endpoint("replay", ""))
        {
            replay.open(0);
            for (int step = 0; step < 5; step++)
            {
                final long target = positions.get(step);
                replay.replayBound(target, new UnsafeBuffer(tokens.get(step)), 0, tokens.get(step).length);
                final List<Long> ids = pollUntil(replay, Integer.MAX_VALUE, target, () -> replay.position() == target);
                assertEquals(steps.get(step), sorted(ids), "step " + step);
                assertArrayEquals(tokens.get(step), token(replay), "token after step " + step);
            }
            replay.live();
            final List<Long> rest = take(replay, 120 - 85);
            final List<Long> all = new ArrayList<>(rest);
            steps.forEach(all::addAll);
            assertEquals(range(1, 120), sorted(all), "nothing lost, nothing twice");
        }
        // restart at the checkpoint after step 2, replay steps 3 and 4, then live
        try (KafkaInputEndpoint restored = endpoint("replay", ""))
        {
            final byte[] checkpoint = tokens.get(1);
            restored.open(positions.get(1), new UnsafeBuffer(checkpoint), 0, checkpoint.length);
            for (int step = 2; step < 5; step++)
            {
                final long target = positions.get(step);
                restored.replayBound(target, new UnsafeBuffer(tokens.get(step)), 0, tokens.get(step).length);
                final List<Long> ids = pollUntil(restored, Integer.MAX_VALUE, target,
                    () -> restored.position() == target);
                assertEquals(steps.get(step), sorted(ids), "step " + step);
            }
            restored.live();
            final List<Long> all = new ArrayList<>(take(restored, 120 - 85));
            steps.forEach(all::addAll);
            assertEquals(range(1, 120), sorted(all));
        }
    }

    @Test
    void partitionsAddedLaterAreReadFromTheirBeginning() throws Exception
    {
        broker.createTopic("grow", 1);
        produceIds("grow", 0, 1, 5);
        final byte[] checkpoint;
        final long checkpointPosition;
        try (KafkaInputEndpoint endpoint = endpoint("grow", ", \"start_from\": \"latest\""))
        {
            endpoint.open(0);
            endpoint.live();
            pollUntil(endpoint, 100, Long.MAX_VALUE, () -> token(endpoint).length > PositionToken.HEADER_LENGTH);
            produceIds("grow", 0, 6, 7);
            assertEquals(List.of(6L, 7L), sorted(take(endpoint, 2)));
            checkpoint = token(endpoint);
            checkpointPosition = endpoint.position();
            broker.addPartitions("grow", 3);
            produceIds("grow", 1, 8, 9);
            produceIds("grow", 2, 10, 11);
            assertEquals(List.of(8L, 9L, 10L, 11L), sorted(take(endpoint, 4)));
        }
        // a restart from the token taken before the partitions existed reads them from their beginning too
        try (KafkaInputEndpoint endpoint = endpoint("grow", ", \"start_from\": \"latest\""))
        {
            endpoint.open(checkpointPosition, new UnsafeBuffer(checkpoint), 0, checkpoint.length);
            endpoint.live();
            assertEquals(List.of(8L, 9L, 10L, 11L), sorted(take(endpoint, 4)));
            assertEquals(checkpointPosition + 4, endpoint.position());
        }
    }

    @Test
    void malformedMessagesAreSkippedOrFailNamingTheOffset() throws Exception
    {
        broker.createTopic("bad", 1);
        produce(broker, "bad", 0, row(1), "{\"insert\": {\"id\": \"x\"}}", row(3));
        try (KafkaInputEndpoint endpoint = endpoint("bad", "", "skip"))
        {
            endpoint.open(0);
            endpoint.live();
            assertEquals(List.of(1L, 3L), take(endpoint, 2));
            assertEquals(1, endpoint.skippedRecords());
        }
        try (KafkaInputEndpoint endpoint = endpoint("bad", "", "fail"))
        {
            endpoint.open(0);
            endpoint.live();
            assertEquals(List.of(1L), take(endpoint, 1));
            final KeelException error = assertThrows(KeelException.class, () -> take(endpoint, 1));
            assertEquals("CONNECTOR_PARSE_ERROR", error.code());
            assertTrue(error.getMessage().contains("topic bad partition 0 offset 1"), error.getMessage());
        }
    }
}
