package dev.keel.wal;

import dev.keel.engine.KeelException;
import dev.keel.engine.status.KeelCounters;
import dev.keel.engine.spi.StepRecord;
import io.aeron.ExclusivePublication;
import io.aeron.Publication;
import org.agrona.CloseHelper;
import org.agrona.concurrent.IdleStrategy;
import org.agrona.concurrent.NanoClock;
import org.agrona.concurrent.status.AtomicCounter;
import org.agrona.concurrent.status.CountersManager;

import java.nio.file.Path;
import java.util.concurrent.TimeUnit;

import static dev.keel.engine.KeelException.Category.STORAGE;

/**
 * The journal's hot path: encodes step records, offers them to the recording's publication and polls the
 * recording's durable position; keeps the journal's counters. Allocates nothing in steady state.
 * <p>
 * Commit latency: the append time of each record not yet durable is kept in a fixed ring; when the durable position
 * advances, the oldest record it covers waited longest in that group commit, so only its wait is proposed as the
 * maximum. Records appended while the ring is full (more than {@link #LATENCY_WINDOW} pending, far beyond the
 * circuit's pending-step capacity) are not timed.
 */
final class JournalAppender implements AutoCloseable
{
    static final int LATENCY_WINDOW = 1024;
    private static final int LATENCY_MASK = LATENCY_WINDOW - 1;

    private final Path journalDir;
    private final int termLength;
    private final long timeoutNs;
    private final IdleStrategy idleStrategy;
    private final NanoClock clock;
    private final JournalErrors errors;
    private final JournalRecording recording;
    private final ExclusivePublication publication;
    private final StepRecordProxy proxy;
    private final AtomicCounter appendedSteps;
    private final AtomicCounter appendedBytes;
    private final AtomicCounter durablePositionCounter;
    private final AtomicCounter commits;
    private final AtomicCounter commitNanosMax;
    private final long[] pendingEnds = new long[LATENCY_WINDOW];
    private final long[] pendingAppendNs = new long[LATENCY_WINDOW];
    private long pendingHead;
    private long pendingTail;
    private long position;
    private long lastDurablePosition;

    JournalAppender(
        final AeronJournal.Context ctx,
        final JournalRecording recording,
        final JournalErrors errors,
        final CountersManager countersManager)
    {
        this.journalDir = ctx.journalDir();
        this.termLength = ctx.termLength();
        this.timeoutNs = ctx.timeoutNs();
        this.idleStrategy = ctx.appendIdleStrategy();
        this.clock = ctx.nanoClock();
        this.errors = errors;
        this.recording = recording;
        this.publication = recording.publication();
        this.proxy = new StepRecordProxy(publication.maxMessageLength());
        this.position = publication.position();
        this.lastDurablePosition = position;

        final String pipeline = ctx.counterPipelineName();
        AtomicCounter steps = null;
        AtomicCounter bytes = null;
        AtomicCounter durable = null;
        AtomicCounter commitCount = null;
        AtomicCounter nanosMax = null;
        try
        {
            steps = KeelCounters.newCounter(
                countersManager, KeelCounters.JOURNAL_APPENDED_STEPS_TYPE_ID, pipeline, null);
            bytes = KeelCounters.newCounter(
                countersManager, KeelCounters.JOURNAL_APPENDED_BYTES_TYPE_ID, pipeline, null);
            durable = KeelCounters.newCounter(
                countersManager, KeelCounters.JOURNAL_DURABLE_POSITION_TYPE_ID, pipeline, null);
            commitCount = KeelCounters.newCounter(countersManager, KeelCounters.JOURNAL_COMMITS_TYPE_ID, pipeline, null);
            nanosMax = KeelCounters.newCounter(
                countersManager, KeelCounters.JOURNAL_COMMIT_NANOS_MAX_TYPE_ID, pipeline, null);
        }
        catch (final RuntimeException ex)
        {
            CloseHelper.quietCloseAll(steps, bytes, durable, commitCount);
            throw new KeelException(STORAGE, "JOURNAL_OPEN_FAILED",
                "cannot allocate the journal's counters for " + journalDir + ": " + ex.getMessage(), ex);
        }
        appendedSteps = steps;
        appendedBytes = bytes;
        durablePositionCounter = durable;
        commits = commitCount;
        commitNanosMax = nanosMax;
        durablePositionCounter.setRelease(position);
    }

    int maxRecordLength()
    {
        return proxy.capacity();
    }

    long position()
    {
        return position;
    }

