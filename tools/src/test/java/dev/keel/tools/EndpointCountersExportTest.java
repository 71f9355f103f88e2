package dev.keel.tools;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.keel.engine.config.PipelineConfigParser;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** A file-to-file run publishes each endpoint's records, bytes, errors and buffered counters to Prometheus. */
class EndpointCountersExportTest
{
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final int TRADES = 2_000;
    private static final int MALFORMED_EVERY = 700;

    @TempDir
    Path dir;

    @Test
    void fileInputAndOutputCountRecordsBytesAndSkippedRecords() throws Exception
    {
        final StringBuilder trades = new StringBuilder();
        for (int i = 1; i <= TRADES; i++)
        {
            trades.append("{\"id\":").append(i).append(",\"symbol\":\"S").append(i % 7)
                .append("\",\"price\":").append(100 + i % 50).append(",\"qty\":").append(1 + i % 9)
                .append(",\"ts\":").append(1_000L * i).append("}\n");
            if (i % MALFORMED_EVERY == 0)
            {
                trades.append("{\"id\": not json\n");
            }
        }
        final Path input = dir.resolve("trades.json");
        Files.writeString(input, trades, StandardCharsets.UTF_8);
        final Path output = dir.resolve("vwap.json");
        final String config = "{\n" +
            "  \"name\": \"metrics\",\n" +
            "  \"program\": \"trades-vwap\",\n" +
            "  \"storage\": false,\n" +
            "  \"fault_tolerance\": {\"model\": \"none\"},\n" +
            "  \"threading_mode\": \"dedicated\",\n" +
            "  \"inputs\": {\"trades\": {\"stream\": \"trades\", \"max_batch_size\": 300, \"on_error\": \"skip\",\n" +
            "    \"transport\": {\"name\": \"file_input\", \"config\": {\"path\": " +
            JSON.writeValueAsString(input.toString()) + "}},\n" +
            "    \"format\": {\"name\": \"json\", \"config\": {\"update_format\": \"raw\"}}}},\n" +
            "  \"outputs\": {\"vwap\": {\"stream\": \"vwap\",\n" +
            "    \"transport\": {\"name\": \"file_output\", \"config\": {\"path\": " +
            JSON.writeValueAsString(output.toString()) + "}},\n" +
            "    \"format\": {\"name\": \"json\"}}}\n" +
            "}\n";

        try (KeelNode node = KeelNode.launch(
            PipelineConfigParser.parse(config), ProgramRegistry.resolve("trades-vwap")))
        {
            assertTrue(node.pipeline().awaitCompletion(Duration.ofSeconds(60)), () -> "state " +
                node.pipeline().state() + ", failure " + node.pipeline().failure());
            final String in = "{pipeline=\"metrics\",endpoint=\"trades\",direction=\"input\"}";
            final String out = "{pipeline=\"metrics\",endpoint=\"vwap\",direction=\"output\"}";
            // the agents refresh the buffered gauges on their next duty cycle after the last hand-over
            String metrics = PrometheusExporter.export(node.pipeline().counters());
            final long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
            while ((value(metrics, "keel_endpoint_buffered_records" + in) != 0 ||
                value(metrics, "keel_endpoint_buffered_bytes" + out) != 0) && System.nanoTime() < deadline)
            {
                Thread.sleep(10);
                metrics = PrometheusExporter.export(node.pipeline().counters());
            }

            assertTrue(metrics.contains("# TYPE keel_endpoint_records_total counter\n"), metrics);
            assertTrue(metrics.contains("# TYPE keel_endpoint_buffered_records gauge\n"), metrics);
            assertEquals(TRADES, value(metrics, "keel_endpoint_records_total" + in), metrics);
            assertEquals(Files.size(input), value(metrics, "keel_endpoint_bytes_total" + in), metrics);
            assertEquals(TRADES / MALFORMED_EVERY, value(metrics, "keel_endpoint_errors_total" + in), metrics);
            assertEquals(0, value(metrics, "keel_endpoint_buffered_records" + in), metrics);
            assertEquals(0, value(metrics, "keel_endpoint_buffered_bytes" + in), metrics);

            final long lines = Files.readAllLines(output).size();
            assertTrue(lines > 7, "several steps wrote changes: " + lines);
            assertEquals(lines, value(metrics, "keel_endpoint_records_total" + out), metrics);
            assertEquals(Files.size(output), value(metrics, "keel_endpoint_bytes_total" + out), metrics);
            assertEquals(0, value(metrics, "keel_endpoint_errors_total" + out), metrics);
            assertEquals(0, value(metrics, "keel_endpoint_buffered_records" + out), metrics);
            assertEquals(0, value(metrics, "keel_endpoint_buffered_bytes" + out), metrics);
        }
    }

    private static long value(final String metrics, final String sample)
    {
        final Matcher m = Pattern.compile("(?m)^" + Pattern.quote(sample) + " (-?\\d+)$").matcher(metrics);
        assertTrue(m.find(), "no sample " + sample + " in\n" + metrics);
        return Long.parseLong(m.group(1));
    }
}
