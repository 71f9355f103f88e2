package dev.keel.tools;

import com.fasterxml.jackson.databind.JsonNode;
import dev.keel.tools.NodeClient.Answer;
import dev.keel.tools.NodeClient.ClientException;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

import java.io.PrintWriter;
import java.time.Duration;
import java.util.Iterator;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.Callable;

/**
 * The {@code keel} commands that drive a running node through its control API ({@link ControlServer}):
 * {@code status}, {@code pause}, {@code resume}, {@code stop}, {@code sync}, {@code activate}, {@code approve}
 * (and, in {@link CheckpointCommand}, {@code checkpoint create|status}). Exit codes are {@link NodeClient}'s: 0
 * done, 1 API error or the awaited operation failed (the pipeline failed, for {@code status}), 2 usage, 3 cannot
 * connect, 4 {@code --wait} timed out.
 */
final class NodeCommands
{
    static final String EXIT_CODES = "%nExit codes: 0 done, 1 the API answered an error or the operation failed, " +
        "2 usage error, 3 cannot connect to the node, 4 --wait timed out.";
    static final long POLL_MS = 100;

    private NodeCommands()
    {
    }

    /** What a poll of a {@code --wait} found. */
    record Poll(boolean finished, String failure, long done, long total)
    {
        static Poll pending(final long done, final long total)
        {
            return new Poll(false, null, done, total);
        }

        static Poll succeeded()
        {
            return new Poll(true, null, 0, 0);
        }

        static Poll failed(final String error)
        {
            return new Poll(true, error, 0, 0);
        }
    }

    /**
     * Polls until {@code check} reports the end, showing progress; a failure or the time-out ends the command
     * with its exit code and the error, printed once by {@link KeelCli}.
     */
    static void await(final PrintWriter out, final String label, final Progress.Unit unit, final Duration timeout,
        final java.util.function.Supplier<Poll> check)
    {
        final Progress progress = Progress.forConsole(out, label, unit);
        final long startNs = System.nanoTime();
        final long deadlineNs = startNs + timeout.toNanos();
        progress.begin(startNs);
        while (true)
        {
            final Poll poll = check.get();
            final long nowNs = System.nanoTime();
            if (poll.finished)
            {
                progress.finish(nowNs, null == poll.failure ? "done" : "failed");
                if (null != poll.failure)
                {
                    throw new ClientException(NodeClient.EXIT_API_ERROR, 0, null, label + " failed: " + poll.failure);
                }
                return;
            }
            progress.update(nowNs, poll.done, poll.total);
            if (nowNs - deadlineNs >= 0)
            {
                progress.finish(nowNs, "timed out");
                throw new ClientException(NodeClient.EXIT_TIMEOUT, 0, null, label + " did not finish within " +
                    timeout.toSeconds() + "s (--timeout); it may still finish: see keel status");
            }
            try
            {
                Thread.sleep(POLL_MS);
            }
            catch (final InterruptedException ex)
            {
                Thread.currentThread().interrupt();
                throw new ClientException(NodeClient.EXIT_API_ERROR, 0, null, label + ": interrupted");
            }
        }
    }

    /** A metric of the {@code /stats} body: a global one, or summed over the entries of a group. */
    static long metric(final JsonNode stats, final String group, final String name)
    {
        if (null == group)
        {
            final JsonNode value = stats.path("global_metrics").get(name);
            return null == value ? 0 : value.asLong();
        }
        long sum = 0;
        for (final JsonNode entry : stats.path(group))
        {
            sum += entry.path("metrics").path(name).asLong();
        }
        return sum;
    }

    static Duration timeout(final long seconds, final CommandSpec spec)
    {
        if (seconds < 1)
        {
            throw new picocli.CommandLine.ParameterException(spec.commandLine(),
                "--timeout = " + seconds + " is invalid; allowed: seconds >= 1");
        }
        return Duration.ofSeconds(seconds);
    }

    @Command(name = "status",
        description = "Show a running pipeline's deployment status, its error if it failed, and its record, " +
            "checkpoint and sync figures. Exits 1 if the pipeline failed.",
        footer = EXIT_CODES)
    static final class Status implements Callable<Integer>
    {
        /** What the node answers for pipeline routes while it has no pipeline yet (starting, in STANDBY). */
        private static final String NOT_READY = "PIPELINE_NOT_READY";

        private static final Set<String> SHOWN = Set.of(
            "name", "deployment_status", "pipeline_complete", "state", "errors", "deployment_error");

