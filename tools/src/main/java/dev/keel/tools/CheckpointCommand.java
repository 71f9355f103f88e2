package dev.keel.tools;

import com.fasterxml.jackson.databind.JsonNode;
import dev.keel.checkpoint.CheckpointTool;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

import java.io.PrintWriter;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.Callable;

/**
 * {@code keel checkpoint ...}: {@code create} and {@code status} ask a running node through its control API
 * (see {@link NodeCommands} for the exit codes); {@code list} and {@code verify --storage PATH} inspect a storage
 * directory's checkpoints offline (read-only; exit 0 when every retained checkpoint is intact, 1 otherwise).
 */
@Command(name = "checkpoint", description = "Take and follow checkpoints of a running node (create, status), or " +
    "inspect those of a storage directory offline (list, verify).",
    subcommands = { CheckpointCommand.Create.class, CheckpointCommand.Status.class, CheckpointCommand.List.class,
        CheckpointCommand.Verify.class })
final class CheckpointCommand
{
    @Command(name = "create", description = "Ask a running node for a checkpoint (POST .../checkpoint) and print " +
        "its sequence number; --wait waits until it succeeded or failed.", footer = NodeCommands.EXIT_CODES)
    static final class Create implements Callable<Integer>
    {
        @Spec
        CommandSpec spec;

        @Mixin
        ApiOptions api;

        @Option(names = "--wait", description = "Wait until the checkpoint succeeded (exit 0) or failed (exit 1).")
        boolean await;

        @Option(names = "--timeout", paramLabel = "SECONDS", defaultValue = "300",
            description = "Longest --wait (default: ${DEFAULT-VALUE}).")
        long timeoutSeconds;

        public Integer call()
        {
            final Duration timeout = NodeCommands.timeout(timeoutSeconds, spec);
            final NodeClient client = api.client();
            final PrintWriter out = spec.commandLine().getOut();
            final long seq = client.pipelineCall("POST", "/checkpoint").json().path("checkpoint_sequence_number")
                .asLong();
            out.println("checkpoint #" + seq + " requested");
            out.flush();
            if (await)
            {
                NodeCommands.await(out, "checkpoint #" + seq, Progress.Unit.NONE, timeout, () ->
                {
                    final JsonNode status = client.pipelineCall("GET", "/checkpoint_status?seq=" + seq).json();
                    return switch (status.path("status").asText())
                    {
                        case "Success" -> NodeCommands.Poll.succeeded();
                        case "Failure" -> NodeCommands.Poll.failed(status.path("error").asText());
                        case "Unknown" -> NodeCommands.Poll.failed("the node does not know checkpoint request #" +
                            seq + " (restarted?)");
                        default -> NodeCommands.Poll.pending(0, 0);
                    };
                });
            }
            return 0;
        }
    }

    @Command(name = "status", description = "Show a running node's checkpoint requests: the last that " +
        "succeeded and the last that failed, or with --seq one request's status (exit 1 if it failed).",
        footer = NodeCommands.EXIT_CODES)
    static final class Status implements Callable<Integer>
    {
        @Spec
        CommandSpec spec;

        @Mixin
        ApiOptions api;

        @Option(names = "--seq", paramLabel = "N", description = "A sequence number from keel checkpoint create.")
        Long seq;

        @Option(names = "--json", description = "Print the API's body as it is.")
        boolean json;

        public Integer call()
        {
            final NodeClient client = api.client();
            final PrintWriter out = spec.commandLine().getOut();
            if (null != seq && seq < 1)
            {
                throw new picocli.CommandLine.ParameterException(spec.commandLine(),
                    "--seq = " + seq + " is invalid; allowed: a sequence number >= 1 from keel checkpoint create");
            }
            final NodeClient.Answer answer = client.pipelineCall("GET", "/checkpoint_status" +
                (null == seq ? "" : "?seq=" + seq));
            final JsonNode body = answer.json();
            final boolean failed = null != seq && "Failure".equals(body.path("status").asText());
            if (json)
            {
                out.print(answer.raw());
            }
            else if (null != seq)
            {
                out.println("checkpoint #" + seq + ": " + body.path("status").asText() +
                    (failed ? ": " + body.path("error").asText() : ""));
            }
            else
            {
                final JsonNode success = body.get("success");
                out.println("last succeeded: " + (null == success || success.isNull() ? "none" : "#" +
                    success.asLong()));
                final JsonNode failure = body.get("failure");
                out.println("last failed:    " + (null == failure || failure.isNull() ? "none" : "#" +
                    failure.path("sequence_number").asLong() + " at " + failure.path("failed_at").asText() + ": " +
                    failure.path("error").asText()));
            }
            out.flush();
            return failed ? NodeClient.EXIT_API_ERROR : 0;
        }
    }

    @Command(name = "list", description = "List the retained checkpoints of a storage directory, oldest first " +
        "(offline, read-only).")
    static final class List implements Callable<Integer>
    {
        @Option(names = "--storage", required = true, description = "The pipeline's storage_config.path.")
        Path storage;

        public Integer call()
        {
            final boolean ok = CheckpointTool.list(storage, System.out);
            System.out.flush();
            return ok ? 0 : 1;
        }
    }

    @Command(name = "verify", description = "Check every retained checkpoint's manifest, files and page CRCs " +
        "(offline, read-only); exit 1 if one is damaged.")
    static final class Verify implements Callable<Integer>
    {
        @Option(names = "--storage", required = true, description = "The pipeline's storage_config.path.")
        Path storage;

        public Integer call()
        {
            final boolean ok = CheckpointTool.verify(storage, System.out);
            System.out.flush();
            return ok ? 0 : 1;
        }
    }
}
