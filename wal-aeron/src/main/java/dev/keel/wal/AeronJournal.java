package dev.keel.wal;

import dev.keel.engine.KeelException;
import dev.keel.engine.spi.Journal;
import dev.keel.engine.spi.StepRecord;
import io.aeron.Aeron;
import io.aeron.ChannelUri;
import io.aeron.ChannelUriStringBuilder;
import io.aeron.ExclusivePublication;
import io.aeron.Image;
import io.aeron.Publication;
import io.aeron.Subscription;
import io.aeron.archive.Archive;
import io.aeron.archive.ArchiveThreadingMode;
import io.aeron.archive.ArchivingMediaDriver;
import io.aeron.archive.client.AeronArchive;
import io.aeron.archive.codecs.SourceLocation;
import io.aeron.archive.status.RecordingPos;
import io.aeron.driver.MediaDriver;
import io.aeron.driver.ThreadingMode;
import io.aeron.logbuffer.FragmentHandler;
import io.aeron.logbuffer.FrameDescriptor;
import io.aeron.logbuffer.Header;
import io.aeron.logbuffer.LogBufferDescriptor;
import org.agrona.BitUtil;
import org.agrona.CloseHelper;
import org.agrona.DirectBuffer;
import org.agrona.ErrorHandler;
import org.agrona.ExpandableDirectByteBuffer;
import org.agrona.concurrent.BackoffIdleStrategy;
import org.agrona.concurrent.IdleStrategy;
import org.agrona.concurrent.status.CountersReader;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;

import static dev.keel.engine.KeelException.Category.CONFIG;
import static dev.keel.engine.KeelException.Category.STORAGE;

/**
 * The input write-ahead journal on an embedded Aeron Archive: one IPC recording for the journal's whole life,
 * started on the first open and extended on every later one.
 * <p>
 * {@link #append(StepRecord)} encodes the record with pre-allocated SBE codecs ({@code StepRecordProxy}) and
 * offers it to an {@link ExclusivePublication}; the archive's recorder writes it to segment files and, with
 * {@link JournalSync#DATA} or {@link JournalSync#FULL}, forces them before advancing the recording's
 * {@code RecordingPos} counter. {@link #durablePosition()} reads that counter without blocking, which is how group
 * commit works: the circuit appends several steps and releases their output once the counter covers them.
 * <p>
 * <b>Ownership.</b> The caller guarantees that no other process uses {@link Context#journalDir()} for the
 * journal's lifetime (the node holds the OS lock {@code keel.lock} on the storage directory). On that guarantee
 * the journal deletes a stale {@code archive-mark.dat} and media driver directory left by a killed process
 * instead of waiting out Aeron's 10 s liveness timeouts.
 * <p>
 * <b>Recovery.</b> Before the archive is launched, {@code JournalTail} checks the end of the recording and cuts a
 * torn tail; see there for the rule. Replay then runs through the archive.
 * <p>
 * Threading: every method is called from the circuit agent's thread; {@link #close()} may come from another
 * thread but only once the circuit has stopped calling the journal (closing unmaps the counters and buffers the
 * other methods read). {@link #append(StepRecord)} and {@link #durablePosition()} allocate nothing in steady state.
 * The driver and the archive share one thread each (SHARED modes), the right choice on few cores.
 */
public final class AeronJournal implements Journal
{
    private static final long ARCHIVE_ID = 1L;

    private final Context ctx;
    private final String tailRepair;
    private final StepRecordProxy proxy;
    private final IdleStrategy appendIdleStrategy;
    private final Errors errors = new Errors();
    private ArchivingMediaDriver driver;
    private Aeron aeron;
    private AeronArchive archive;
    private ExclusivePublication publication;
    private CountersReader counters;
    private long recordingId;
    private long subscriptionId;
    private int counterId;
    private long counterRegistrationId;
    private long startPosition;
    private int segmentFileLength;
    private long position;
    private boolean isClosed;