        @Spec
        CommandSpec spec;

        @Mixin
        ApiOptions api;

        @Option(names = "--json", description = "Print the body of GET /v0/pipelines/NAME as it is.")
        boolean json;

        public Integer call()
        {
            final NodeClient client = api.client();
            final PrintWriter out = spec.commandLine().getOut();
            final Answer status = client.pipelineCall("GET", "");
            final boolean failed = "Failed".equals(status.json().path("deployment_status").asText());
            if (json)
            {
                out.print(status.raw());
                out.flush();
                return failed ? NodeClient.EXIT_API_ERROR : 0;
            }
            final JsonNode s = status.json();
            final JsonNode stats = client.pipelineCall("GET", "/stats").json();
            row(out, "pipeline", s.path("name").asText());
            row(out, "status", s.path("deployment_status").asText() + (s.path("pipeline_complete").asBoolean() ?
                " (complete: every input ended, all output delivered)" : ""));
            final JsonNode error = s.get("deployment_error");
            if (null != error && !error.isNull())
            {
                row(out, "error", "[" + error.path("error_code").asText() + "] " + error.path("message").asText());
            }
            for (final Iterator<Map.Entry<String, JsonNode>> it = s.fields(); it.hasNext(); )
            {
                // what a newer node adds (bootstrap changes, standby details) is shown as it is
                final Map.Entry<String, JsonNode> field = it.next();
                if (!SHOWN.contains(field.getKey()))
                {
                    row(out, field.getKey(), field.getValue().isTextual() ? field.getValue().asText() :
                        field.getValue().toString());
                }
            }
            row(out, "records", "in " + metric(stats, null, "records_in") + ", out " +
                metric(stats, null, "records_out") + ", errors " + metric(stats, null, "errors"));
            final long replayBytes = metric(stats, null, "replay_journal_bytes");
            row(out, "steps", metric(stats, null, "steps") + " (replayed " + metric(stats, null, "replayed_steps") +
                (replayBytes > 0 ? ", " + Progress.bytes(metric(stats, null, "replayed_journal_bytes")) + " of " +
                Progress.bytes(replayBytes) + " of journal" : "") +
                ", pending " + metric(stats, null, "pending_steps") + ")");
            row(out, "checkpoints", checkpoints(client, stats));
            row(out, "sync", sync(client, stats));
            out.flush();
            return failed ? NodeClient.EXIT_API_ERROR : 0;
        }

        private static String checkpoints(final NodeClient client, final JsonNode stats)
        {
            final Answer answer = client.pipelineCallAllowing("GET", "/checkpoint_status", "NO_CHECKPOINT_STORE",
                NOT_READY);
            if (null == answer.json())
            {
                return NOT_READY.equals(answer.raw()) ? "not yet (no pipeline launched)" : "none (no storage configured)";
            }
            final StringBuilder sb = new StringBuilder();
            sb.append(metric(stats, null, "checkpoints")).append(" taken, ")
                .append(metric(stats, null, "checkpoint_failures")).append(" failed");
            final long step = metric(stats, null, "checkpoint_step");
            if (step > 0)
            {
                sb.append(", newest at step ").append(step);
            }
            final JsonNode success = answer.json().get("success");
            sb.append("; last request succeeded: ").append(null == success || success.isNull() ? "none" :
                "#" + success.asLong());
            final JsonNode failure = answer.json().get("failure");
            if (null != failure && !failure.isNull())
            {
                sb.append("; last failed: #").append(failure.path("sequence_number").asLong()).append(" at ")
                    .append(failure.path("failed_at").asText()).append(": ").append(failure.path("error").asText());
            }
            return sb.toString();
        }

        private static String sync(final NodeClient client, final JsonNode stats)
        {
            final Answer answer = client.pipelineCallAllowing("GET", "/checkpoint/sync_status", "SYNC_NOT_CONFIGURED",
                NOT_READY);
            if (null == answer.json())
            {
                return NOT_READY.equals(answer.raw()) ? "not yet (no pipeline launched)" : "not configured";
            }
            final StringBuilder sb = new StringBuilder();
            for (final JsonNode bucket : stats.path("buckets"))
            {
                sb.append(bucket.path("name").asText()).append(": ");
            }
            sb.append(metric(stats, "buckets", "sync_pushes")).append(" pushes, ")
                .append(metric(stats, "buckets", "sync_push_failures")).append(" failed, ")
                .append(Progress.bytes(metric(stats, "buckets", "sync_bytes_transferred"))).append(" transferred");
            final long total = metric(stats, "buckets", "sync_operation_bytes");
            if (total > 0)
            {
                sb.append(", in progress ")
                    .append(Progress.bytes(metric(stats, "buckets", "sync_operation_bytes_done")))
                    .append(" of ").append(Progress.bytes(total));
            }
            final JsonNode success = answer.json().get("success");
            sb.append("; last synced checkpoint: ").append(null == success || success.isNull() ? "none" :
                success.asText());
            return sb.toString();
        }

