package dev.keel.engine.ft;

import dev.keel.engine.KeelException;

import dev.keel.engine.storage.StorageBackend;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.UUID;

/**
 * Sequence numbers of checkpoint requests and what became of them, kept durably so that a status asked after a
 * restart is right.
 * <p>
 * Two files in the backend given (the node's is over {@code <storage>/checkpoints/}), each replaced with the
 * backend's one durable commit protocol ({@link StorageBackend.Writer#commit()}: temp, fsync, rename, fsync the
 * directory):
 * <pre>
 *   checkpoint-requests   "issued N"               written by the requesting thread before the number is returned
 *   checkpoint-statuses   "succeeded N"            highest request covered by a committed checkpoint
 *                         "unknown_below N"        older requests' failures were dropped: report Unknown
 *                         "committing UUID N"      written before a commit that covers up to N; after a crash the
 *                                                  store's list tells whether UUID was committed
 *                         "failure FROM TO ERROR"  requests FROM..TO failed (at most {@value #KEPT_FAILURES} kept)
 * </pre>
 * The statuses file is written only by the circuit thread and only for checkpoints that cover new requests, so
 * periodic checkpoints cost no extra sync. Requests issued before a restart and not covered by a committed
 * checkpoint are failures ("the pipeline stopped before ..."). Without a backend everything is kept in memory.
 * <p>
 * Until version 0.1 the temporary files were named {@code <name>.writing}; one a crash left is removed on load.
 */
final class CheckpointRequests
{
    static final String REQUESTS_FILE = dev.keel.engine.storage.StorageDirectory.CHECKPOINT_REQUESTS_FILE;
    static final String STATUSES_FILE = dev.keel.engine.storage.StorageDirectory.CHECKPOINT_STATUSES_FILE;
    static final int KEPT_FAILURES = 64;

    private record FailedRange(long from, long to, String error)
    {
    }

    private static final String LEGACY_TEMP_SUFFIX = ".writing";

    private final StorageBackend backend;
    private final Object issueLock = new Object();
    private final ArrayDeque<FailedRange> failures = new ArrayDeque<>();
    private volatile long lastIssued;
    private long succeeded;
    private long unknownBelow = 1;

    /**
     * @param backend   where the files live, or null for memory only.
     * @param committed ids of the committed checkpoints the store holds (to resolve an interrupted commit).
     */
    CheckpointRequests(final StorageBackend backend, final Set<UUID> committed)
    {
        this.backend = backend;
        if (null != backend)
        {
            load(committed);
        }
    }

    /**
     * Issues the next sequence number, durably; any thread.
     *
     * @return the sequence number.
     */
    long issue()
    {
        synchronized (issueLock)
        {
            final long seq = lastIssued + 1;
            if (null != backend)
            {
                write(REQUESTS_FILE, "issued " + seq + "\n");
            }
            lastIssued = seq;
            return seq;
        }
    }

    /** Highest sequence number issued; any thread. */
    long lastIssued()
    {
        return lastIssued;
    }

    /** Highest sequence number a committed checkpoint covers; any thread. */
    synchronized long succeeded()
    {
        return succeeded;
    }

    /**
     * Status of a request; any thread.
     *
     * @param seq the sequence number.
     * @return its status.
     */
    CheckpointStatus status(final long seq)
    {
        final long issued = lastIssued;
        synchronized (this)
        {
            if (seq < unknownBelow || seq > issued)
            {
                return CheckpointStatus.UNKNOWN;
            }
            for (final FailedRange range : failures)
            {
                if (seq >= range.from && seq <= range.to)
                {
                    return new CheckpointStatus.Failure(range.error);
                }
            }
            return seq <= succeeded ? CheckpointStatus.SUCCESS : CheckpointStatus.IN_PROGRESS;
        }
    }

    /** Before committing a checkpoint that covers requests up to {@code coverSeq}; circuit thread. */
    void beforeCommit(final UUID id, final long coverSeq)
    {
        if (null != backend && coverSeq > succeeded())
        {
            write(STATUSES_FILE, render("committing " + id + " " + coverSeq + "\n"));
        }
    }

    /** After a commit that covers requests up to {@code coverSeq}; circuit thread. */
    void succeeded(final long coverSeq)
    {
        final boolean changed;
        synchronized (this)
        {
            changed = coverSeq > succeeded;
            succeeded = Math.max(succeeded, coverSeq);
        }
        if (changed && null != backend)
        {
            write(STATUSES_FILE, render(""));
        }
    }

