package dev.keel.tools;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.keel.engine.KeelException;
import dev.keel.engine.circuit.PipelineState;
import dev.keel.engine.config.PipelineConfigParser;
import dev.keel.engine.examples.TradesVwap;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.util.Random;

import static org.junit.jupiter.api.Assertions.*;

/**
 * A node's restart memory on real storage: {@code status.json} (deployment id, desired status, bootstrap policy)
 * across restarts and when damaged, and changing {@code fault_tolerance.model} on existing storage in both
 * directions (exactly_once -> at_least_once -> exactly_once), with the output checked against the trades.
 */
class RestartMemoryTest
{
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String[] SYMBOLS = { "AAPL", "MSFT", "GOOG", "JPM", "TSLA" };

    @TempDir
    Path dir;

    private final Random random = new Random(3);
    private int tradeCount;

    @Test
    void deploymentIdSurvivesRestartsAndAPausedPipelineRestartsPaused() throws Exception
    {
        appendTrades(500);
        final java.util.UUID id;
        try (KeelNode node = launch("exactly_once", true))
        {
            awaitAllTrades();
            id = node.deploymentId();
            final JsonNode written = JSON.readTree(storage().resolve(StatusFile.NAME).toFile());
            assertEquals(id.toString(), written.get("deployment_id").asText());
            assertEquals("Running", written.get("desired_status").asText());
            assertEquals("allow", written.get("bootstrap_policy").asText());
            // paused when it stops: the node records it at the stop
            node.pipeline().pause();
        }
        assertEquals("Paused", JSON.readTree(storage().resolve(StatusFile.NAME).toFile())
            .get("desired_status").asText());

        appendTrades(500);
        try (KeelNode node = launch("exactly_once", true))
        {
            assertEquals(id, node.deploymentId(), "the deployment id is kept across restarts");
            assertEquals(PipelineState.PAUSED, node.pipeline().circuit().lifecycle().await(10,
                java.util.concurrent.TimeUnit.SECONDS, PipelineState.PAUSED, PipelineState.RUNNING),
                "stopped paused, restarts paused (after the replay)");
            Thread.sleep(500);
            assertEquals(PipelineState.PAUSED, node.pipeline().state());
            assertNotEquals(RunCommandTest.aggregates(trades()), RunCommandTest.applyChanges(output()),
                "no live step runs while paused");
            node.pipeline().resume();
            node.recordDesiredStatus(PipelineState.RUNNING);
            awaitAllTrades();
        }
        assertEquals(RunCommandTest.aggregates(trades()), RunCommandTest.applyChanges(output()));
        final JsonNode last = JSON.readTree(storage().resolve(StatusFile.NAME).toFile());
        assertEquals("Running", last.get("desired_status").asText());
        assertEquals(id.toString(), last.get("deployment_id").asText());
    }

    private void awaitAllTrades() throws Exception
    {
        final long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
        while (Files.notExists(output()) ||
            !RunCommandTest.aggregates(trades()).equals(RunCommandTest.applyChanges(output())))
        {
            assertTrue(System.nanoTime() < deadline, "the output did not catch up with the trades");
            Thread.sleep(50);
        }
    }

    @Test
    void damagedStatusFileIsRefusedNamingItAndDeletingItIsSafe() throws Exception
    {
        appendTrades(300);
        try (KeelNode node = launch("exactly_once"))
        {
            complete(node);
        }
        final Path status = storage().resolve(StatusFile.NAME);
        final byte[] whole = Files.readAllBytes(status);
        Files.write(status, java.util.Arrays.copyOf(whole, whole.length / 2));
        final KeelException torn = assertThrows(KeelException.class, () -> launch("exactly_once").close());
        assertEquals("STATUS_FILE_CORRUPT", torn.code());
        assertTrue(torn.getMessage().contains(status.toString()), torn.getMessage());

        Files.writeString(status, "{\"deployment_id\": \"" + java.util.UUID.randomUUID() + "\", " +
            "\"desired_status\": \"Sleeping\", \"bootstrap_policy\": \"allow\"}");
        final KeelException bad = assertThrows(KeelException.class, () -> launch("exactly_once").close());
        assertTrue(bad.getMessage().contains("$.desired_status") && bad.getMessage().contains(status.toString()),
            bad.getMessage());

        Files.delete(status);
        appendTrades(300);
        try (KeelNode node = launch("exactly_once"))
        {
            complete(node);
        }
        assertEquals(RunCommandTest.aggregates(trades()), RunCommandTest.applyChanges(output()),
            "the checkpoints are kept: nothing lost or repeated");
    }

