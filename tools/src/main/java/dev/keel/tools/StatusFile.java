package dev.keel.tools;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.keel.engine.KeelException;
import dev.keel.engine.config.BootstrapPolicy;
import dev.keel.engine.storage.FileStorageBackend;
import dev.keel.engine.storage.StorageBackend;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Instant;
import java.util.UUID;

/**
 * A node's restart memory, {@value #NAME} in the storage directory: the deployment id (a UUID chosen at the first
 * start and kept across restarts), the desired status ({@code Running} or {@code Paused}: a pipeline paused when
 * it stopped restarts paused) and the bootstrap policy of the last start. Written with the storage backend's one
 * durable commit protocol ({@link StorageBackend#writeDurably}), so a crash leaves the old or the new content.
 * <p>
 * A file that does not parse, or lacks a field, is refused with an error naming it (Keel never leaves it so: it
 * was edited or the disk is damaged); deleting it is safe: the next start writes a new one, with a new deployment
 * id, and runs.
 *
 * @param deploymentId   kept across restarts.
 * @param desiredStatus  {@link #RUNNING} or {@link #PAUSED}.
 * @param bootstrapPolicy the policy the last start used.
 */
public record StatusFile(UUID deploymentId, String desiredStatus, BootstrapPolicy bootstrapPolicy)
{
    /** File name under the storage directory. */
    public static final String NAME = "status.json";
    /** Desired status of a pipeline that runs. */
    public static final String RUNNING = "Running";
    /** Desired status of a pipeline that was paused. */
    public static final String PAUSED = "Paused";

    private static final ObjectMapper JSON = new ObjectMapper();

    /** A new deployment: a fresh id, running. */
    public static StatusFile fresh(final BootstrapPolicy policy)
    {
        return new StatusFile(UUID.randomUUID(), RUNNING, policy);
    }

    /**
     * Reads {@value #NAME} from a storage directory.
     *
     * @param storage the storage directory.
     * @return its content, or null if there is none (a first start).
     * @throws KeelException of category STORAGE (code STATUS_FILE_CORRUPT) naming the file if it is unreadable.
     */
    public static StatusFile read(final Path storage)
    {
        final Path file = storage.resolve(NAME);
        final byte[] bytes;
        try
        {
            bytes = new FileStorageBackend(storage).read(NAME);
        }
        catch (final IOException ex)
        {
            throw new KeelException(KeelException.Category.STORAGE, "STORAGE_IO_ERROR", "cannot read " + file + ": " +
                ex, ex);
        }
        if (null == bytes)
        {
            return null;
        }
        try
        {
            final JsonNode root = JSON.readTree(new String(bytes, StandardCharsets.UTF_8));
            if (null == root || !root.isObject())
            {
                throw corrupt(file, "expected a JSON object", null);
            }
            final UUID id = UUID.fromString(text(file, root, "deployment_id"));
            final String desired = text(file, root, "desired_status");
            if (!RUNNING.equals(desired) && !PAUSED.equals(desired))
            {
                throw corrupt(file, "$.desired_status is '" + desired + "'; allowed: Running, Paused", null);
            }
            final BootstrapPolicy policy =
                BootstrapPolicy.fromJsonName(text(file, root, "bootstrap_policy"), "$.bootstrap_policy");
            return new StatusFile(id, desired, policy);
        }
        catch (final IOException | IllegalArgumentException ex)
        {
            throw corrupt(file, ex.getMessage(), ex);
        }
    }

    /**
     * Durably replaces {@value #NAME} in a storage directory with this content.
     *
     * @param storage the storage directory.
     * @throws KeelException of category STORAGE naming the file if it cannot be written.
     */
    public void write(final Path storage)
    {
        final ObjectNode root = JSON.createObjectNode();
        root.put("deployment_id", deploymentId.toString());
        root.put("desired_status", desiredStatus);
        root.put("bootstrap_policy", bootstrapPolicy.jsonName());
        root.put("updated_at", Instant.now().toString());
        try
        {
            final byte[] bytes = JSON.writerWithDefaultPrettyPrinter().writeValueAsBytes(root);
            new FileStorageBackend(storage).writeDurably(NAME, bytes, 0, bytes.length);
        }
        catch (final IOException ex)
        {
            throw new KeelException(KeelException.Category.STORAGE, "STORAGE_IO_ERROR", "cannot write " +
                storage.resolve(NAME) + ": " + ex, ex);
        }
    }

    /** The same deployment with another desired status. */
    public StatusFile withDesiredStatus(final String status)
    {
        return new StatusFile(deploymentId, status, bootstrapPolicy);
    }

    /** The same deployment started with another policy. */
    public StatusFile withBootstrapPolicy(final BootstrapPolicy policy)
    {
        return new StatusFile(deploymentId, desiredStatus, policy);
    }

    private static String text(final Path file, final JsonNode root, final String field)
    {
        final JsonNode node = root.get(field);
        if (null == node || !node.isTextual())
        {
            throw corrupt(file, "$." + field + " is missing or not a string", null);
        }
        return node.asText();
    }

    private static KeelException corrupt(final Path file, final String problem, final Throwable cause)
    {
        return new KeelException(KeelException.Category.STORAGE, "STATUS_FILE_CORRUPT", file + " is not a valid " +
            "status file (" + problem + "); Keel writes it atomically, so it was edited or the disk is damaged: fix " +
            "it, or delete it to start a new deployment (a new deployment_id; the checkpoints are kept)", cause);
    }
}
