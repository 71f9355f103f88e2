package dev.keel.tools;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.keel.connector.kafka.KafkaBroker;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.Random;
import java.util.concurrent.TimeUnit;

import static dev.keel.tools.CrashHarness.SEED;
import static org.junit.jupiter.api.Assertions.*;

/**
 * Kafka in -> trades-vwap -> Kafka out with {@code exactly_once}, real {@code keel run} processes and a real broker
 * (a child JVM, {@link KafkaBroker}):
 * <ul>
 *   <li>SIGKILLed at seeded random moments and restarted on the same storage, the final {@code read_committed}
 *   output, applied in order, never deletes a row that is not there and equals the aggregates of the input (what an
 *   uninterrupted run computes, {@link CrashHarness#baseline}): nothing lost, nothing repeated;</li>
 *   <li>the broker SIGKILLed and restarted under a running pipeline: the pipeline reconnects, and again the
 *   output is exactly the aggregates.</li>
 * </ul>
 */
@Tag("crash")
class KafkaCrashLoopTest
{
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final int TRADES = Integer.getInteger("keel.kafka.crash.trades", 20_000);
    private static final int KILLS = Integer.getInteger("keel.kafka.crash.kills", 3);

    @TempDir
    static Path shared;
    static KafkaBroker broker;

    @TempDir
    Path dir;

    @BeforeAll
    static void startBroker() throws Exception
    {
        broker = KafkaBroker.start(shared.resolve("broker"));
    }

    @AfterAll
    static void stopBroker() throws Exception
    {
        broker.close();
    }

    @Test
    void exactlyOnceSurvivesSigkillOfThePipeline() throws Exception
    {
        final String in = "trades-crash";
        final String out = "vwap-crash";
        broker.createTopic(in, 3);
        broker.createTopic(out, 1);
        final List<String> trades = Files.readAllLines(new CrashHarness(dir).writeTrades(TRADES, 23));
        final Path config = writeConfig("crash", in, out);
        produce(in, trades.subList(0, TRADES / 2));

        final Random random = new Random(SEED);
        System.out.println("KafkaCrashLoopTest seed " + SEED + " (rerun with -Dkeel.crash.seed=" + SEED + ")");
        final StringBuilder log = new StringBuilder();
        for (int kill = 0; kill < KILLS; kill++)
        {
            final Path runLog = dir.resolve("run-" + kill + ".log");
            final Process process = start(config, runLog);
            // the first SIGKILL lands once a checkpoint committed, so there is one to restore; the others once the
            // node runs (JVM start on a loaded machine takes longer than the kills are spread over), anywhere in
            // recovery, replay, live steps, output transactions and checkpoints
            awaitLine(runLog, process, 0 == kill ? "committed at step" : "running program");
            final long delayMs = random.nextInt(2000);
            assertFalse(process.waitFor(delayMs, TimeUnit.MILLISECONDS), "run " + kill + " exited: " +
                Files.readString(runLog));
            process.destroyForcibly();
            process.waitFor();
            log.append("kill@").append(delayMs).append("ms ");
            if (kill == KILLS / 2)
            {
                produce(in, trades.subList(TRADES / 2, TRADES)); // more input while the pipeline is down
            }
        }
        final Path runLog = dir.resolve("run-final.log");
        final Process process = start(config, runLog);
        try
        {
            awaitAggregates(out, trades, process, runLog);
        }
        finally
        {
            process.destroy();
            process.waitFor(30, TimeUnit.SECONDS);
        }
        String all = Files.readString(runLog);
        for (int kill = 0; kill < KILLS; kill++)
        {
            all += Files.readString(dir.resolve("run-" + kill + ".log"));
        }
        final int restores = all.split("\\) restored \\(", -1).length - 1;
        log.append("restores=").append(restores).append(' ');
        assertTrue(restores > 0, "a restart restored a checkpoint: " + log);
        System.out.println("KafkaCrashLoopTest " + log + "done");
    }

    @Test
    void pipelineReconnectsAfterTheBrokerIsKilledAndRestarted() throws Exception
    {
        final String in = "trades-broker";
        final String out = "vwap-broker";
        broker.createTopic(in, 2);
        broker.createTopic(out, 1);
        final List<String> trades = Files.readAllLines(new CrashHarness(dir).writeTrades(10_000, 29));
        final Path config = writeConfig("brokerkill", in, out);
        produce(in, trades.subList(0, 5_000));
        final Path runLog = dir.resolve("run.log");
        final Process process = start(config, runLog);
        try
        {
            awaitAggregates(out, trades.subList(0, 5_000), process, runLog);
            broker.kill();
            Thread.sleep(1500);
            assertTrue(process.isAlive(), "the pipeline outlives the broker: " + Files.readString(runLog));
            broker.start();
            produce(in, trades.subList(5_000, 10_000));
            awaitAggregates(out, trades, process, runLog);
        }
        finally
        {
            process.destroy();
            process.waitFor(30, TimeUnit.SECONDS);
        }
    }

