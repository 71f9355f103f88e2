package dev.keel.connector.kafka;

import dev.keel.engine.config.FaultToleranceModel;
import dev.keel.engine.connector.ConnectorContext;
import dev.keel.engine.data.RowWriter;
import dev.keel.engine.data.ZSetBatch;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import static dev.keel.connector.kafka.KafkaTestSupport.SCHEMA;
import static dev.keel.connector.kafka.KafkaTestSupport.output;
import static dev.keel.connector.kafka.KafkaTestSupport.readCommitted;
import static dev.keel.connector.kafka.KafkaTestSupport.values;
import static org.junit.jupiter.api.Assertions.*;

/**
 * {@code kafka_output} against a real broker: with {@code exactly_once} each step's rows are committed in Kafka
 * transactions carrying the Keel transaction id, a restarted endpoint (same transactional id) skips the steps the
 * topic already holds, an open transaction of a dead incarnation is aborted; without it the producer is idempotent.
 */
class KafkaOutputEndpointTest
{
    @TempDir
    static Path dir;
    static KafkaBroker broker;

    private final RowWriter writer = new RowWriter(SCHEMA);

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

    private KafkaOutputEndpoint endpoint(final String topic, final FaultToleranceModel model)
    {
        return (KafkaOutputEndpoint)new KafkaOutputConnector().create(output("{\"bootstrap.servers\": \"" +
            broker.bootstrapServers() + "\", \"topic\": \"" + topic + "\", \"linger.ms\": 0}"), SCHEMA,
            new ConnectorContext().pipelineName("test-" + topic).faultToleranceModel(model));
    }

    private ZSetBatch step(final long transaction)
    {
        final ZSetBatch batch = new ZSetBatch(SCHEMA);
        for (int i = 0; i < 3; i++)
        {
            writer.reset().putLong(0, transaction * 10 + i).putString(1, "s" + transaction).finish();
            batch.add(writer, 1);
        }
        return batch;
    }

    private static String line(final long id, final long transaction)
    {
        return "{\"insert\":{\"id\":" + id + ",\"symbol\":\"s" + transaction + "\"}}";
    }

    private void offerAll(final KafkaOutputEndpoint endpoint, final long from, final long to) throws Exception
    {
        for (long t = from; t <= to; t++)
        {
            final ZSetBatch batch = step(t);
            final long deadline = System.nanoTime() + 30_000_000_000L;
            while (!endpoint.offer(t, batch))
            {
                assertTrue(System.nanoTime() < deadline);
                endpoint.agent().doWork();
            }
        }
    }

    private static void awaitDelivered(final KafkaOutputEndpoint endpoint, final long transaction) throws Exception
    {
        endpoint.onDurable(transaction); // what the circuit does once the journal has the steps
        endpoint.flush();
        final long deadline = System.nanoTime() + 60_000_000_000L;
        while (endpoint.deliveredTransactionId() < transaction)
        {
            assertTrue(System.nanoTime() < deadline, "delivered " + endpoint.deliveredTransactionId());
            endpoint.agent().doWork();
            endpoint.checkError();
        }
    }

    private static List<String> expected(final long from, final long to)
    {
        final List<String> lines = new ArrayList<>();
        for (long t = from; t <= to; t++)
        {
            for (int i = 0; i < 3; i++)
            {
                lines.add(line(t * 10 + i, t));
            }
        }
        return lines;
    }

    /**
     * The committed messages once there are at least {@code count}: commit markers reach the partitions (and the
     * last stable offset moves) shortly after {@code commitTransaction} returns.
     */
    private static Map<Integer, List<ConsumerRecord<byte[], byte[]>>> awaitCommitted(
        final String topic, final int count) throws Exception
    {
        final long deadline = System.nanoTime() + 30_000_000_000L;
        while (true)
        {
            final Map<Integer, List<ConsumerRecord<byte[], byte[]>>> records = readCommitted(broker, topic);
            if (values(records).size() >= count || System.nanoTime() > deadline)
            {
                Thread.sleep(200);
                return readCommitted(broker, topic); // and nothing more arrives after it
            }
            Thread.sleep(100);
        }
    }

    private static List<String> sorted(final List<String> values)
    {
        final List<String> copy = new ArrayList<>(values);
        copy.sort(null);
        return copy;
    }

