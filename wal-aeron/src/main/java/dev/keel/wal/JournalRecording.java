package dev.keel.wal;

import dev.keel.engine.KeelException;
import io.aeron.Aeron;
import io.aeron.ChannelUriStringBuilder;
import io.aeron.ExclusivePublication;
import io.aeron.archive.client.AeronArchive;
import io.aeron.archive.client.RecordingDescriptorConsumer;
import io.aeron.archive.codecs.SourceLocation;
import io.aeron.archive.status.RecordingPos;
import org.agrona.concurrent.status.CountersReader;

import java.nio.file.Path;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.IntSupplier;

import static dev.keel.engine.KeelException.Category.CONFIG;
import static dev.keel.engine.KeelException.Category.STORAGE;

/**
 * The journal's one archive recording: finds it in the catalog, starts it on the first open or extends it on every
 * later one, owns the publication that feeds it and the {@code RecordingPos} counter that says how far it is
 * recorded (and, with sync, forced), and releases or stops it.
 */
final class JournalRecording
{
    private final Path journalDir;
    private final long timeoutNs;
    private final JournalErrors errors;
    private final AeronArchive archive;
    private final CountersReader counters;
    private final ExclusivePublication publication;
    private final long recordingId;
    private final long subscriptionId;
    private final int counterId;
    private final long counterRegistrationId;
    private final int segmentFileLength;
    private final int termLength;
    private long startPosition;
    private ExecutorService purger;
    private Future<?> purge;
    private long purgeStart;
    // a class, not a lambda: the hand-over happens on the circuit thread, where a first linkage would cost a stall
    private final Runnable purgeTask = new Runnable()
    {
        public void run()
        {
            archive.purgeSegments(recordingId, purgeStart);
        }
    };

    /**
     * Opens the recording for appending; on return the publication is connected and the counter covers everything
     * recorded in earlier lives of the journal.
     */
    JournalRecording(
        final AeronJournal.Context ctx, final Aeron aeron, final AeronArchive archive, final JournalErrors errors)
    {
        this.journalDir = ctx.journalDir();
        this.timeoutNs = ctx.timeoutNs();
        this.termLength = ctx.termLength();
        this.errors = errors;
        this.archive = archive;
        this.counters = aeron.countersReader();

        final RecordingFinder finder = new RecordingFinder();
        final int found = archive.listRecordingsForUri(
            0, Integer.MAX_VALUE, JournalLayout.CHANNEL, JournalLayout.STREAM_ID, finder);
        if (found > 1)
        {
            throw new KeelException(STORAGE, "JOURNAL_MULTIPLE_RECORDINGS",
                "the archive in " + journalDir + " holds " + found + " journal recordings, expected one");
        }

        final ChannelUriStringBuilder channel = new ChannelUriStringBuilder()
            .media("ipc")
            .termLength(termLength);

        if (0 == found)
        {
            subscriptionId = archive.startRecording(channel.build(), JournalLayout.STREAM_ID, SourceLocation.LOCAL);
            publication = aeron.addExclusivePublication(channel.build(), JournalLayout.STREAM_ID);
            counterId = awaitCounter(() -> RecordingPos.findCounterIdBySession(
                counters, publication.sessionId(), JournalLayout.ARCHIVE_ID));
            recordingId = RecordingPos.getRecordingId(counters, counterId);
            startPosition = 0;
            segmentFileLength = ctx.segmentFileLength();
        }
        else
        {
            if (finder.termBufferLength != termLength)
            {
                throw new KeelException(CONFIG, "JOURNAL_CONFIG",
                    "AeronJournal.Context.termLength=" + termLength + " but the journal in " + journalDir +
                    " was created with termLength=" + finder.termBufferLength + "; the term length of a journal " +
                    "cannot change");
            }

            recordingId = finder.recordingId;
            startPosition = finder.startPosition;
            // the archive keeps a recording's segment length for its whole life, whatever the context says now
            segmentFileLength = finder.segmentFileLength;
            channel.initialPosition(finder.stopPosition, finder.initialTermId, finder.termBufferLength);
            subscriptionId = archive.extendRecording(
                recordingId, channel.build(), JournalLayout.STREAM_ID, SourceLocation.LOCAL);
            publication = aeron.addExclusivePublication(channel.build(), JournalLayout.STREAM_ID);
            counterId = awaitCounter(() -> RecordingPos.findCounterIdByRecording(
                counters, recordingId, JournalLayout.ARCHIVE_ID));
        }

        counterRegistrationId = awaitRegistrationId(counterId);
        final long position = publication.position();

        final long deadlineNs = System.nanoTime() + timeoutNs;
        while (!publication.isConnected())
        {
            if (System.nanoTime() - deadlineNs > 0)
            {
                throw new KeelException(STORAGE, "JOURNAL_OPEN_FAILED",
                    "the archive did not connect to the journal publication within " + millis() + " ms in " +
                    journalDir, errors.first());
            }
            Thread.yield();
        }

        // the archive allocates the counter before it sets it to the join position; everything below that position
        // was recorded in an earlier life of the journal, so durablePosition() must never report less
        while (counters.getCounterValue(counterId) < position)
        {
            if (System.nanoTime() - deadlineNs > 0)
            {
                throw new KeelException(STORAGE, "JOURNAL_OPEN_FAILED",
                    "the journal recording counter stayed at " + counters.getCounterValue(counterId) + " below the " +
                    "recording's end " + position + " for " + millis() + " ms in " + journalDir, errors.first());
            }
            Thread.yield();
        }
    }