    private AeronJournal(final Context ctx)
    {
        this.ctx = ctx;
        this.appendIdleStrategy = ctx.appendIdleStrategy();
        final Path archiveDir = JournalLayout.archiveDir(ctx.journalDir());
        try
        {
            Files.createDirectories(archiveDir);
            // safe only because the caller owns the directory: a live archive would be using this mark file
            Files.deleteIfExists(archiveDir.resolve(io.aeron.archive.ArchiveMarkFile.FILENAME));
        }
        catch (final IOException ex)
        {
            throw new KeelException(STORAGE, "JOURNAL_IO", "cannot prepare journal directory " + archiveDir, ex);
        }

        tailRepair = JournalTail.checkAndRepair(archiveDir);

        try
        {
            driver = ArchivingMediaDriver.launch(driverContext(ctx, errors), archiveContext(ctx, archiveDir, errors));
            aeron = Aeron.connect(new Aeron.Context()
                .aeronDirectoryName(ctx.aeronDir().toString())
                .errorHandler(errors));
            archive = AeronArchive.connect(new AeronArchive.Context()
                .aeron(aeron)
                .ownsAeronClient(false)
                .errorHandler(errors)
                .controlRequestChannel(driver.archive().context().localControlChannel())
                .controlRequestStreamId(driver.archive().context().localControlStreamId())
                .controlResponseChannel(JournalLayout.CHANNEL));
            counters = aeron.countersReader();
            openRecording();
            proxy = new StepRecordProxy(publication.maxMessageLength());
        }
        catch (final RuntimeException ex)
        {
            closeResources(ex);
            if (ex instanceof KeelException)
            {
                throw ex;
            }
            throw new KeelException(STORAGE, "JOURNAL_OPEN_FAILED",
                "cannot open the journal in " + ctx.journalDir() + ": " + ex.getMessage(), ex);
        }
    }

    /**
     * Concludes the context, recovers the journal in its directory (or creates it) and opens it for appending.
     */
    public static AeronJournal launch(final Context ctx)
    {
        ctx.conclude();
        return new AeronJournal(ctx);
    }

    /** What the open did to a torn tail, for the node to log, or null if the tail was intact. */
    public String tailRepair()
    {
        return tailRepair;
    }

    /** Largest encoded step record accepted: {@code termLength / 8}, Aeron's maximum message length. */
    public int maxRecordLength()
    {
        return proxy.capacity();
    }

    /** Id of the archive recording that holds the journal. */
    public long recordingId()
    {
        return recordingId;
    }

    /** Lowest position still held (it rises with {@link #releaseBefore(long)}). */
    public long startPosition()
    {
        return startPosition;
    }

    /** For tests that break the recording under the journal. */
    void stopRecordingForTest()
    {
        archive.stopRecording(subscriptionId);
    }