    @Test
    void exactlyOnceCommitsEachStepOnceAcrossRestarts() throws Exception
    {
        broker.createTopic("eo", 2);
        try (KafkaOutputEndpoint endpoint = endpoint("eo", FaultToleranceModel.EXACTLY_ONCE))
        {
            endpoint.open();
            offerAll(endpoint, 1, 5);
            awaitDelivered(endpoint, 5);
            endpoint.agent().onClose();
        }
        final Map<Integer, List<ConsumerRecord<byte[], byte[]>>> first = awaitCommitted("eo", 15);
        assertEquals(sorted(expected(1, 5)), sorted(values(first)));
        final ConsumerRecord<byte[], byte[]> record = first.values().stream().filter(l -> !l.isEmpty())
            .findFirst().orElseThrow().get(0);
        assertEquals("keel-test-eo-out", new String(record.headers().lastHeader(KafkaOutputEndpoint.PRODUCER_HEADER)
            .value(), StandardCharsets.US_ASCII));
        final long txn = Long.parseLong(new String(record.headers().lastHeader(KafkaOutputEndpoint.TRANSACTION_HEADER)
            .value(), StandardCharsets.US_ASCII));
        assertEquals(txn, Long.parseLong(new String(record.value(), StandardCharsets.UTF_8)
            .replaceAll(".*\"s(\\d+)\".*", "$1")), "the header names the step of the row");

        // an incarnation that dies with an open transaction (never committed, never closed)
        final KafkaOutputEndpoint zombie = endpoint("eo", FaultToleranceModel.EXACTLY_ONCE);
        zombie.restore(0, 3);
        zombie.agent().doWork(); // starts: initTransactions, reads back 5
        assertEquals(5, zombie.deliveredTransactionId(), "the topic holds steps up to 5");
        offerAll(zombie, 4, 5);
        // step 6 of the zombie is larger than one duty cycle reads: sent into an open Kafka transaction, not committed
        final ZSetBatch big = new ZSetBatch(SCHEMA);
        for (int i = 0; i < 6000; i++)
        {
            writer.reset().putLong(0, 1_000_000 + i).putString(1, "zombie").finish();
            big.add(writer, 1);
        }
        while (!zombie.offer(6, big))
        {
            zombie.agent().doWork();
        }
        zombie.agent().doWork();
        assertEquals(5, zombie.deliveredTransactionId(), "step 6 is not committed");
        // ... and is replaced: a restart from a checkpoint at step 2 replays steps 3..8
        try (KafkaOutputEndpoint endpoint = endpoint("eo", FaultToleranceModel.EXACTLY_ONCE))
        {
            endpoint.restore(2, 2);
            offerAll(endpoint, 3, 8);
            awaitDelivered(endpoint, 8);
            endpoint.agent().onClose();
        }
        assertEquals(sorted(expected(1, 8)), sorted(values(awaitCommitted("eo", 24))),
            "each step exactly once: the zombie's open transaction is aborted, steps 3..5 skipped");
    }

    @Test
    void aCommitNeverCarriesPartOfAStep() throws Exception
    {
        broker.createTopic("partial", 1);
        try (KafkaOutputEndpoint endpoint = endpoint("partial", FaultToleranceModel.EXACTLY_ONCE))
        {
            endpoint.open();
            endpoint.agent().doWork(); // starts the producer
            offerAll(endpoint, 1, 1);
            // step 2 is larger than one duty cycle reads: a commit due after that read (the flush asks for one)
            // must wait for the step's end, or a restart would take the half-committed step 2 for a committed one
            final ZSetBatch big = new ZSetBatch(SCHEMA);
            for (int i = 0; i < 6000; i++)
            {
                writer.reset().putLong(0, 1_000_000 + i).putString(1, "s2").finish();
                big.add(writer, 1);
            }
            while (!endpoint.offer(2, big))
            {
                endpoint.agent().doWork();
            }
            endpoint.onDurable(2);
            endpoint.flush();
            endpoint.agent().doWork(); // step 1, its end and part of step 2
            Thread.sleep(500); // commit markers reach the partition shortly after the commit returns
            final long partialRows = values(readCommitted(broker, "partial")).stream()
                .filter(v -> v.contains("\"s2\"")).count();
            assertTrue(0 == partialRows, partialRows + " rows of the unfinished step 2 were committed");
            awaitDelivered(endpoint, 2);
            endpoint.agent().onClose();
        }
        final List<String> committed = values(awaitCommitted("partial", 6003));
        assertEquals(6003, committed.size());
        assertEquals(6000, committed.stream().filter(v -> v.contains("\"s2\"")).count());
    }

    @Test
    void exactlyOnceHoldsStepsUntilTheyAreDurable() throws Exception
    {
        broker.createTopic("held", 1);
        try (KafkaOutputEndpoint endpoint = endpoint("held", FaultToleranceModel.EXACTLY_ONCE))
        {
            assertTrue(endpoint.holdsUntilDurable(), "exactly_once offers a step before its journal sync");
            endpoint.open();
            offerAll(endpoint, 1, 3);
            endpoint.onDurable(2);
            endpoint.flush();
            for (int i = 0; i < 50; i++)
            {
                endpoint.agent().doWork();
                Thread.sleep(10);
            }
            assertEquals(KafkaOutputEndpoint.NO_TRANSACTION, endpoint.deliveredTransactionId(),
                "the transaction holding steps 1-3 waits for step 3 to be durable");
            assertEquals(List.of(), values(readCommitted(broker, "held")), "nothing visible before it is durable");
            awaitDelivered(endpoint, 3);
            endpoint.agent().onClose();
        }
        assertEquals(sorted(expected(1, 3)), sorted(values(awaitCommitted("held", 9))));
    }

    @Test
    void withoutExactlyOnceTheIdempotentProducerDeliversAfterAcks() throws Exception
    {
        broker.createTopic("alo", 1);
        try (KafkaOutputEndpoint endpoint = endpoint("alo", FaultToleranceModel.AT_LEAST_ONCE))
        {
            assertFalse(endpoint.settings().transactional());
            assertFalse(endpoint.holdsUntilDurable(), "at least once: offered once durable, nothing to hold");
            endpoint.open();
            offerAll(endpoint, 1, 4);
            awaitDelivered(endpoint, 4);
            endpoint.agent().onClose();
        }
        assertEquals(expected(1, 4), values(awaitCommitted("alo", 12)), "one partition keeps the order");
    }
}
