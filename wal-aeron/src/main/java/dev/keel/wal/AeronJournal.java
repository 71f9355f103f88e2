package dev.keel.wal;

import dev.keel.engine.config.JournalSync;
import dev.keel.engine.KeelException;
import dev.keel.engine.api.EngineContext;
import dev.keel.engine.status.KeelCounters;
import dev.keel.engine.spi.Journal;
import dev.keel.engine.spi.StepRecord;
import io.aeron.Aeron;
import io.aeron.ExclusivePublication;
import io.aeron.archive.client.AeronArchive;
import io.aeron.logbuffer.FrameDescriptor;
import io.aeron.logbuffer.LogBufferDescriptor;
import org.agrona.BitUtil;
import org.agrona.CloseHelper;
import org.agrona.concurrent.BackoffIdleStrategy;
import org.agrona.concurrent.IdleStrategy;
import org.agrona.concurrent.NanoClock;
import org.agrona.concurrent.SystemNanoClock;
import org.agrona.concurrent.status.CountersManager;
import org.agrona.concurrent.status.CountersReader;

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
 * <b>Media.</b> The journal records on a {@link JournalMedia} (media driver + archive). The node launches the media,
 * passes it with {@link Context#media(JournalMedia)} and closes it after the journal; without one the journal
 * launches a media of its own from its context and closes it with itself (tools and tests). The media's launch
 * deletes a stale archive mark file and repairs a torn tail under the caller's ownership of the directory; see
 * there.
 * <p>
 * The parts, by the state they own: {@code JournalRecording} (the recording, its publication and position counter,
 * start, extend, release, stop), {@code JournalAppender} (the hot path and the journal's counters) and
 * {@code AeronReplay} (a replay polled one record at a time, and record reassembly).
 * <p>
 * Threading: every method is called from the circuit agent's thread; {@link #close()} may come from another
 * thread but only once the circuit has stopped calling the journal (closing unmaps the counters and buffers the
 * other methods read). {@link #append(StepRecord)} and {@link #durablePosition()} allocate nothing in steady state.
 */
public final class AeronJournal implements Journal
{
    /** Counters of a journal that was given no registry: five counters, one spare. */
    private static final int OWN_COUNTERS_LENGTH = 8 * CountersReader.COUNTER_LENGTH;

    private final Context ctx;
    private final JournalMedia media;
    private final boolean ownsMedia;
    private final JournalErrors errors;
    private KeelCounters ownedCounters;
    private Aeron aeron;
    private AeronArchive archive;
    private JournalRecording recording;
    private JournalAppender appender;
    private boolean isClosed;

    private AeronJournal(final Context ctx)
    {
        this.ctx = ctx;
        ownsMedia = null == ctx.media();
        media = ownsMedia ? JournalMedia.launch(ctx.newMediaContext()) : ctx.media();
        errors = media.errors();
        try
        {
            CountersManager countersManager = ctx.countersManager();
            if (null == countersManager)
            {
                ownedCounters = new KeelCounters(OWN_COUNTERS_LENGTH);
                countersManager = ownedCounters.countersManager();
            }
            aeron = Aeron.connect(new Aeron.Context()
                .aeronDirectoryName(ctx.aeronDir().toString())
                .errorHandler(errors));
            archive = AeronArchive.connect(new AeronArchive.Context()
                .aeron(aeron)
                .ownsAeronClient(false)
                .errorHandler(errors)
                .controlRequestChannel(media.archiveContext().localControlChannel())
                .controlRequestStreamId(media.archiveContext().localControlStreamId())
                .controlResponseChannel(JournalLayout.CHANNEL));
            recording = new JournalRecording(ctx, aeron, archive, errors);
            appender = new JournalAppender(ctx, recording, errors, countersManager);
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
     *
     * @param ctx the settings.
     * @return the open journal.
     */
    public static AeronJournal launch(final Context ctx)
    {
        ctx.conclude();
        return new AeronJournal(ctx);
    }

    /** @return what the media's launch did to a torn tail, for the node to log, or null if the tail was intact. */
    public String tailRepair()
    {
        return media.tailRepair();
    }

    /** @return largest encoded step record accepted: {@code termLength / 8}, Aeron's maximum message length. */
    public int maxRecordLength()
    {
        return appender.maxRecordLength();
    }

    /** @return id of the archive recording that holds the journal. */
    public long recordingId()
    {
        return recording.recordingId();
    }

    /** @return lowest position still held (it rises with {@link #releaseBefore(long)}). */
    public long startPosition()
    {
        return recording.startPosition();
    }

    /** For tests that break the recording under the journal. */
    void stopRecordingForTest()
    {
        recording.stop();
    }

    public long append(final StepRecord record)
    {
        checkOpen();
        return appender.append(record);
    }

    public long durablePosition()
    {
        checkOpen();
        return appender.durablePosition();
    }

    /**
     * The durable position as last observed by the appending thread, readable from any thread (for
     * {@link JournalExport#read}); lags {@link #durablePosition()} by at most a duty cycle.
     *
     * @return the position.
     */
    public long publishedDurablePosition()
    {
        return appender.publishedDurablePosition();
    }

    /** @return the journal directory. */
    public Path journalDir()
    {
        return ctx.journalDir();
    }

    public long position()
    {
        return appender.position();
    }

    public Replay openReplay(final long fromPosition)
    {
        checkOpen();
        final long endPosition = appender.position();
        checkReplayPosition(fromPosition, endPosition);
        return AeronReplay.open(aeron, archive, recording.recordingId(), fromPosition, endPosition, ctx.timeoutNs(),
            ctx.journalDir(), errors::first);
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
        if (position < 0 || position > appender.position())
        {
            throw new KeelException(STORAGE, "JOURNAL_BAD_POSITION",
                "cannot release journal before position " + position + ": outside [0, " + appender.position() +
                "] in " + ctx.journalDir());
        }
        recording.releaseBefore(position, appender.durablePosition());
    }

    /**
     * Waits until the archive has recorded everything appended, stops the recording (so the catalog holds its
     * stop position) and closes the journal's clients and counters, and the media if the journal launched it.
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
            appender.awaitRecorded(ctx.appendIdleStrategy());
            recording.stop();
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
        return "AeronJournal{dir=" + ctx.journalDir() + ", recordingId=" + recording.recordingId() + ", start=" +
            recording.startPosition() + ", position=" + appender.position() + '}';
    }

    private void checkReplayPosition(final long fromPosition, final long endPosition)
    {
        if (0 != (fromPosition & (FrameDescriptor.FRAME_ALIGNMENT - 1)))
        {
            throw new KeelException(STORAGE, "JOURNAL_BAD_POSITION",
                "cannot replay journal recording " + recording.recordingId() + " from position " + fromPosition +
                ": not a multiple of the frame alignment " + FrameDescriptor.FRAME_ALIGNMENT + " in " +
                ctx.journalDir());
        }

        if (fromPosition < recording.startPosition())
        {
            throw new KeelException(STORAGE, "JOURNAL_POSITION_RELEASED",
                "cannot replay journal recording " + recording.recordingId() + " from position " + fromPosition +
                ": released, the journal now starts at position " + recording.startPosition() + " in " +
                ctx.journalDir());
        }

        if (fromPosition > endPosition)
        {
            throw new KeelException(STORAGE, "JOURNAL_BAD_POSITION",
                "cannot replay journal recording " + recording.recordingId() + " from position " + fromPosition +
                ": beyond its end " + endPosition + " in " + ctx.journalDir());
        }
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
        if (null != recording)
        {
            recording.closePurger();
        }
        try
        {
            CloseHelper.closeAll(
                null == recording ? null : recording.publication(), archive, aeron, appender, ownedCounters,
                ownsMedia ? media : null);
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

    /**
     * Settings of an {@link AeronJournal}. Every setting has a default except the directory: {@link #journalDir(Path)}
     * or {@link #media(JournalMedia)}; {@link #conclude()} validates them and names the field, the value and what is
     * allowed.
     * <p>
     * {@link #aeronDir(Path)}, {@link #sync(JournalSync)}, {@link #archiveIdleStrategySupplier(Supplier)} and
     * {@link #segmentFileLength(int)} configure the media the journal launches when it is given none; with
     * {@link #media(JournalMedia)} they are the media's and setting them here is refused.
     */
    public static final class Context
    {
        /** Default term length: 16 MiB, so records up to 2 MiB. */
        public static final int TERM_LENGTH_DEFAULT = 16 * 1024 * 1024;

        /** Default segment file length: 128 MiB, the unit in which {@link #releaseBefore(long)} frees space. */
        public static final int SEGMENT_FILE_LENGTH_DEFAULT = JournalMedia.Context.SEGMENT_FILE_LENGTH_DEFAULT;

        /** Default bound on waits for the archive (open, back pressure, replay progress, close). */
        public static final long TIMEOUT_NS_DEFAULT = TimeUnit.SECONDS.toNanos(10);

        /** Largest segment file Aeron maps. */
        public static final int SEGMENT_FILE_LENGTH_MAX = JournalMedia.Context.SEGMENT_FILE_LENGTH_MAX;

        private boolean isConcluded;
        private boolean isMediaSettingSet;
        private JournalMedia media;
        private Path journalDir;
        private Path aeronDir;
        private JournalSync sync = JournalSync.DATA;
        private Supplier<IdleStrategy> archiveIdleStrategySupplier = JournalMedia.Context::defaultArchiveIdleStrategy;
        private IdleStrategy appendIdleStrategy;
        private int termLength = TERM_LENGTH_DEFAULT;
        private int segmentFileLength = SEGMENT_FILE_LENGTH_DEFAULT;
        private long timeoutNs = TIMEOUT_NS_DEFAULT;
        private CountersManager countersManager;
        private String counterPipelineName = EngineContext.DEFAULT_PIPELINE_NAME;
        private NanoClock nanoClock = SystemNanoClock.INSTANCE;

        /**
         * The archive and driver idle strategy: {@link JournalMedia.Context#defaultArchiveIdleStrategy()}.
         *
         * @return a new idle strategy.
         */
        public static IdleStrategy defaultArchiveIdleStrategy()
        {
            return JournalMedia.Context.defaultArchiveIdleStrategy();
        }

        /**
         * Validates the settings and derives defaults; called by {@link AeronJournal#launch(Context)}.
         *
         * @return this.
         */
        public Context conclude()
        {
            if (isConcluded)
            {
                return this;
            }

            if (null != media)
            {
                concludeFromMedia();
            }
            else
            {
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
            if (null == counterPipelineName || counterPipelineName.isEmpty())
            {
                throw invalid("counterPipelineName", counterPipelineName, "a non-empty name");
            }
            if (null == nanoClock)
            {
                throw invalid("nanoClock", null, "a clock");
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

        private void concludeFromMedia()
        {
            if (media.isClosed())
            {
                throw invalid("media", media, "a media that is not closed");
            }
            if (isMediaSettingSet)
            {
                throw invalid("media", media, "given alone: aeronDir, sync, archiveIdleStrategySupplier and " +
                    "segmentFileLength are then the media's (set them on JournalMedia.Context)");
            }
            final JournalMedia.Context mediaCtx = media.context();
            if (null != journalDir && !journalDir.toAbsolutePath().equals(mediaCtx.journalDir()))
            {
                throw invalid("journalDir", journalDir, "the media's journal directory " + mediaCtx.journalDir() +
                    " or unset");
            }
            journalDir = mediaCtx.journalDir();
            aeronDir = mediaCtx.aeronDir();
            sync = mediaCtx.sync();
            archiveIdleStrategySupplier = mediaCtx.archiveIdleStrategySupplier();
            segmentFileLength = mediaCtx.segmentFileLength();
        }

        JournalMedia.Context newMediaContext()
        {
            return new JournalMedia.Context()
                .journalDir(journalDir)
                .aeronDir(aeronDir)
                .sync(sync)
                .archiveIdleStrategySupplier(archiveIdleStrategySupplier)
                .segmentFileLength(segmentFileLength);
        }

        /**
         * @param media the node's media driver and archive to record on, closed by the node after the journal;
         *              default none: the journal launches its own.
         * @return this.
         */
        public Context media(final JournalMedia media)
        {
            this.media = media;
            return this;
        }

        /** @return the media given, or null. */
        public JournalMedia media()
        {
            return media;
        }

        /**
         * @param journalDir directory of the journal, {@code <storage_config.path>/journal}; required without a
         *                   media, the media's by default with one.
         * @return this.
         */
        public Context journalDir(final Path journalDir)
        {
            this.journalDir = journalDir;
            return this;
        }

        /** @return the journal directory. */
        public Path journalDir()
        {
            return journalDir;
        }

        /**
         * Media driver directory; default {@code journalDir/aeron}. Put it on tmpfs ({@code /dev/shm}) in
         * production to keep the driver's log buffers off the disk; it must be private to this journal.
         *
         * @param aeronDir the directory.
         * @return this.
         */
        public Context aeronDir(final Path aeronDir)
        {
            this.aeronDir = aeronDir;
            isMediaSettingSet = true;
            return this;
        }

        /** @return the media driver directory. */
        public Path aeronDir()
        {
            return aeronDir;
        }

        /**
         * @param sync how far a record is forced before it counts as durable; default {@link JournalSync#DATA}.
         * @return this.
         */
        public Context sync(final JournalSync sync)
        {
            this.sync = sync;
            isMediaSettingSet = true;
            return this;
        }

        /** @return the sync level. */
        public JournalSync sync()
        {
            return sync;
        }

        /**
         * @param supplier idle strategies of the archive and driver threads; default
         *                 {@link JournalMedia.Context#defaultArchiveIdleStrategy()}.
         * @return this.
         */
        public Context archiveIdleStrategySupplier(final Supplier<IdleStrategy> supplier)
        {
            this.archiveIdleStrategySupplier = supplier;
            isMediaSettingSet = true;
            return this;
        }

        /** @return the archive idle strategy supplier. */
        public Supplier<IdleStrategy> archiveIdleStrategySupplier()
        {
            return archiveIdleStrategySupplier;
        }

        /**
         * @param idleStrategy how the appending thread waits under back pressure; default a backoff parking up to
         *                     100 µs.
         * @return this.
         */
        public Context appendIdleStrategy(final IdleStrategy idleStrategy)
        {
            this.appendIdleStrategy = idleStrategy;
            return this;
        }

        /** @return the append idle strategy. */
        public IdleStrategy appendIdleStrategy()
        {
            return appendIdleStrategy;
        }

        /**
         * Term length of the journal publication; default 16 MiB. A record may be at most termLength/8 bytes
         * encoded (Aeron's maximum message length); a larger step record fails with
         * {@code JOURNAL_RECORD_TOO_LARGE}. Fixed when the journal is created.
         *
         * @param termLength the length in bytes.
         * @return this.
         */
        public Context termLength(final int termLength)
        {
            this.termLength = termLength;
            return this;
        }

        /** @return the term length. */
        public int termLength()
        {
            return termLength;
        }

        /**
         * @param segmentFileLength segment file length, a power of two at least the term length; default 128 MiB.
         * @return this.
         */
        public Context segmentFileLength(final int segmentFileLength)
        {
            this.segmentFileLength = segmentFileLength;
            isMediaSettingSet = true;
            return this;
        }

        /** @return the segment file length. */
        public int segmentFileLength()
        {
            return segmentFileLength;
        }

        /**
         * @param timeoutNs bound on waits for the archive: open, back pressure, replay progress, close; default 10 s.
         * @return this.
         */
        public Context timeoutNs(final long timeoutNs)
        {
            this.timeoutNs = timeoutNs;
            return this;
        }

        /** @return the timeout. */
        public long timeoutNs()
        {
            return timeoutNs;
        }

        /**
         * @param countersManager registry to allocate the journal's counters in (the node passes the pipeline's, which
         *                        it exports); default a private one.
         * @return this.
         */
        public Context countersManager(final CountersManager countersManager)
        {
            this.countersManager = countersManager;
            return this;
        }

        /** @return the counters registry given, or null. */
        public CountersManager countersManager()
        {
            return countersManager;
        }

        /**
         * @param name the {@code pipeline} label of the journal's counters; default
         *             {@link EngineContext#DEFAULT_PIPELINE_NAME}.
         * @return this.
         */
        public Context counterPipelineName(final String name)
        {
            this.counterPipelineName = name;
            return this;
        }

        /** @return the pipeline label of the counters. */
        public String counterPipelineName()
        {
            return counterPipelineName;
        }

        /**
         * @param clock clock of the commit latency counter; default the system's.
         * @return this.
         */
        public Context nanoClock(final NanoClock clock)
        {
            this.nanoClock = clock;
            return this;
        }

        /** @return the clock. */
        public NanoClock nanoClock()
        {
            return nanoClock;
        }

        private static KeelException invalid(final String field, final Object value, final String allowed)
        {
            return new KeelException(CONFIG, "JOURNAL_CONFIG",
                "AeronJournal.Context." + field + "=" + value + " is invalid: must be " + allowed);
        }
    }
}