    /** A checkpoint meant to cover requests {@code fromSeq..toSeq} failed; circuit thread. */
    void failed(final long fromSeq, final long toSeq, final String error)
    {
        if (fromSeq > toSeq)
        {
            return;
        }
        synchronized (this)
        {
            addFailure(new FailedRange(fromSeq, toSeq, error));
            // the failed requests are settled: later successes must not report them as covered
            succeeded = Math.max(succeeded, toSeq);
        }
        if (null != backend)
        {
            write(STATUSES_FILE, render(""));
        }
    }

    private void addFailure(final FailedRange range)
    {
        failures.addLast(range);
        while (failures.size() > KEPT_FAILURES)
        {
            unknownBelow = failures.removeFirst().to + 1;
        }
    }

    private synchronized String render(final String extra)
    {
        final StringBuilder sb = new StringBuilder();
        sb.append("succeeded ").append(succeeded).append('\n');
        sb.append("unknown_below ").append(unknownBelow).append('\n');
        for (final FailedRange range : failures)
        {
            sb.append("failure ").append(range.from).append(' ').append(range.to).append(' ')
                .append(range.error.replace('\n', ' ')).append('\n');
        }
        return sb.append(extra).toString();
    }

    private void load(final Set<UUID> committed)
    {
        long issued = 0;
        UUID committingId = null;
        long committingSeq = 0;
        try
        {
            for (final String line : lines(REQUESTS_FILE))
            {
                if (line.startsWith("issued "))
                {
                    issued = Long.parseLong(line.substring(7).trim());
                }
            }
            for (final String line : lines(STATUSES_FILE))
            {
                final String[] parts = line.split(" ", 4);
                switch (parts[0])
                {
                    case "succeeded" -> succeeded = Long.parseLong(parts[1]);
                    case "unknown_below" -> unknownBelow = Long.parseLong(parts[1]);
                    case "committing" ->
                    {
                        committingId = UUID.fromString(parts[1]);
                        committingSeq = Long.parseLong(parts[2]);
                    }
                    case "failure" -> failures.addLast(new FailedRange(
                        Long.parseLong(parts[1]), Long.parseLong(parts[2]), parts.length > 3 ? parts[3] : ""));
                    case "" ->
                    {
                    }
                    default -> throw new IllegalArgumentException("unknown line: " + line);
                }
            }
            // garbage of the earlier hand-rolled protocol: never renamed, so never the truth
            backend.delete(REQUESTS_FILE + LEGACY_TEMP_SUFFIX);
            backend.delete(STATUSES_FILE + LEGACY_TEMP_SUFFIX);
        }
        catch (final IOException | RuntimeException ex)
        {
            throw new KeelException(KeelException.Category.STORAGE, "CHECKPOINT_REQUESTS_CORRUPT",
                "cannot read checkpoint request statuses in " + where() + " (" + REQUESTS_FILE + ", " +
                STATUSES_FILE + "): " + ex + "; delete both files to forget the statuses of earlier checkpoint " +
                "requests", ex);
        }
        if (null != committingId && committed.contains(committingId))
        {
            succeeded = Math.max(succeeded, committingSeq);
        }
        lastIssued = issued;
        if (succeeded < issued)
        {
            addFailure(new FailedRange(succeeded + 1, issued,
                "the pipeline stopped before a checkpoint covering this request was committed"));
            succeeded = issued;
        }
    }

    private List<String> lines(final String name) throws IOException
    {
        final byte[] content = backend.read(name);
        return null == content ? List.of() : new String(content, StandardCharsets.UTF_8).lines().toList();
    }

    private String where()
    {
        return null != backend.fileSystemPath() ? backend.fileSystemPath().toString() : backend.toString();
    }

    private void write(final String name, final String content)
    {
        final byte[] bytes = content.getBytes(StandardCharsets.UTF_8);
        try
        {
            backend.writeDurably(name, bytes, 0, bytes.length);
        }
        catch (final IOException ex)
        {
            throw new KeelException(KeelException.Category.STORAGE, "CHECKPOINT_REQUESTS_IO",
                "cannot write " + name + " in " + where() + ": " + ex, ex);
        }
    }

    static List<String> fileNames()
    {
        final List<String> names = new ArrayList<>();
        names.add(REQUESTS_FILE);
        names.add(STATUSES_FILE);
        return names;
    }
}