    ExclusivePublication publication()
    {
        return publication;
    }

    long recordingId()
    {
        return recordingId;
    }

    long startPosition()
    {
        return startPosition;
    }

    /**
     * How far the archive has recorded the journal; never waits, allocates nothing.
     *
     * @throws KeelException {@code JOURNAL_RECORDING_STOPPED} if the counter no longer belongs to the recording.
     */
    long recordedPosition()
    {
        final long value = counters.getCounterValue(counterId);
        // checked after the read: a freed and reused counter would hold some other recording's position
        if (CountersReader.RECORD_ALLOCATED != counters.getCounterState(counterId) ||
            counters.getCounterRegistrationId(counterId) != counterRegistrationId)
        {
            throw new KeelException(STORAGE, "JOURNAL_RECORDING_STOPPED",
                "the archive stopped recording the journal (recording " + recordingId + ") in " + journalDir +
                "; records after position " + value + " may not be durable", errors.first());
        }

        return value;
    }

    /**
     * Purges the segments wholly below the segment holding {@code position}, as far as the archive has detached
     * them; see {@link AeronJournal#releaseBefore(long)}.
     */
    void releaseBefore(final long position, final long durablePosition)
    {
        final long lowerBound =
            AeronArchive.segmentFileBasePosition(startPosition, startPosition, termLength, segmentFileLength) +
            segmentFileLength;
        // the archive detaches only segments below the one it is writing, which may trail position()
        final long newStart = Math.min(
            AeronArchive.segmentFileBasePosition(startPosition, position, termLength, segmentFileLength),
            AeronArchive.segmentFileBasePosition(startPosition, durablePosition, termLength, segmentFileLength));
        if (!settlePurge(false) || newStart < lowerBound)
        {
            // one purge at a time: a later release covers what this one would have
            return;
        }
        // the archive answers a purge only after it detached the segments, which took up to 12 ms on the circuit
        // thread (a checkpoint's stall) when the archive's conductor was busy: the purger thread waits instead
        // (the archive client is thread safe); released positions are refused from now on, the files go soon
        if (null == purger)
        {
            purger = Executors.newSingleThreadExecutor(runnable ->
            {
                final Thread thread = new Thread(runnable, "keel-journal-release");
                thread.setDaemon(true);
                return thread;
            });
        }
        purgeStart = newStart;
        purge = purger.submit(purgeTask, null);
        startPosition = newStart;
    }