        private static void row(final PrintWriter out, final String key, final String value)
        {
            out.printf("%-12s %s%n", key, value);
        }
    }

    /**
     * A POST that changes a running pipeline's state ({@code pause}, {@code resume}) and prints the state the node
     * answers with. Each subclass carries its own {@link Command} annotation, so its help is its own.
     */
    abstract static class StateChange implements Callable<Integer>
    {
        @Spec
        CommandSpec spec;

        @Mixin
        ApiOptions api;

        private final String action;

        StateChange(final String action)
        {
            this.action = action;
        }

        public Integer call()
        {
            final NodeClient client = api.client();
            final JsonNode body = client.pipelineCall("POST", "/" + action).json();
            spec.commandLine().getOut().println("pipeline '" + client.pipeline() + "': " +
                body.path("deployment_status").asText());
            spec.commandLine().getOut().flush();
            return 0;
        }
    }

    @Command(name = "pause",
        description = "Pause a running pipeline: its inputs stop being read (POST .../pause).",
        footer = EXIT_CODES)
    static final class Pause extends StateChange
    {
        Pause()
        {
            super("pause");
        }
    }

    @Command(name = "resume",
        description = "Resume a paused pipeline (POST .../resume).", footer = EXIT_CODES)
    static final class Resume extends StateChange
    {
        Resume()
        {
            super("resume");
        }
    }

    @Command(name = "stop",
        description = "Stop the node cleanly: it takes a checkpoint on close (POST .../stop); --force skips it " +
            "(the next start replays or loses what followed the last checkpoint, per its fault-tolerance model).",
        footer = EXIT_CODES)
    static final class Stop implements Callable<Integer>
    {
        @Spec
        CommandSpec spec;

        @Mixin
        ApiOptions api;

        @Option(names = "--force", description = "Stop without the checkpoint on close.")
        boolean force;

        @Option(names = "--wait", description = "Wait until the node's API no longer answers (it closes first; " +
            "the node's log shows the close checkpoint and STOPPED after it).")
        boolean await;

        @Option(names = "--timeout", paramLabel = "SECONDS", defaultValue = "120",
            description = "Longest --wait (default: ${DEFAULT-VALUE}).")
        long timeoutSeconds;

        public Integer call()
        {
            final Duration timeout = timeout(timeoutSeconds, spec);
            final NodeClient client = api.client();
            final PrintWriter out = spec.commandLine().getOut();
            final String name = client.pipeline();
            client.pipelineCall("POST", "/stop" + (force ? "?force=true" : ""));
            out.println("pipeline '" + name + "': stopping " + (force ? "without" : "with") + " a checkpoint on close");
            out.flush();
            if (await)
            {
                await(out, "stop", Progress.Unit.NONE, timeout, () ->
                {
                    try
                    {
                        client.call("GET", "/v0/pipelines");
                        return Poll.pending(0, 0);
                    }
                    catch (final ClientException ex)
                    {
                        if (ex.exitCode == NodeClient.EXIT_CANNOT_CONNECT)
                        {
                            return Poll.succeeded();
                        }
                        throw ex;
                    }
                });
            }
            return 0;
        }
    }

    @Command(name = "sync",
        description = "Push the newest committed checkpoint to the configured bucket (POST .../checkpoint/sync); " +
            "--wait follows the push to its end with the bytes transferred.",
        footer = EXIT_CODES)
    static final class Sync implements Callable<Integer>
    {
        @Spec
        CommandSpec spec;

        @Mixin
        ApiOptions api;

        @Option(names = "--wait", description = "Wait until the push succeeded or failed, showing its progress.")
        boolean await;

        @Option(names = "--timeout", paramLabel = "SECONDS", defaultValue = "600",
            description = "Longest --wait (default: ${DEFAULT-VALUE}).")
        long timeoutSeconds;