    private Path writeConfig(final String name, final String in, final String out) throws Exception
    {
        final String servers = JSON.writeValueAsString(broker.bootstrapServers());
        final String config = "{\n" +
            "  \"name\": \"" + name + "\",\n" +
            "  \"program\": \"trades-vwap\",\n" +
            "  \"storage_config\": {\"path\": " + JSON.writeValueAsString(dir.resolve("storage").toString()) + "},\n" +
            "  \"fault_tolerance\": {\"model\": \"exactly_once\", \"checkpoint_interval_secs\": 1},\n" +
            "  \"threading_mode\": \"shared\",\n" +
            "  \"inputs\": {\"trades\": {\"stream\": \"trades\", \"max_batch_size\": 50,\n" +
            "    \"transport\": {\"name\": \"kafka_input\", \"config\": {\"bootstrap.servers\": " + servers + ", " +
            "\"topic\": \"" + in + "\", \"reconnect.backoff.max.ms\": 500}},\n" +
            "    \"format\": {\"name\": \"json\", \"config\": {\"update_format\": \"raw\"}}}},\n" +
            "  \"outputs\": {\"vwap\": {\"stream\": \"vwap\",\n" +
            "    \"transport\": {\"name\": \"kafka_output\", \"config\": {\"bootstrap.servers\": " + servers + ", " +
            "\"topic\": \"" + out + "\", \"reconnect.backoff.max.ms\": 500}},\n" +
            "    \"format\": {\"name\": \"json\"}}}\n" +
            "}\n";
        final Path file = dir.resolve(name + ".json");
        Files.writeString(file, config);
        return file;
    }

    private static Process start(final Path config, final Path log) throws Exception
    {
        final List<String> command = new ArrayList<>();
        command.addAll(CrashHarness.keelCommand("-Xmx512m"));
        command.add("run");
        command.add("--config");
        command.add(config.toString());
        return new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(log.toFile()).start();
    }

    private static void awaitLine(final Path log, final Process process, final String text) throws Exception
    {
        final long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
        while (process.isAlive() && !(Files.exists(log) && Files.readString(log).contains(text)))
        {
            assertTrue(System.nanoTime() < deadline, "no '" + text + "' in " + log);
            Thread.sleep(20);
        }
    }

    private static void produce(final String topic, final List<String> values)
    {
        final Properties props = new Properties();
        props.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, broker.bootstrapServers());
        try (KafkaProducer<byte[], byte[]> producer =
            new KafkaProducer<>(props, new ByteArraySerializer(), new ByteArraySerializer()))
        {
            for (final String value : values)
            {
                producer.send(new ProducerRecord<>(topic, value.getBytes(StandardCharsets.UTF_8)));
            }
            producer.flush();
        }
    }

    /** Waits until the committed output, applied in order, equals the aggregates of {@code trades}. */
    private void awaitAggregates(final String topic, final List<String> trades, final Process process,
        final Path runLog) throws Exception
    {
        final Path tradesFile = dir.resolve("expected-trades.json");
        Files.write(tradesFile, trades);
        final Map<String, List<Long>> expected = RunCommandTest.aggregates(tradesFile);
        final Path output = dir.resolve("output.json");
        final long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(90);
        Map<String, List<Long>> actual = Map.of();
        while (!expected.equals(actual))
        {
            assertTrue(process.isAlive(), "pipeline exited: " + Files.readString(runLog));
            assertTrue(System.nanoTime() < deadline, "output " + actual + " never reached " + expected + "\n" +
                Files.readString(runLog));
            Thread.sleep(500);
            Files.write(output, readCommitted(topic));
            actual = RunCommandTest.applyChanges(output);
        }
    }

    private static List<String> readCommitted(final String topic)
    {
        final Properties props = new Properties();
        props.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, broker.bootstrapServers());
        props.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
        final List<String> values = new ArrayList<>();
        try (KafkaConsumer<byte[], byte[]> consumer =
            new KafkaConsumer<>(props, new ByteArrayDeserializer(), new ByteArrayDeserializer()))
        {
            final TopicPartition partition = new TopicPartition(topic, 0);
            consumer.assign(List.of(partition));
            consumer.seekToBeginning(List.of(partition));
            final long end = consumer.endOffsets(List.of(partition)).get(partition);
            while (consumer.position(partition) < end)
            {
                for (final ConsumerRecord<byte[], byte[]> record : consumer.poll(Duration.ofMillis(100)))
                {
                    values.add(new String(record.value(), StandardCharsets.UTF_8));
                }
            }
        }
        return values;
    }
}