    /**
     * Reports the last purge's failure, if it failed.
     *
     * @param wait wait for a purge still running (closing).
     * @return true if no purge is running.
     */
    private boolean settlePurge(final boolean wait)
    {
        final Future<?> purge = this.purge;
        if (null == purge)
        {
            return true;
        }
        if (!wait && !purge.isDone())
        {
            return false;
        }
        this.purge = null;
        try
        {
            purge.get(timeoutNs, TimeUnit.NANOSECONDS);
            return true;
        }
        catch (final ExecutionException | TimeoutException ex)
        {
            final Throwable cause = ex instanceof ExecutionException ? ex.getCause() : ex;
            throw new KeelException(STORAGE, "JOURNAL_RELEASE_FAILED",
                "cannot release journal segments below position " + purgeStart + " of recording " + recordingId +
                " in " + journalDir + ": " + cause, cause);
        }
        catch (final InterruptedException ex)
        {
            Thread.currentThread().interrupt();
            throw new KeelException(STORAGE, "JOURNAL_RELEASE_FAILED",
                "interrupted while releasing journal segments below position " + purgeStart + " in " + journalDir, ex);
        }
    }

    /** Lets the purger thread end (a release still running finishes on its own); any thread, at close. */
    void closePurger()
    {
        if (null != purger)
        {
            purger.shutdown();
        }
    }

    /** Stops the recording so that the catalog holds its stop position, after any release still running. */
    void stop()
    {
        try
        {
            settlePurge(true);
        }
        finally
        {
            closePurger();
            archive.stopRecording(subscriptionId);
        }
    }

    private long millis()
    {
        return TimeUnit.NANOSECONDS.toMillis(timeoutNs);
    }

    /**
     * The driver marks a counter allocated before it sets the counter's registration id, so a lookup that
     * races the allocation sees the default id; recordedPosition() compares against the id, so wait for it.
     * A registration id that stays at the default for the whole timeout is taken as it is.
     */
    private long awaitRegistrationId(final int counterId)
    {
        final long deadlineNs = System.nanoTime() + timeoutNs;
        long registrationId;
        while (CountersReader.DEFAULT_REGISTRATION_ID == (registrationId = counters.getCounterRegistrationId(counterId)) &&
            System.nanoTime() - deadlineNs < 0)
        {
            Thread.yield();
        }
        return registrationId;
    }

    private int awaitCounter(final IntSupplier lookup)
    {
        final long deadlineNs = System.nanoTime() + timeoutNs;
        int id;
        while (CountersReader.NULL_COUNTER_ID == (id = lookup.getAsInt()))
        {
            if (System.nanoTime() - deadlineNs > 0)
            {
                throw new KeelException(STORAGE, "JOURNAL_OPEN_FAILED",
                    "the archive did not start recording the journal within " + millis() + " ms in " + journalDir,
                    errors.first());
            }
            Thread.yield();
        }
        return id;
    }

    /** Captures the journal recording from the catalog listing. */
    private static final class RecordingFinder implements RecordingDescriptorConsumer
    {
        long recordingId;
        long startPosition;
        long stopPosition;
        int initialTermId;
        int termBufferLength;
        int segmentFileLength;

        public void onRecordingDescriptor(
            final long controlSessionId,
            final long correlationId,
            final long recordingId,
            final long startTimestamp,
            final long stopTimestamp,
            final long startPosition,
            final long stopPosition,
            final int initialTermId,
            final int segmentFileLength,
            final int termBufferLength,
            final int mtuLength,
            final int sessionId,
            final int streamId,
            final String strippedChannel,
            final String originalChannel,
            final String sourceIdentity)
        {
            this.recordingId = recordingId;
            this.startPosition = startPosition;
            this.stopPosition = stopPosition;
            this.initialTermId = initialTermId;
            this.termBufferLength = termBufferLength;
            this.segmentFileLength = segmentFileLength;
        }
    }
}