    long append(final StepRecord record)
    {
        final long length = StepRecordProxy.encodedLength(record);
        if (length > proxy.capacity())
        {
            throw new KeelException(STORAGE, "JOURNAL_RECORD_TOO_LARGE",
                "step " + record.step() + " encodes to " + length + " bytes, above the journal's maximum record size " +
                proxy.capacity() + " (termLength/8 with termLength=" + termLength + ") in " + journalDir);
        }
        if (record.endpointCount() > StepRecordProxy.maxEndpoints())
        {
            throw new KeelException(STORAGE, "JOURNAL_RECORD_TOO_LARGE",
                "step " + record.step() + " has " + record.endpointCount() + " endpoints, the journal holds at most " +
                StepRecordProxy.maxEndpoints());
        }

        final int encodedLength = proxy.encode(record);
        long deadlineNs = 0;
        long result;
        while ((result = publication.offer(proxy.buffer(), 0, encodedLength)) < 0)
        {
            if (Publication.BACK_PRESSURED == result || Publication.ADMIN_ACTION == result)
            {
                final long nowNs = System.nanoTime();
                if (0 == deadlineNs)
                {
                    deadlineNs = nowNs + timeoutNs;
                }
                else if (nowNs - deadlineNs > 0)
                {
                    throw new KeelException(STORAGE, "JOURNAL_BACK_PRESSURE",
                        "the archive did not accept step " + record.step() + " at position " + position + " within " +
                        TimeUnit.NANOSECONDS.toMillis(timeoutNs) + " ms (recorded position " +
                        durablePosition() + ") in " + journalDir, errors.first());
                }
                idleStrategy.idle();
            }
            else
            {
                throw offerFailure(record, result);
            }
        }
        idleStrategy.reset();

        position = result;
        appendedSteps.incrementRelease();
        appendedBytes.getAndAddRelease(encodedLength);
        if (pendingTail - pendingHead < LATENCY_WINDOW)
        {
            final int index = (int)(pendingTail & LATENCY_MASK);
            pendingEnds[index] = result;
            pendingAppendNs[index] = clock.nanoTime();
            pendingTail++;
        }
        return result;
    }

    /** @return the durable position last published to the counter, readable from any thread. */
    long publishedDurablePosition()
    {
        return durablePositionCounter.get();
    }

    long durablePosition()
    {
        final long durable = recording.recordedPosition();
        if (durable > lastDurablePosition)
        {
            lastDurablePosition = durable;
            durablePositionCounter.setRelease(durable);
            commits.incrementRelease();
            if (pendingHead < pendingTail && pendingEnds[(int)(pendingHead & LATENCY_MASK)] <= durable)
            {
                commitNanosMax.proposeMaxRelease(clock.nanoTime() - pendingAppendNs[(int)(pendingHead & LATENCY_MASK)]);
                do
                {
                    pendingHead++;
                }
                while (pendingHead < pendingTail && pendingEnds[(int)(pendingHead & LATENCY_MASK)] <= durable);
            }
        }
        return durable;
    }

    /** Waits until the archive has recorded everything appended. */
    void awaitRecorded(final IdleStrategy idle)
    {
        final long deadlineNs = System.nanoTime() + timeoutNs;
        while (recording.recordedPosition() < position)
        {
            if (System.nanoTime() - deadlineNs > 0)
            {
                throw new KeelException(STORAGE, "JOURNAL_CLOSE_TIMEOUT",
                    "the archive recorded the journal up to position " + recording.recordedPosition() + " of " +
                    position + " within " + TimeUnit.NANOSECONDS.toMillis(timeoutNs) + " ms in " + journalDir);
            }
            idle.idle();
        }
    }

    /** Frees the counters (the registry outlives the journal in a node). */
    public void close()
    {
        CloseHelper.closeAll(appendedSteps, appendedBytes, durablePositionCounter, commits, commitNanosMax);
    }

    private KeelException offerFailure(final StepRecord record, final long result)
    {
        final String reason;
        if (Publication.NOT_CONNECTED == result)
        {
            reason = "not connected: the archive's recording subscription is gone";
        }
        else if (Publication.CLOSED == result)
        {
            reason = "the publication is closed";
        }
        else if (Publication.MAX_POSITION_EXCEEDED == result)
        {
            reason = "the journal reached the maximum position of its term length " + termLength;
        }
        else
        {
            reason = "offer returned " + result;
        }

        return new KeelException(STORAGE, "JOURNAL_APPEND_FAILED",
            "cannot append step " + record.step() + " at position " + position + " to the journal in " +
            journalDir + ": " + reason, errors.first());
    }
}