    public long append(final StepRecord record)
    {
        checkOpen();
        final long length = StepRecordProxy.encodedLength(record);
        if (length > proxy.capacity())
        {
            throw new KeelException(STORAGE, "JOURNAL_RECORD_TOO_LARGE",
                "step " + record.step() + " encodes to " + length + " bytes, above the journal's maximum record size " +
                proxy.capacity() + " (termLength/8 with termLength=" + ctx.termLength() + ") in " + ctx.journalDir());
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
                    deadlineNs = nowNs + ctx.timeoutNs();
                }
                else if (nowNs - deadlineNs > 0)
                {
                    throw new KeelException(STORAGE, "JOURNAL_BACK_PRESSURE",
                        "the archive did not accept step " + record.step() + " at position " + position + " within " +
                        TimeUnit.NANOSECONDS.toMillis(ctx.timeoutNs()) + " ms (recorded position " +
                        durablePosition() + ") in " + ctx.journalDir(), errors.first());
                }
                appendIdleStrategy.idle();
            }
            else
            {
                throw offerFailure(record, result);
            }
        }
        appendIdleStrategy.reset();

        position = result;
        return result;
    }

    public long durablePosition()
    {
        checkOpen();
        return recordedPosition();
    }

    private long recordedPosition()
    {
        final long value = counters.getCounterValue(counterId);
        // checked after the read: a freed and reused counter would hold some other recording's position
        if (CountersReader.RECORD_ALLOCATED != counters.getCounterState(counterId) ||
            counters.getCounterRegistrationId(counterId) != counterRegistrationId)
        {
            throw new KeelException(STORAGE, "JOURNAL_RECORDING_STOPPED",
                "the archive stopped recording the journal (recording " + recordingId + ") in " + ctx.journalDir() +
                "; records after position " + value + " may not be durable", errors.first());
        }

        return value;
    }

    public long position()
    {
        return position;
    }

    public Replay openReplay(final long fromPosition)
    {
        checkOpen();
        final long endPosition = position;
        checkReplayPosition(fromPosition, endPosition);
        return AeronReplay.open(
            aeron, archive, recordingId, fromPosition, endPosition, ctx.timeoutNs(), ctx.journalDir(), errors::first);
    }

    /**
     * Deletes the segment files wholly below the segment holding {@code position} ({@code purgeSegments}); the
     * archive removes the files on its own thread shortly after. Space is freed in units of
     * {@link Context#segmentFileLength()}; a position in the first held segment frees nothing. A synchronous
     * round trip to the archive: call it after a checkpoint, not on every step.
     */
    public void releaseBefore(final long position)
    {
        checkOpen();
        if (position < 0 || position > this.position)
        {
            throw new KeelException(STORAGE, "JOURNAL_BAD_POSITION",
                "cannot release journal before position " + position + ": outside [0, " + this.position + "] in " +
                ctx.journalDir());
        }

        final int termLength = ctx.termLength();
        final long lowerBound =
            AeronArchive.segmentFileBasePosition(startPosition, startPosition, termLength, segmentFileLength) +
            segmentFileLength;
        // the archive detaches only segments below the one it is writing, which may trail position()
        final long newStart = Math.min(
            AeronArchive.segmentFileBasePosition(startPosition, position, termLength, segmentFileLength),
            AeronArchive.segmentFileBasePosition(startPosition, durablePosition(), termLength, segmentFileLength));
        if (newStart < lowerBound)
        {
            return;
        }

        try
        {
            archive.purgeSegments(recordingId, newStart);
        }
        catch (final RuntimeException ex)
        {
            throw new KeelException(STORAGE, "JOURNAL_RELEASE_FAILED",
                "cannot release journal segments below position " + newStart + " of recording " + recordingId +
                " in " + ctx.journalDir() + ": " + ex.getMessage(), ex);
        }
        startPosition = newStart;
    }

    /**
     * Waits until the archive has recorded everything appended, stops the recording (so the catalog holds its
     * stop position) and shuts the archive and driver down.
     */
    public void close()
    {
        if (isClosed)
        {
            return;
        }
        isClosed = true;

        RuntimeException failure = null;
        try
        {
            final long deadlineNs = System.nanoTime() + ctx.timeoutNs();
            final IdleStrategy idle = ctx.appendIdleStrategy();
            while (recordedPosition() < position)
            {
                if (System.nanoTime() - deadlineNs > 0)
                {
                    throw new KeelException(STORAGE, "JOURNAL_CLOSE_TIMEOUT",
                        "the archive recorded the journal up to position " + recordedPosition() + " of " + position +
                        " within " + TimeUnit.NANOSECONDS.toMillis(ctx.timeoutNs()) + " ms in " + ctx.journalDir());
                }
                idle.idle();
            }
            archive.stopRecording(subscriptionId);
        }
        catch (final RuntimeException ex)
        {
            failure = ex;
        }

        closeResources(failure);
        if (null != failure)
        {
            throw failure;
        }
    }

    public String toString()
    {
        return "AeronJournal{dir=" + ctx.journalDir() + ", recordingId=" + recordingId + ", start=" + startPosition +
            ", position=" + position + '}';
    }

    private void openRecording()
    {
        final RecordingFinder finder = new RecordingFinder();
        final int found = archive.listRecordingsForUri(
            0, Integer.MAX_VALUE, JournalLayout.CHANNEL, JournalLayout.STREAM_ID, finder);
        if (found > 1)
        {
            throw new KeelException(STORAGE, "JOURNAL_MULTIPLE_RECORDINGS",
                "the archive in " + ctx.journalDir() + " holds " + found + " journal recordings, expected one");
        }

        final ChannelUriStringBuilder channel = new ChannelUriStringBuilder()
            .media("ipc")
            .termLength(ctx.termLength());

        if (0 == found)
        {
            subscriptionId = archive.startRecording(channel.build(), JournalLayout.STREAM_ID, SourceLocation.LOCAL);
            publication = aeron.addExclusivePublication(channel.build(), JournalLayout.STREAM_ID);
            counterId = awaitCounter(() -> RecordingPos.findCounterIdBySession(
                counters, publication.sessionId(), ARCHIVE_ID));
            recordingId = RecordingPos.getRecordingId(counters, counterId);
            startPosition = 0;
            segmentFileLength = ctx.segmentFileLength();
        }
        else
        {
            if (finder.termBufferLength != ctx.termLength())
            {
                throw new KeelException(CONFIG, "JOURNAL_CONFIG",
                    "AeronJournal.Context.termLength=" + ctx.termLength() + " but the journal in " + ctx.journalDir() +
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
            counterId = awaitCounter(() -> RecordingPos.findCounterIdByRecording(counters, recordingId, ARCHIVE_ID));
        }

        counterRegistrationId = awaitRegistrationId(counterId);
        position = publication.position();

        final long deadlineNs = System.nanoTime() + ctx.timeoutNs();
        while (!publication.isConnected())
        {
            if (System.nanoTime() - deadlineNs > 0)
            {
                throw new KeelException(STORAGE, "JOURNAL_OPEN_FAILED",
                    "the archive did not connect to the journal publication within " +
                    TimeUnit.NANOSECONDS.toMillis(ctx.timeoutNs()) + " ms in " + ctx.journalDir(), errors.first());
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
                    "recording's end " + position + " for " + TimeUnit.NANOSECONDS.toMillis(ctx.timeoutNs()) +
                    " ms in " + ctx.journalDir(), errors.first());
            }
            Thread.yield();
        }
    }

    /**
     * The driver marks a counter allocated before it sets the counter's registration id, so a lookup that
     * races the allocation sees the default id; durablePosition() compares against the id, so wait for it.
     * A registration id that stays at the default for the whole timeout is taken as it is.
     */
    private long awaitRegistrationId(final int counterId)
    {
        final long deadlineNs = System.nanoTime() + ctx.timeoutNs();
        long registrationId;
        while (CountersReader.DEFAULT_REGISTRATION_ID == (registrationId = counters.getCounterRegistrationId(counterId)) &&
            System.nanoTime() - deadlineNs < 0)
        {
            Thread.yield();
        }
        return registrationId;
    }

    private int awaitCounter(final java.util.function.IntSupplier lookup)
    {
        final long deadlineNs = System.nanoTime() + ctx.timeoutNs();
        int id;
        while (CountersReader.NULL_COUNTER_ID == (id = lookup.getAsInt()))
        {
            if (System.nanoTime() - deadlineNs > 0)
            {
                throw new KeelException(STORAGE, "JOURNAL_OPEN_FAILED",
                    "the archive did not start recording the journal within " +
                    TimeUnit.NANOSECONDS.toMillis(ctx.timeoutNs()) + " ms in " + ctx.journalDir(), errors.first());
            }
            Thread.yield();
        }
        return id;
    }

    private void checkReplayPosition(final long fromPosition, final long endPosition)
    {
        if (0 != (fromPosition & (FrameDescriptor.FRAME_ALIGNMENT - 1)))
        {
            throw new KeelException(STORAGE, "JOURNAL_BAD_POSITION",
                "cannot replay journal recording " + recordingId + " from position " + fromPosition +
                ": not a multiple of the frame alignment " + FrameDescriptor.FRAME_ALIGNMENT + " in " +
                ctx.journalDir());
        }

        if (fromPosition < startPosition)
        {
            throw new KeelException(STORAGE, "JOURNAL_POSITION_RELEASED",
                "cannot replay journal recording " + recordingId + " from position " + fromPosition +
                ": released, the journal now starts at position " + startPosition + " in " + ctx.journalDir());
        }

        if (fromPosition > endPosition)
        {
            throw new KeelException(STORAGE, "JOURNAL_BAD_POSITION",
                "cannot replay journal recording " + recordingId + " from position " + fromPosition +
                ": beyond its end " + endPosition + " in " + ctx.journalDir());
        }
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
            reason = "the journal reached the maximum position of its term length " + ctx.termLength();
        }
        else
        {
            reason = "offer returned " + result;
        }

        return new KeelException(STORAGE, "JOURNAL_APPEND_FAILED",
            "cannot append step " + record.step() + " at position " + position + " to the journal in " +
            ctx.journalDir() + ": " + reason, errors.first());
    }

    private void checkOpen()
    {
        if (isClosed)
        {
            throw new KeelException(STORAGE, "JOURNAL_CLOSED", "the journal in " + ctx.journalDir() + " is closed");
        }
    }

    private void closeResources(final Throwable failure)
    {
        try
        {
            CloseHelper.closeAll(publication, archive, aeron, driver);
        }
        catch (final RuntimeException ex)
        {
            if (null != failure)
            {
                failure.addSuppressed(ex);
            }
            else
            {
                throw ex;
            }
        }
    }

    private static MediaDriver.Context driverContext(final Context ctx, final ErrorHandler errorHandler)
    {
        return new MediaDriver.Context()
            .aeronDirectoryName(ctx.aeronDir().toString())
            .errorHandler(errorHandler)
            .threadingMode(ThreadingMode.SHARED)
            .sharedIdleStrategy(ctx.archiveIdleStrategySupplier().get())
            // a killed process leaves a cnc.dat whose heartbeat looks alive for 10 s; the caller owns the dir
            .dirDeleteOnStart(true)
            .dirDeleteOnShutdown(true);
    }

    private static Archive.Context archiveContext(
        final Context ctx, final Path archiveDir, final ErrorHandler errorHandler)
    {
        return new Archive.Context()
            .aeronDirectoryName(ctx.aeronDir().toString())
            .errorHandler(errorHandler)
            .archiveDir(archiveDir.toFile())
            .archiveId(ARCHIVE_ID)
            .controlChannelEnabled(false)
            // mandatory even though the journal never replicates
            .replicationChannel("aeron:udp?endpoint=localhost:0")
            .archiveClientContext(new AeronArchive.Context().controlResponseChannel("aeron:udp?endpoint=localhost:0"))
            .threadingMode(ArchiveThreadingMode.SHARED)
            .idleStrategySupplier(ctx.archiveIdleStrategySupplier())
            .segmentFileLength(ctx.segmentFileLength())
            .fileSyncLevel(ctx.sync().archiveSyncLevel())
            .catalogFileSyncLevel(ctx.sync().archiveSyncLevel())
            .deleteArchiveOnStart(false);
    }

    /** Keeps the first error raised on the driver's, archive's or client's threads so that failures can name it. */
    static final class Errors implements ErrorHandler
    {
        private final java.util.concurrent.atomic.AtomicLong count = new java.util.concurrent.atomic.AtomicLong();
        private volatile Throwable first;

        public void onError(final Throwable throwable)
        {
            if (null == first)
            {
                first = throwable;
            }
            count.incrementAndGet();
            // an embedded archive has no other place to report to: stderr is the node's log
            System.err.println("keel journal: error on an archive thread: " + throwable);
        }

        Throwable first()
        {
            return first;
        }

        long count()
        {
            return count.get();
        }
    }

    /** Captures the journal recording from the catalog listing. */
    private static final class RecordingFinder implements io.aeron.archive.client.RecordingDescriptorConsumer
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

    /**
     * Settings of an {@link AeronJournal}. Every setting has a default except {@link #journalDir(Path)};
     * {@link #conclude()} validates them and names the field, the value and what is allowed.
     */
    public static final class Context
    {
        /** Default term length: 16 MiB, so records up to 2 MiB. */
        public static final int TERM_LENGTH_DEFAULT = 16 * 1024 * 1024;

        /** Default segment file length: 128 MiB, the unit in which {@link #releaseBefore(long)} frees space. */
        public static final int SEGMENT_FILE_LENGTH_DEFAULT = 128 * 1024 * 1024;

        /** Default bound on waits for the archive (open, back pressure, replay progress, close). */
        public static final long TIMEOUT_NS_DEFAULT = TimeUnit.SECONDS.toNanos(10);

        /** Largest segment file Aeron maps. */
        public static final int SEGMENT_FILE_LENGTH_MAX = 1024 * 1024 * 1024;

        private boolean isConcluded;
        private Path journalDir;
        private Path aeronDir;
        private JournalSync sync = JournalSync.DATA;
        private Supplier<IdleStrategy> archiveIdleStrategySupplier = Context::defaultArchiveIdleStrategy;
        private IdleStrategy appendIdleStrategy;
        private int termLength = TERM_LENGTH_DEFAULT;
        private int segmentFileLength = SEGMENT_FILE_LENGTH_DEFAULT;
        private long timeoutNs = TIMEOUT_NS_DEFAULT;

        /**
         * Idle strategy of the archive and driver threads when no work is found: spin, yield, then park from
         * 1 µs doubling up to 50 µs.
         * <p>
         * Why: the commit latency of a small step is dominated by how long the archive thread sleeps before it sees
         * the new data, not by the disk. STACK.md 3.1 measured, with fdatasync: Aeron's default backoff (parks up
         * to 1 ms) 0.6-1.1 ms median, a 50 µs sleep 0.19-0.21 ms, yielding ~90 µs median but 4 ms p90 under CPU
         * contention while burning a core. Capping the park at 50 µs keeps the idle cost of a quiet journal low on
         * 2-core hosts, bounds the added latency to tens of microseconds after an idle period, and the spin/yield
         * phase keeps back-to-back commits in the microseconds. Measured with {@code JournalCommitLatency}
         * (sync=DATA, 1 record, shared 2-core machine): after a 2 ms pause median 224-228 µs against 840-852 µs
         * for Aeron's default backoff; after a 200 µs pause 125-180 µs (yielding: 72-92 µs, burning a core);
         * sync=NONE back to back 1.2-1.4 µs.
         */
        public static IdleStrategy defaultArchiveIdleStrategy()
        {
            return new BackoffIdleStrategy(10, 20, TimeUnit.MICROSECONDS.toNanos(1), TimeUnit.MICROSECONDS.toNanos(50));
        }

        /** Validates the settings and derives defaults; called by {@link AeronJournal#launch(Context)}. */
        public Context conclude()
        {
            if (isConcluded)
            {
                return this;
            }

            if (null == journalDir)
            {
                throw invalid("journalDir", null, "a directory path (required; the node passes " +
                    "<storage_config.path>/journal)");
            }
            if (Files.exists(journalDir) && !Files.isDirectory(journalDir))
            {
                throw invalid("journalDir", journalDir, "a directory, or a path that does not exist yet");
            }
            if (null == sync)
            {
                throw invalid("sync", null, "one of NONE, DATA, FULL");
            }
            if (null == archiveIdleStrategySupplier)
            {
                throw invalid("archiveIdleStrategySupplier", null, "a supplier of idle strategies");
            }
            if (termLength < LogBufferDescriptor.TERM_MIN_LENGTH || termLength > LogBufferDescriptor.TERM_MAX_LENGTH ||
                !BitUtil.isPowerOfTwo(termLength))
            {
                throw invalid("termLength", termLength, "a power of two from " + LogBufferDescriptor.TERM_MIN_LENGTH +
                    " to " + LogBufferDescriptor.TERM_MAX_LENGTH + " (records up to termLength/8 bytes)");
            }
            if (segmentFileLength < termLength || segmentFileLength > SEGMENT_FILE_LENGTH_MAX ||
                !BitUtil.isPowerOfTwo(segmentFileLength))
            {
                throw invalid("segmentFileLength", segmentFileLength, "a power of two from termLength (" + termLength +
                    ") to " + SEGMENT_FILE_LENGTH_MAX);
            }
            if (timeoutNs <= 0)
            {
                throw invalid("timeoutNs", timeoutNs, "a positive number of nanoseconds");
            }

            journalDir = journalDir.toAbsolutePath();
            if (null == aeronDir)
            {
                aeronDir = journalDir.resolve(JournalLayout.AERON_DIR_NAME);
            }
            if (null == appendIdleStrategy)
            {
                appendIdleStrategy = new BackoffIdleStrategy(
                    10, 20, TimeUnit.MICROSECONDS.toNanos(1), TimeUnit.MICROSECONDS.toNanos(100));
            }

            isConcluded = true;
            return this;
        }

        /** Directory of the journal, {@code <storage_config.path>/journal}; required. */
        public Context journalDir(final Path journalDir)
        {
            this.journalDir = journalDir;
            return this;
        }

        public Path journalDir()
        {
            return journalDir;
        }

        /**
         * Media driver directory; default {@code journalDir/aeron}. Put it on tmpfs ({@code /dev/shm}) in
         * production to keep the driver's log buffers off the disk; it must be private to this journal.
         */
        public Context aeronDir(final Path aeronDir)
        {
            this.aeronDir = aeronDir;
            return this;
        }

        public Path aeronDir()
        {
            return aeronDir;
        }

        /** How far a record is forced before it counts as durable; default {@link JournalSync#DATA}. */
        public Context sync(final JournalSync sync)
        {
            this.sync = sync;
            return this;
        }

        public JournalSync sync()
        {
            return sync;
        }

        /** Idle strategies of the archive and driver threads; default {@link #defaultArchiveIdleStrategy()}. */
        public Context archiveIdleStrategySupplier(final Supplier<IdleStrategy> supplier)
        {
            this.archiveIdleStrategySupplier = supplier;
            return this;
        }

        public Supplier<IdleStrategy> archiveIdleStrategySupplier()
        {
            return archiveIdleStrategySupplier;
        }

        /** How the appending thread waits under back pressure; default a backoff parking up to 100 µs. */
        public Context appendIdleStrategy(final IdleStrategy idleStrategy)
        {
            this.appendIdleStrategy = idleStrategy;
            return this;
        }

        public IdleStrategy appendIdleStrategy()
        {
            return appendIdleStrategy;
        }

        /**
         * Term length of the journal publication; default 16 MiB. A record may be at most termLength/8 bytes
         * encoded (Aeron's maximum message length); a larger step record fails with
         * {@code JOURNAL_RECORD_TOO_LARGE}. Fixed when the journal is created.
         */
        public Context termLength(final int termLength)
        {
            this.termLength = termLength;
            return this;
        }

        public int termLength()
        {
            return termLength;
        }

        /** Segment file length, a power of two at least the term length; default 128 MiB. */
        public Context segmentFileLength(final int segmentFileLength)
        {
            this.segmentFileLength = segmentFileLength;
            return this;
        }

        public int segmentFileLength()
        {
            return segmentFileLength;
        }

        /** Bound on waits for the archive: open, back pressure, replay progress, close; default 10 s. */
        public Context timeoutNs(final long timeoutNs)
        {
            this.timeoutNs = timeoutNs;
            return this;
        }

        public long timeoutNs()
        {
            return timeoutNs;
        }

        private static KeelException invalid(final String field, final Object value, final String allowed)
        {
            return new KeelException(CONFIG, "JOURNAL_CONFIG",
                "AeronJournal.Context." + field + "=" + value + " is invalid: must be " + allowed);
        }
    }
}
