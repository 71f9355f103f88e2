package dev.keel.tools;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.keel.checkpoint.FileCheckpointStore;
import dev.keel.engine.api.Keel;
import dev.keel.engine.KeelException;
import dev.keel.engine.api.EngineContext;
import dev.keel.engine.api.KeelPipeline;
import dev.keel.engine.config.FaultToleranceModel;
import dev.keel.engine.config.ThreadingMode;
import dev.keel.engine.data.Column;
import dev.keel.engine.data.ColumnType;
import dev.keel.engine.data.Schema;
import dev.keel.engine.spi.CheckpointStore;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;

import static org.junit.jupiter.api.Assertions.*;

/**
 * The client commands ({@code keel status}, {@code checkpoint create|status}, {@code pause}, {@code resume},
 * {@code stop}, {@code sync}, {@code activate}, {@code approve}) against a real pipeline served by a real
 * {@link ControlServer} on loopback: their output, the errors of the API printed once with their code, and the exit
 * codes (1 API error or failed operation, 2 usage, 3 cannot connect).
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class NodeCommandsTest
{
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Schema SCHEMA = Schema.of(Column.of("k", ColumnType.INT64));

    @TempDir
    Path dir;

    private String out;
    private String err;

    @Test
    void statusCheckpointPauseResumeAgainstARunningNode() throws Exception
    {
        try (KeelPipeline pipeline = launch(new FileCheckpointStore(
            new FileCheckpointStore.Context().storageDir(dir.resolve("store"))));
            ControlServer server = ControlServer.start(new ControlServer.Context().pipeline(pipeline)
                .pipelineName("ctl")))
        {
            final String port = String.valueOf(server.port());
            assertEquals(0, keel("status", "--port", port), err);
            assertTrue(out.contains("pipeline     ctl"), out);
            assertTrue(out.contains("status       Running"), out);
            assertTrue(out.contains("records      in 0, out 0, errors 0"), out);
            assertTrue(out.contains("checkpoints  0 taken, 0 failed; last request succeeded: none"), out);
            assertTrue(out.contains("sync         not configured"), out);
            assertEquals("", err);

            assertEquals(0, keel("status", "--json", "--url", "http://127.0.0.1:" + port));
            final JsonNode status = JSON.readTree(out);
            assertEquals("ctl", status.get("name").asText());
            assertEquals("Running", status.get("deployment_status").asText());

            assertEquals(0, keel("checkpoint", "create", "--wait", "--port", port), err);
            assertTrue(out.startsWith("checkpoint #1 requested"), out);
            assertTrue(out.contains("checkpoint #1: done after "), out);
            assertEquals(0, keel("checkpoint", "status", "--seq", "1", "--port", port, "--pipeline", "ctl"), err);
            assertEquals("checkpoint #1: Success\n", out);
            assertEquals(0, keel("checkpoint", "status", "--port", port), err);
            assertTrue(out.contains("last succeeded: #1") && out.contains("last failed:    none"), out);
            assertEquals(0, keel("checkpoint", "status", "--json", "--port", port), err);
            assertEquals(1, JSON.readTree(out).get("success").asLong(), out);
            assertEquals(0, keel("checkpoint", "create", "--port", port), err);
            assertEquals("checkpoint #2 requested\n", out, "without --wait: the sequence number only");
            assertEquals(0, keel("status", "--port", port), err);
            assertTrue(out.contains("checkpoints  1 taken") || out.contains("checkpoints  2 taken"), out);

            assertEquals(0, keel("pause", "--port", port), err);
            assertEquals("pipeline 'ctl': Paused\n", out);
            assertEquals(0, keel("status", "--port", port), err);
            assertTrue(out.contains("status       Paused"), out);
            assertEquals(0, keel("resume", "--port", port), err);
            assertEquals("pipeline 'ctl': Running\n", out);

            // no sync configured: the API's 409, printed once with its code
            assertEquals(1, keel("sync", "--wait", "--port", port));
            assertOneError("[SYNC_NOT_CONFIGURED] ", "(HTTP 409 on POST /v0/pipelines/ctl/checkpoint/sync)");
            assertEquals("", out);

            // another pipeline name: 404 naming the one the node runs
            assertEquals(1, keel("status", "--port", port, "--pipeline", "other"));
            assertOneError("[UNKNOWN_PIPELINE_NAME] unknown pipeline 'other': this node runs 'ctl'", "HTTP 404");
            assertEquals(1, keel("checkpoint", "create", "--port", port, "--pipeline", "other"));
            assertOneError("[UNKNOWN_PIPELINE_NAME] ", "HTTP 404");

            // activate and approve: this build may still answer 501; whatever the node answers is shown once
            for (final String command : new String[]{ "activate", "approve" })
            {
                final int code = keel(command, "--port", port);
                if (0 == code)
                {
                    assertTrue(out.startsWith("pipeline 'ctl': "), out);
                }
                else
                {
                    assertEquals(1, code, err);
                    assertOneError("keel: [", "(HTTP ");
                }
            }
        }
    }

    @Test
    void failedCheckpointAndFailedPipelineExitOne() throws Exception
    {
        final CheckpointStore store = new FailingOnceCheckpointStore(
            new FileCheckpointStore(new FileCheckpointStore.Context().storageDir(dir.resolve("store"))));
        try (KeelPipeline pipeline = launch(store);
            ControlServer server = ControlServer.start(new ControlServer.Context().pipeline(pipeline)
                .pipelineName("ctl")))
        {
            final String port = String.valueOf(server.port());
            assertEquals(1, keel("checkpoint", "create", "--wait", "--port", port));
            assertTrue(out.contains("checkpoint #1: failed after "), out);
            assertOneError("keel: checkpoint #1 failed: ", "injected");
            assertEquals(1, keel("checkpoint", "status", "--seq", "1", "--port", port));
            assertTrue(out.startsWith("checkpoint #1: Failure: ") && out.contains("injected"), out);
            assertEquals(0, keel("checkpoint", "status", "--port", port), err);
            assertTrue(out.contains("last failed:    #1 at ") && out.contains("injected"), out);
            assertEquals(0, keel("checkpoint", "status", "--seq", "7", "--port", port), err);
            assertEquals("checkpoint #7: Unknown\n", out);

            pipeline.circuit().lifecycle().onError(new KeelException(KeelException.Category.CONNECTOR,
                "INPUT_PARSE_ERROR", "endpoint 'in': bad record"));
            assertEquals(1, keel("status", "--port", port));
            assertTrue(out.contains("status       Failed"), out);
            final long errorLines = Arrays.stream(out.split("\n")).filter(l -> l.contains("bad record")).count();
            assertEquals(1, errorLines, out);
            assertTrue(out.contains("error        [INPUT_PARSE_ERROR] "), out);
            assertEquals(1, keel("status", "--json", "--port", port));
            assertEquals("Failed", JSON.readTree(out).get("deployment_status").asText());
            assertEquals(1, keel("resume", "--port", port));
            assertOneError("[ILLEGAL_PIPELINE_ACTION] ", "HTTP 409");
        }
    }

    @Test
    void aWaitThatRunsOutOfItsTimeoutExitsFour() throws Exception
    {
        final java.util.concurrent.CountDownLatch gate = new java.util.concurrent.CountDownLatch(1);
        final GatedCheckpointStore store = new GatedCheckpointStore(
            new FileCheckpointStore(new FileCheckpointStore.Context().storageDir(dir.resolve("store"))), gate);
        try (KeelPipeline pipeline = launch(store);
            ControlServer server = ControlServer.start(new ControlServer.Context().pipeline(pipeline)
                .pipelineName("ctl")))
        {
            try
            {
                final String port = String.valueOf(server.port());
                assertEquals(4, keel("checkpoint", "create", "--wait", "--timeout", "1", "--port", port));
                assertTrue(out.startsWith("checkpoint #1 requested\n") && out.contains("checkpoint #1: timed out"),
                    out);
                assertOneError("keel: checkpoint #1 did not finish within 1s (--timeout)", "keel status");
                assertEquals(0, keel("checkpoint", "status", "--seq", "1", "--port", port), err);
                assertEquals("checkpoint #1: InProgress\n", out);
            }
            finally
            {
                gate.countDown();
            }
        }
    }

    /** Fault injection around a real store: begin() waits for the gate, as a stalled disk would. */
    private static final class GatedCheckpointStore implements CheckpointStore
    {
        private final CheckpointStore delegate;
        private final java.util.concurrent.CountDownLatch gate;

        GatedCheckpointStore(final CheckpointStore delegate, final java.util.concurrent.CountDownLatch gate)
        {
            this.delegate = delegate;
            this.gate = gate;
        }

        public dev.keel.engine.spi.PendingCheckpoint begin(final dev.keel.engine.spi.CheckpointMetadata metadata,
            final dev.keel.engine.state.PagedArena.Snapshot snapshot)
        {
            try
            {
                gate.await(30, TimeUnit.SECONDS);
            }
            catch (final InterruptedException ex)
            {
                Thread.currentThread().interrupt();
            }
            return delegate.begin(metadata, snapshot);
        }

        public java.util.Optional<dev.keel.engine.spi.LoadedCheckpoint> loadLatest()
        {
            return delegate.loadLatest();
        }

        public void restoreInto(final dev.keel.engine.spi.LoadedCheckpoint checkpoint,
            final dev.keel.engine.state.PagedArena arena)
        {
            delegate.restoreInto(checkpoint, arena);
        }

        public List<dev.keel.engine.spi.CheckpointInfo> list()
        {
            return delegate.list();
        }

        public void close()
        {
            delegate.close();
        }
    }

    @Test
    void bearerTokenOnAndOff() throws Exception
    {
        final String secret = "cli-" + System.nanoTime();
        final Path tokenFile = dir.resolve("token");
        Files.writeString(tokenFile, secret + "\n");
        try (KeelPipeline pipeline = launch(null);
            ControlServer server = ControlServer.start(new ControlServer.Context().pipeline(pipeline)
                .pipelineName("ctl").bearerToken(secret)))
        {
            final String port = String.valueOf(server.port());
            assertEquals(1, keel("status", "--port", port));
            assertOneError("[UNAUTHORIZED] ", "--token");
            assertEquals(1, keel("status", "--port", port, "--token", "wrong"));
            assertOneError("[UNAUTHORIZED] ", "HTTP 401");
            assertFalse(err.contains(secret));
            assertEquals(0, keel("status", "--port", port, "--token", secret), err);
            assertTrue(out.contains("status       Running"), out);
            assertTrue(out.contains("checkpoints  none (no storage configured)"), out);
            assertEquals(0, keel("status", "--port", port, "--token-file", tokenFile.toString()), err);
            assertFalse(out.contains(secret), out);

            // no store: checkpoint create is the API's 409
            assertEquals(1, keel("checkpoint", "create", "--port", port, "--token-file", tokenFile.toString()));
            assertOneError("[NO_CHECKPOINT_STORE] ", "HTTP 409");

            assertEquals(2, keel("status", "--port", port, "--token", secret, "--token-file", tokenFile.toString()));
            assertTrue(err.contains("--token and --token-file are exclusive"), err);
            Files.writeString(tokenFile, " \n");
            assertEquals(2, keel("status", "--port", port, "--token-file", tokenFile.toString()));
            assertTrue(err.contains("is empty"), err);
        }
    }

    @Test
    void stopWaitsUntilTheNodeIsGoneAndA501IsShownOnce() throws Exception
    {
        final List<Boolean> stops = new CopyOnWriteArrayList<>();
        final AtomicReference<ControlServer> ref = new AtomicReference<>();
        try (KeelPipeline pipeline = launch(null);
            ControlServer server = ControlServer.start(new ControlServer.Context().pipeline(pipeline)
                .pipelineName("ctl").stopHandler(force ->
                {
                    stops.add(force);
                    // the host closes the server on its own thread, as keel run's main thread does
                    new Thread(() -> ref.get().close()).start();
                }));
            ControlServer embedded = ControlServer.start(new ControlServer.Context().pipeline(pipeline)
                .pipelineName("ctl")))
        {
            ref.set(server);
            // a server without a stop handler answers 501: printed once, clearly
            assertEquals(1, keel("stop", "--port", String.valueOf(embedded.port())));
            assertOneError("[NOT_SUPPORTED] ", "(HTTP 501 on POST /v0/pipelines/ctl/stop): this node does not " +
                "support it yet");

            assertEquals(0, keel("stop", "--force", "--wait", "--port", String.valueOf(server.port())), err);
            assertEquals(List.of(true), stops);
            assertTrue(out.startsWith("pipeline 'ctl': stopping without a checkpoint on close\n"), out);
            assertTrue(out.contains("stop: done after "), out);
            assertEquals(3, keel("status", "--port", String.valueOf(server.port())), "the node is gone");
            assertOneError("cannot connect to http://127.0.0.1:" + server.port(), "--port");
        }
    }

    @Test
    void cannotConnectAndUsageErrors() throws Exception
    {
        final int free;
        try (ServerSocket socket = new ServerSocket(0, 1, InetAddress.getLoopbackAddress()))
        {
            free = socket.getLocalPort();
        }
        for (final String[] command : new String[][]{ { "status" }, { "checkpoint", "create", "--wait" },
            { "checkpoint", "status" }, { "sync" }, { "pause" }, { "resume" }, { "stop" }, { "activate" },
            { "approve" } })
        {
            final List<String> args = new ArrayList<>(List.of(command));
            args.addAll(List.of("--port", String.valueOf(free)));
            assertEquals(3, keel(args.toArray(new String[0])), String.join(" ", command) + ": " + err);
            assertOneError("keel: cannot connect to http://127.0.0.1:" + free, "is the node running");
        }
        assertEquals(2, keel("status", "--url", "ftp://127.0.0.1:1"));
        assertTrue(err.contains("--url = 'ftp://127.0.0.1:1' is invalid; allowed: http://HOST:PORT"), err);
        assertEquals(2, keel("status", "--url", "http://127.0.0.1:1", "--port", "1"));
        assertTrue(err.contains("exclusive"), err);
        assertEquals(2, keel("status", "--port", "70000"));
        assertTrue(err.contains("--port = 70000 is invalid"), err);
        assertEquals(2, keel("checkpoint", "create", "--timeout", "0", "--port", String.valueOf(free)));
        assertTrue(err.contains("--timeout = 0 is invalid"), err);
        assertEquals(2, keel("checkpoint", "status", "--seq", "0", "--port", String.valueOf(free)));
        assertTrue(err.contains("--seq = 0 is invalid"), err);
        assertEquals(2, keel("status", "--bogus"));
        assertTrue(err.contains("--bogus"), err);
    }

    @Test
    void everyCommandHasMeaningfulHelp()
    {
        final List<String> commands = new ArrayList<>();
        collect(new CommandLine(new KeelCli()), commands);
        assertTrue(commands.containsAll(List.of("keel status", "keel checkpoint create", "keel checkpoint status",
            "keel checkpoint list", "keel sync", "keel activate", "keel approve", "keel pause", "keel resume",
            "keel stop", "keel run")), commands.toString());
        for (final String command : commands)
        {
            final List<String> args = new ArrayList<>(Arrays.asList(command.split(" ")).subList(1,
                command.split(" ").length));
            args.add("--help");
            assertEquals(0, keel(args.toArray(new String[0])), command + ": " + err);
            assertTrue(out.startsWith("Usage: " + command), command + ": " + out);
            final String[] lines = out.split("\n");
            assertTrue(lines.length > 3 && Arrays.stream(lines).anyMatch(l -> l.length() > 30 &&
                !l.startsWith("Usage:") && !l.trim().startsWith("-")), "a description: " + out);
            assertTrue(out.contains("--help"), out);
        }
        assertEquals(0, keel("status", "--help"));
        assertTrue(out.contains("--pipeline=NAME") && out.contains("--token=TOKEN") && out.contains("Exit codes"),
            out);
    }

    @Test
    void pauseAndResumeEachShowTheirOwnHelp()
    {
        assertEquals(0, keel("pause", "--help"), err);
        assertTrue(out.startsWith("Usage: keel pause"), out);
        assertTrue(out.contains("Pause a running pipeline: its inputs stop being read (POST .../pause)."), out);
        assertTrue(out.contains("--port") && out.contains("Exit codes"), out);
        assertFalse(out.contains("resume"), out);

        assertEquals(0, keel("resume", "--help"), err);
        assertTrue(out.startsWith("Usage: keel resume"), out);
        assertTrue(out.contains("Resume a paused pipeline (POST .../resume)."), out);
        assertTrue(out.contains("--port") && out.contains("Exit codes"), out);
        assertFalse(out.contains("Pause a running"), out);
    }

    private static void collect(final CommandLine command, final List<String> into)
    {
        into.add(command.getCommandSpec().qualifiedName());
        command.getSubcommands().values().forEach(sub -> collect(sub, into));
    }

    /** The error printed to stderr: one line, starting with {@code keel: }, holding both texts. */
    private void assertOneError(final String first, final String second)
    {
        final List<String> lines = Arrays.stream(err.split("\n")).filter(l -> !l.isBlank()).toList();
        assertEquals(1, lines.size(), "the error once: " + err);
        assertTrue(lines.get(0).startsWith("keel: "), err);
        assertTrue(lines.get(0).contains(first) && lines.get(0).contains(second), err);
    }

    private int keel(final String... args)
    {
        final StringWriter o = new StringWriter();
        final StringWriter e = new StringWriter();
        final int code = KeelCli.execute(new PrintWriter(o), new PrintWriter(e), args);
        out = o.toString();
        err = e.toString();
        return code;
    }

    private KeelPipeline launch(final CheckpointStore store)
    {
        final EngineContext ctx = new EngineContext().threadingMode(ThreadingMode.SHARED).pipelineName("ctl");
        if (null != store)
        {
            ctx.faultTolerance()
                .faultToleranceModel(FaultToleranceModel.NONE)
                .checkpointStore(store)
                .checkpointRequestsDir(dir.resolve("checkpoints"));
        }
        return Keel.launch(ctx, p -> p.view("out", p.zsetTable("in", SCHEMA)));
    }
}