        public Integer call()
        {
            final Duration timeout = timeout(timeoutSeconds, spec);
            final NodeClient client = api.client();
            final PrintWriter out = spec.commandLine().getOut();
            final String uuid = client.pipelineCall("POST", "/checkpoint/sync").json().path("checkpoint_uuid").asText();
            out.println("sync of checkpoint " + uuid + " requested");
            out.flush();
            if (await)
            {
                await(out, "sync " + uuid, Progress.Unit.BYTES, timeout, () ->
                {
                    final JsonNode status = client.pipelineCall("GET", "/checkpoint/sync_status?uuid=" + uuid).json();
                    final String state = status.path("status").asText();
                    if ("Success".equals(state))
                    {
                        return Poll.succeeded();
                    }
                    if ("Failure".equals(state))
                    {
                        return Poll.failed(status.path("error").asText());
                    }
                    if ("Unknown".equals(state))
                    {
                        return Poll.failed("the node does not know checkpoint " + uuid + " (restarted?)");
                    }
                    final JsonNode stats = client.pipelineCall("GET", "/stats").json();
                    return Poll.pending(metric(stats, "buckets", "sync_operation_bytes_done"),
                        metric(stats, "buckets", "sync_operation_bytes"));
                });
            }
            return 0;
        }
    }

    /** A POST that lets a waiting pipeline go on ({@code activate}, {@code approve}), then optionally waits. */
    abstract static class GoOn implements Callable<Integer>
    {
        @Spec
        CommandSpec spec;

        @Mixin
        ApiOptions api;

        @Option(names = "--wait", description = "Wait until the pipeline runs (or failed).")
        boolean await;

        @Option(names = "--timeout", paramLabel = "SECONDS", defaultValue = "600",
            description = "Longest --wait (default: ${DEFAULT-VALUE}).")
        long timeoutSeconds;

        private final String action;
        private final String done;

        GoOn(final String action, final String done)
        {
            this.action = action;
            this.done = done;
        }

        public Integer call()
        {
            final Duration timeout = timeout(timeoutSeconds, spec);
            final NodeClient client = api.client();
            final PrintWriter out = spec.commandLine().getOut();
            final Answer answer = client.pipelineCall("POST", "/" + action);
            out.println("pipeline '" + client.pipeline() + "': " + done + described(answer));
            out.flush();
            if (await)
            {
                awaitRunning(client, out, action, timeout);
            }
            return 0;
        }
    }

    @Command(name = "activate",
        description = "Activate a standby pipeline (POST .../activate): it stops following the bucket, replays " +
            "and runs; --wait follows it until it runs, showing the replay's progress.",
        footer = EXIT_CODES)
    static final class Activate extends GoOn
    {
        Activate()
        {
            super("activate", "activation requested");
        }
    }

    @Command(name = "approve",
        description = "Approve the program change a pipeline awaits (bootstrap_policy await_approval; POST " +
            ".../approve): it bootstraps the changed views and runs; --wait follows it until it runs.",
        footer = EXIT_CODES)
    static final class Approve extends GoOn
    {
        Approve()
        {
            super("approve", "approved");
        }
    }

    private static String described(final Answer answer)
    {
        final JsonNode body = answer.json();
        return null != body && body.hasNonNull("deployment_status") ?
            " (now " + body.get("deployment_status").asText() + ")" : "";
    }

    /** Polls the status until {@code Running}, showing the replay's journal bytes while it replays. */
    static void awaitRunning(final NodeClient client, final PrintWriter out, final String label,
        final Duration timeout)
    {
        await(out, label, Progress.Unit.BYTES, timeout, () ->
        {
            final JsonNode status = client.pipelineCall("GET", "").json();
            final String state = status.path("deployment_status").asText();
            if ("Failed".equals(state))
            {
                final JsonNode error = status.path("deployment_error");
                return Poll.failed("[" + error.path("error_code").asText() + "] " + error.path("message").asText());
            }
            if ("Running".equals(state) || "Paused".equals(state))
            {
                return Poll.succeeded();
            }
            if ("Stopped".equals(state))
            {
                return Poll.failed("the pipeline stopped");
            }
            final JsonNode stats = client.pipelineCall("GET", "/stats").json();
            return Poll.pending(metric(stats, null, "replayed_journal_bytes"),
                metric(stats, null, "replay_journal_bytes"));
        });
    }
}
