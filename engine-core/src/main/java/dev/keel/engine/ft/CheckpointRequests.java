package dev.keel.engine.ft;

import dev.keel.engine.spi.CheckpointStatus;

import dev.keel.engine.KeelException;
import dev.keel.engine.spi.PendingCheckpoint;

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
 * The statuses file is written by the checkpoint store's writer thread, around the commit
 * ({@link #commitHooks}), and only for checkpoints that cover new requests, so periodic checkpoints cost no extra
 * sync and none costs the circuit thread one; a failed checkpoint is written down by the circuit thread. Requests issued before a restart and not covered by a committed
 * checkpoint are failures ("the pipeline stopped before ..."). Without a backend everything is kept in memory.
 * <p>
 * Until version 0.1 the temporary files were named {@code <name>.writing}; one a crash left is removed on load.
 */
final class CheckpointRequests
{
    static final String REQUESTS_FILE = dev.keel.engine.storage.StorageDirectory.CHECKPOINT_REQUESTS_FILE;
    static final String STATUSES_FILE = dev.keel.engine.storage.StorageDirectory.CHECKPOINT_STATUSES_FILE;
    static final int KEPT_FAILURES = 64;

    /** {@code failedAtMillis} is 0 for failures recorded by an earlier run: the statuses file does not keep it. */
    private record FailedRange(long from, long to, String error, long failedAtMillis)
    {
    }

    private static final String LEGACY_TEMP_SUFFIX = ".writing";

    private final StorageBackend backend;
    private final Object issueLock = new Object();
    private final ArrayDeque<FailedRange> failures = new ArrayDeque<>();
    private volatile long lastIssued;
    private long succeeded;
    private long unknownBelow = 1;
    private volatile boolean unwritten;
    private final Hooks commitHooks = new Hooks();

    /** Filled on the circuit thread before the commit is requested, read by the writer after the hand-over. */
    private final class Hooks implements PendingCheckpoint.CommitHooks
    {
        private UUID id;
        private long coverSeq;

        @Override
        public void beforeCommit()
        {
            CheckpointRequests.this.beforeCommit(id, coverSeq);
        }

        @Override
        public void afterCommit()
        {
            writeSucceeded(coverSeq);
        }
    }

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
     * The newest request a committed checkpoint covers; any thread.
     *
     * @return its sequence number, or 0 if none is known (none succeeded, or only requests older than the kept
     * statuses did).
     */
    synchronized long lastSucceeded()
    {
        // succeeded also moves over failed requests (they are settled): step back over the failed ranges, newest first
        long seq = succeeded;
        final var ranges = failures.descendingIterator();
        while (ranges.hasNext())
        {
            final FailedRange range = ranges.next();
            if (seq > range.to)
            {
                break;
            }
            if (seq >= range.from)
            {
                seq = range.from - 1;
            }
        }
        return seq >= unknownBelow ? seq : 0;
    }

    /**
     * The newest failed request; any thread.
     *
     * @return the failure, or null if none is kept.
     */
    synchronized CheckpointFailure lastFailure()
    {
        final FailedRange range = failures.peekLast();
        return null == range ? null : new CheckpointFailure(range.to, range.error, range.failedAtMillis);
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

    /**
     * The hooks the store's writer runs around the commit of checkpoint {@code id}, covering requests up to
     * {@code coverSeq}: {@link #beforeCommit} then {@link #writeSucceeded}, on the writer thread (the circuit thread
     * {@link #settle}s once it sees the commit). One instance, reused:
     * a checkpoint begins only once the previous one committed or failed.
     *
     * @return the hooks to pass to {@link PendingCheckpoint#requestCommit(PendingCheckpoint.CommitHooks)}.
     */
    PendingCheckpoint.CommitHooks commitHooks(final UUID id, final long coverSeq)
    {
        commitHooks.id = id;
        commitHooks.coverSeq = coverSeq;
        return commitHooks;
    }

    /**
     * Before committing a checkpoint that covers requests up to {@code coverSeq}; the writer thread (or any one
     * thread that commits). Writes only when the checkpoint covers new requests, or when an earlier
     * {@link #succeeded} could not write.
     */
    void beforeCommit(final UUID id, final long coverSeq)
    {
        if (null == backend)
        {
            return;
        }
        if (coverSeq > succeeded())
        {
            write(STATUSES_FILE, render("committing " + id + " " + coverSeq + "\n"));
            unwritten = false;
        }
        else if (unwritten)
        {
            write(STATUSES_FILE, render(""));
            unwritten = false;
        }
    }

    /** After a commit that covers requests up to {@code coverSeq}: {@link #writeSucceeded} then {@link #settle}. */
    void succeeded(final long coverSeq)
    {
        writeSucceeded(coverSeq);
        settle(coverSeq);
    }

    /**
     * Writes down that a commit covers requests up to {@code coverSeq}, without answering so yet; the thread that
     * committed (the store's writer). After a failed write the next {@link #beforeCommit} writes it.
     */
    void writeSucceeded(final long coverSeq)
    {
        if (null == backend || coverSeq <= succeeded())
        {
            return;
        }
        try
        {
            write(STATUSES_FILE, render(coverSeq, ""));
        }
        catch (final RuntimeException ex)
        {
            // the "committing" line names the committed checkpoint until the next commit rewrites the file
            unwritten = true;
            throw ex;
        }
    }

    /** Answers SUCCESS for requests up to {@code coverSeq}, written down already; any thread (the circuit's). */
    synchronized void settle(final long coverSeq)
    {
        succeeded = Math.max(succeeded, coverSeq);
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
            addFailure(new FailedRange(fromSeq, toSeq, error, System.currentTimeMillis()));
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
        return render(succeeded, extra);
    }

    private synchronized String render(final long succeededSeq, final String extra)
    {
        final StringBuilder sb = new StringBuilder();
        sb.append("succeeded ").append(Math.max(succeeded, succeededSeq)).append('\n');
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
                        Long.parseLong(parts[1]), Long.parseLong(parts[2]), parts.length > 3 ? parts[3] : "", 0));
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
                "the pipeline stopped before a checkpoint covering this request was committed", 0));
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
