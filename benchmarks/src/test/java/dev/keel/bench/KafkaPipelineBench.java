package dev.keel.bench;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.keel.connector.kafka.KafkaBroker;
import dev.keel.engine.config.PipelineConfigParser;
import dev.keel.tools.KeelNode;
import dev.keel.tools.PrometheusExporter;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Properties;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * Kafka in -> keyed aggregate (the benchmark workload: per auction count, sum, max) -> Kafka out, in one node
 * (in-process {@link KeelNode}) against a real broker in a child JVM, {@code exactly_once} (journal, checkpoints,
 * Kafka transactions) against {@code none} (idempotent producer) in the same run, interleaved. Not a unit test and
 * not part of the default run: {@code -Dkeel.bench.kafka=true}, sizes by {@code -Dkeel.bench.kafka.events}
 * (default 1,000,000), {@code .keys} (100,000) and {@code .rounds} (2). A run ends when the input endpoint took
 * every event, the output's queue is empty and its committed-message counter stopped moving for a second; the score is events / (time of the last
 * output change - launch). Printed, not asserted.
 */
class KafkaPipelineBench
{
    private static final int EVENTS = Integer.getInteger("keel.bench.kafka.events", 1_000_000);
    private static final long KEYS = Long.getLong("keel.bench.kafka.keys", 100_000);
    private static final int ROUNDS = Integer.getInteger("keel.bench.kafka.rounds", 2);
    private static final ObjectMapper JSON = new ObjectMapper();

    @TempDir
    Path dir;

    @Test
    void exactlyOnceAgainstNone() throws Exception
    {
        assumeTrue(Boolean.getBoolean("keel.bench.kafka"), "set -Dkeel.bench.kafka=true to run");
        try (KafkaBroker broker = KafkaBroker.start(dir.resolve("broker")))
        {
            broker.createTopic("bids", 3);
            final long produceStart = System.nanoTime();
            produce(broker);
            System.out.printf("KafkaPipelineBench produced %,d events in %,d ms%n", EVENTS,
                TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - produceStart));
            final List<String> results = new ArrayList<>();
            for (int round = 0; round < ROUNDS; round++)
            {
                for (final String model : List.of("none", "exactly_once"))
                {
                    final String result = run(broker, model, round);
                    results.add(result);
                    System.out.println("KafkaPipelineBench " + result);
                }
            }
            System.out.println("KafkaPipelineBench summary " + results);
        }
    }

    private static void produce(final KafkaBroker broker)
    {
        final Properties props = new Properties();
        props.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, broker.bootstrapServers());
        props.put(ProducerConfig.LINGER_MS_CONFIG, "20");
        props.put(ProducerConfig.BATCH_SIZE_CONFIG, "262144");
        try (KafkaProducer<byte[], byte[]> producer =
            new KafkaProducer<>(props, new ByteArraySerializer(), new ByteArraySerializer()))
        {
            for (long i = 0; i < EVENTS; i++)
            {
                final long auction = Math.floorMod(i * 2654435761L, KEYS);
                final long bidder = Math.floorMod(i * 40503L, 100000L);
                final long price = 100 + Math.floorMod(i * 31L, 10000L);
                final String value = "{\"auction\":" + auction + ",\"bidder\":" + bidder + ",\"price\":" + price + "}";
                producer.send(new ProducerRecord<>("bids", value.getBytes(StandardCharsets.US_ASCII)));
            }
            producer.flush();
        }
    }

    private String run(final KafkaBroker broker, final String model, final int round) throws Exception
    {
        final String name = "bench-" + model.replace('_', '-') + "-" + round;
        final String out = "out-" + name;
        broker.createTopic(out, 3);
        final String servers = JSON.writeValueAsString(broker.bootstrapServers());
        final String config = "{\n" +
            "  \"name\": \"" + name + "\",\n" +
            ("none".equals(model) ? "  \"storage\": false,\n" :
            "  \"storage_config\": {\"path\": " + JSON.writeValueAsString(dir.resolve(name).toString()) + "},\n") +
            "  \"fault_tolerance\": {\"model\": \"" + model + "\", \"checkpoint_interval_secs\": 10},\n" +
            "  \"inputs\": {\"bids\": {\"stream\": \"bids\", \"max_batch_size\": 10000,\n" +
            "    \"transport\": {\"name\": \"kafka_input\", \"config\": {\"bootstrap.servers\": " + servers +
            ", \"topic\": \"bids\"}},\n" +
            "    \"format\": {\"name\": \"json\", \"config\": {\"update_format\": \"raw\"}}}},\n" +
            "  \"outputs\": {\"out\": {\"stream\": \"" + Workload.KeyedAggregate.VIEW + "\",\n" +
            "    \"transport\": {\"name\": \"kafka_output\", \"config\": {\"bootstrap.servers\": " + servers +
            ", \"topic\": \"" + out + "\", \"linger.ms\": 5}},\n" +
            "    \"format\": {\"name\": \"json\"}}}\n" +
            "}\n";
        final long start = System.nanoTime();
        long lastChangeNs = start;
        long outputs = -1;
        long inputs = 0;
        try (KeelNode node = KeelNode.launch(PipelineConfigParser.parse(config),
            new Workload.KeyedAggregate(KEYS).program()))
        {
            final long deadline = start + TimeUnit.MINUTES.toNanos(4);
            while (true)
            {
                assertTrue(System.nanoTime() < deadline && null == node.pipeline().failure(), name + " did not " +
                    "finish: in " + inputs + " out " + outputs + ", state " + node.pipeline().state() + ", failure " +
                    node.pipeline().failure() + "\n" + PrometheusExporter.export(node.pipeline().counters()));
                Thread.sleep(20);
                final String text = PrometheusExporter.export(node.pipeline().counters());
                inputs = sample(text, "input");
                final long now = sample(text, "output");
                if (now != outputs)
                {
                    outputs = now;
                    lastChangeNs = System.nanoTime();
                }
                else if (inputs >= EVENTS && 0 == buffered(text) &&
                    System.nanoTime() - lastChangeNs > TimeUnit.SECONDS.toNanos(1))
                {
                    if (Boolean.getBoolean("keel.bench.kafka.dump"))
                    {
                        Thread.getAllStackTraces().forEach((t, st) ->
                        {
                            if (t.getName().contains("keel") || t.getName().contains("output"))
                            {
                                System.out.println("KafkaPipelineBench thread " + t.getName() + " " +
                                    java.util.Arrays.toString(java.util.Arrays.copyOf(st, Math.min(8, st.length))));
                            }
                        });
                        System.out.println("KafkaPipelineBench counters " + text.lines()
                            .filter(l -> l.startsWith("keel_endpoint") || l.startsWith("keel_steps")).toList());
                    }
                    break;
                }
            }
        }
        final double seconds = (lastChangeNs - start) / 1e9;
        return String.format("%s round %d: %,d events, %,d output messages, %.2f s, %,.0f events/s", model, round,
            inputs, outputs, seconds, inputs / seconds);
    }

    private static long buffered(final String text)
    {
        final Matcher matcher = Pattern.compile("(?m)^keel_endpoint_buffered_records\\{[^}]*direction=\"output\"" +
            "[^}]*} (\\d+)$").matcher(text);
        return matcher.find() ? Long.parseLong(matcher.group(1)) : 0;
    }

    private static long sample(final String text, final String direction)
    {
        final Matcher matcher = Pattern.compile("(?m)^keel_endpoint_records_total\\{[^}]*direction=\"" + direction +
            "\"[^}]*} (\\d+)$").matcher(text);
        return matcher.find() ? Long.parseLong(matcher.group(1)) : 0;
    }
}
