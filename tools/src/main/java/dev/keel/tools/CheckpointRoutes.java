package dev.keel.tools;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.keel.engine.KeelException;
import dev.keel.engine.api.KeelPipeline;
import dev.keel.engine.ft.CheckpointCoordinator;
import dev.keel.engine.ft.CheckpointFailure;
import dev.keel.engine.spi.CheckpointInfo;
import dev.keel.engine.spi.CheckpointStatus;
import dev.keel.engine.spi.CheckpointStore;
import dev.keel.tools.HttpRouter.ApiError;
import dev.keel.tools.HttpRouter.Request;
import dev.keel.tools.HttpRouter.Response;

import java.time.Instant;
import java.util.function.Supplier;

import static dev.keel.tools.HttpRouter.JSON;
import static dev.keel.tools.HttpRouter.details;

/**
 * The {@link ControlServer}'s checkpoint and sync routes ({@code POST .../checkpoint}, {@code GET
 * .../checkpoint_status}, {@code GET .../checkpoints}, {@code POST .../checkpoint/sync}, {@code GET
 * .../checkpoint/sync_status} and the bare paths of earlier releases), through the pipeline's thread-safe
 * methods.
 */
final class CheckpointRoutes
{
    private static final String NO_STORE = "NO_CHECKPOINT_STORE";

    private final Supplier<KeelPipeline> pipeline;
    private final String pipelineName;

    /**
     * @param pipeline     the pipeline, or a 503 while the node has none (ControlServer's).
     * @param pipelineName its name, for errors.
     */
    CheckpointRoutes(final Supplier<KeelPipeline> pipeline, final String pipelineName)
    {
        this.pipeline = pipeline;
        this.pipelineName = pipelineName;
    }

    private KeelPipeline pipeline()
    {
        return pipeline.get();
    }

    Response checkpoint()
    {
        final long seq;
        try
        {
            seq = pipeline().checkpoint();
        }
        catch (final IllegalStateException ex)
        {
            throw noStore(ex.getMessage());
        }
        return Response.json(200, JSON.createObjectNode().put("checkpoint_sequence_number", seq));
    }

    Response syncCheckpoint()
    {
        final java.util.UUID id;
        try
        {
            id = pipeline().syncCheckpoint();
        }
        catch (final IllegalStateException ex)
        {
            throw new ApiError(409, "SYNC_NOT_CONFIGURED", ex.getMessage(), details("pipeline_name", pipelineName));
        }
        catch (final dev.keel.engine.KeelException ex)
        {
            throw new ApiError(409, ex.code(), ex.getMessage(), details("pipeline_name", pipelineName));
        }
        return Response.json(200, JSON.createObjectNode().put("checkpoint_uuid", id.toString()));
    }

    Response syncStatus(final Request request)
    {
        try
        {
            final ObjectNode body = JSON.createObjectNode();
            if (request.query().containsKey("uuid"))
            {
                final String value = request.query().get("uuid");
                final java.util.UUID id;
                try
                {
                    id = java.util.UUID.fromString(value);
                }
                catch (final IllegalArgumentException ex)
                {
                    throw HttpRouter.badParameter("uuid", "= '" + value + "' is invalid; allowed: a checkpoint UUID " +
                        "from POST .../checkpoint/sync");
                }
                final CheckpointStatus status = pipeline().syncCheckpointStatus(id);
                body.put("checkpoint_uuid", id.toString());
                body.put("status", status.getClass().getSimpleName());
                body.put("error", status instanceof CheckpointStatus.Failure ?
                    ((CheckpointStatus.Failure)status).error() : null);
                return Response.json(200, body);
            }
            final java.util.Optional<java.util.UUID> last = pipeline().lastSuccessfulCheckpointSync();
            if (last.isPresent())
            {
                body.put("success", last.get().toString());
            }
            else
            {
                body.putNull("success");
            }
            return Response.json(200, body);
        }
        catch (final IllegalStateException ex)
        {
            throw new ApiError(409, "SYNC_NOT_CONFIGURED", ex.getMessage(), details("pipeline_name", pipelineName));
        }
    }

    Response checkpointStatus(final Request request)
    {
        final CheckpointCoordinator coordinator = coordinator();
        if (request.query().containsKey("seq"))
        {
            final long seq = seq(request);
            final CheckpointStatus status = coordinator.status(seq);
            final ObjectNode body = JSON.createObjectNode();
            body.put("sequence_number", seq);
            body.put("status", status.getClass().getSimpleName());
            body.put("error", status instanceof CheckpointStatus.Failure ?
                ((CheckpointStatus.Failure)status).error() : null);
            return Response.json(200, body);
        }
        final ObjectNode body = JSON.createObjectNode();
        final long success = coordinator.lastSucceededRequest();
        if (success > 0)
        {
            body.put("success", success);
        }
        else
        {
            body.putNull("success");
        }
        final CheckpointFailure failure = coordinator.lastFailedRequest();
        if (null == failure)
        {
            body.putNull("failure");
        }
        else
        {
            final ObjectNode f = body.putObject("failure");
            f.put("sequence_number", failure.sequenceNumber());
            f.put("error", failure.error());
            f.put("failed_at", failure.failedAtMillis() > 0 ?
                Instant.ofEpochMilli(failure.failedAtMillis()).toString() : null);
        }
        return Response.json(200, body);
    }

    Response legacyCheckpointStatus(final Request request)
    {
        if (!request.query().containsKey("seq"))
        {
            throw HttpRouter.badParameter("seq", "is required: /checkpoint_status?seq=N");
        }
        final long seq = seq(request);
        final CheckpointStatus status = coordinator().status(seq);
        final ObjectNode body = JSON.createObjectNode();
        body.put("seq", seq);
        body.put("status", status.getClass().getSimpleName());
        body.put("error", status instanceof CheckpointStatus.Failure ? ((CheckpointStatus.Failure)status).error() : null);
        return Response.json(200, body);
    }

    Response checkpoints()
    {
        final CheckpointStore store = pipeline().checkpointStore();
        if (null == store)
        {
            throw noStore("pipeline '" + pipelineName + "' has no checkpoint store (storage in the configuration)");
        }
        final ArrayNode list = JSON.createArrayNode();
        for (final CheckpointInfo info : store.list())
        {
            final ObjectNode entry = list.addObject();
            entry.put("uuid", info.id().toString());
            entry.put("step", info.step());
            entry.put("transaction_id", info.transactionId());
            entry.put("created_at", info.wallClockMillis() > 0 ?
                Instant.ofEpochMilli(info.wallClockMillis()).toString() : null);
            entry.put("page_count", info.pageCount());
            entry.put("own_bytes", info.ownBytes());
            entry.put("size", info.totalBytes());
        }
        return Response.json(200, list);
    }

    private CheckpointCoordinator coordinator()
    {
        final CheckpointCoordinator coordinator = pipeline().checkpointCoordinator();
        if (null == coordinator)
        {
            throw noStore("pipeline '" + pipelineName + "' has no checkpoint store (storage in the configuration)");
        }
        return coordinator;
    }

    private ApiError noStore(final String message)
    {
        return new ApiError(409, NO_STORE, message, details("pipeline_name", pipelineName));
    }

    private static long seq(final Request request)
    {
        final String value = request.query().get("seq");
        try
        {
            final long seq = Long.parseLong(value);
            if (seq >= 1)
            {
                return seq;
            }
        }
        catch (final NumberFormatException ignored)
        {
            // reported below with what is allowed
        }
        throw HttpRouter.badParameter("seq", "= '" + value + "' is invalid; allowed: a sequence number >= 1 from " +
            "POST .../checkpoint");
    }
}