    @Test
    void faultToleranceModelChangesOnExistingStorageInBothDirections() throws Exception
    {
        appendTrades(1_000);
        try (KeelNode node = launch("exactly_once"))
        {
            complete(node);
        }
        appendTrades(1_000);
        try (KeelNode node = launch("at_least_once"))
        {
            complete(node);
        }
        assertEquals(RunCommandTest.aggregates(trades()), RunCommandTest.applyChanges(output()),
            "exactly_once -> at_least_once resumes from the checkpoint's input positions");
        appendTrades(1_000);
        try (KeelNode node = launch("exactly_once"))
        {
            complete(node);
        }
        assertEquals(RunCommandTest.aggregates(trades()), RunCommandTest.applyChanges(output()),
            "at_least_once -> exactly_once: the old journal is fenced, not replayed");

        // and exactly_once keeps working from there: a restart replays only the new journal
        appendTrades(500);
        try (KeelNode node = launch("exactly_once"))
        {
            complete(node);
        }
        assertEquals(RunCommandTest.aggregates(trades()), RunCommandTest.applyChanges(output()));
    }

    // ------------------------------------------------------------------------------------------------------------

    private KeelNode launch(final String model) throws IOException
    {
        return launch(model, false);
    }

    private KeelNode launch(final String model, final boolean follow) throws IOException
    {
        final Path config = dir.resolve("pipeline.json");
        Files.writeString(config, "{\n" +
            "  \"name\": \"m\",\n" +
            "  \"program\": \"" + TradesVwap.NAME + "\",\n" +
            "  \"storage_config\": {\"path\": " + JSON.writeValueAsString(storage().toString()) + "},\n" +
            "  \"fault_tolerance\": {\"model\": \"" + model + "\"},\n" +
            "  \"threading_mode\": \"shared\",\n" +
            "  \"inputs\": {\"trades\": {\"stream\": \"trades\", \"max_batch_size\": 100,\n" +
            "    \"transport\": {\"name\": \"file_input\", \"config\": {\"path\": " +
            JSON.writeValueAsString(trades().toString()) + (follow ? ", \"follow\": true" : "") + "}},\n" +
            "    \"format\": {\"name\": \"json\", \"config\": {\"update_format\": \"raw\"}}}},\n" +
            "  \"outputs\": {\"vwap\": {\"stream\": \"vwap\",\n" +
            "    \"transport\": {\"name\": \"file_output\", \"config\": {\"path\": " +
            JSON.writeValueAsString(output().toString()) + "}},\n" +
            "    \"format\": {\"name\": \"json\"}}}\n" +
            "}\n");
        return KeelNode.launch(PipelineConfigParser.parse(config), new TradesVwap());
    }

    private static void complete(final KeelNode node) throws InterruptedException
    {
        assertTrue(node.pipeline().awaitCompletion(Duration.ofSeconds(30)), "pipeline did not complete");
    }

    private Path storage()
    {
        return dir.resolve("storage");
    }

    private Path trades()
    {
        return dir.resolve("trades.json");
    }

    private Path output()
    {
        return dir.resolve("vwap.json");
    }

    private void appendTrades(final int count) throws IOException
    {
        final StringBuilder sb = new StringBuilder();
        for (int i = 0; i < count; i++)
        {
            tradeCount++;
            sb.append("{\"id\":").append(tradeCount)
                .append(",\"symbol\":\"").append(SYMBOLS[random.nextInt(SYMBOLS.length)])
                .append("\",\"price\":").append(100 + random.nextInt(10_000))
                .append(",\"qty\":").append(1 + random.nextInt(100))
                .append(",\"ts\":").append(1_000_000L * tradeCount).append("}\n");
        }
        Files.writeString(trades(), sb, StandardOpenOption.CREATE, StandardOpenOption.APPEND);
    }
}
