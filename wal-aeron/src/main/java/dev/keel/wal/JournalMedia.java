package dev.keel.wal;

import dev.keel.engine.KeelException;
import io.aeron.archive.Archive;
import io.aeron.archive.ArchiveMarkFile;
import io.aeron.archive.ArchiveThreadingMode;
import io.aeron.archive.ArchivingMediaDriver;
import io.aeron.archive.client.AeronArchive;
import io.aeron.driver.MediaDriver;
import io.aeron.driver.ThreadingMode;
import org.agrona.BitUtil;
import org.agrona.CloseHelper;
import org.agrona.ErrorHandler;
import org.agrona.concurrent.BackoffIdleStrategy;
import org.agrona.concurrent.IdleStrategy;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;

import static dev.keel.engine.KeelException.Category.CONFIG;
import static dev.keel.engine.KeelException.Category.STORAGE;

/**
 * The embedded Aeron media driver and archive that hold the journal, owned by the node: launched before the
 * {@link AeronJournal} that records on it and closed after it, so that other users of the archive (replication to a
 * standby) can share it and its threading follows the node's configuration.
 * <p>
 * <b>Ownership.</b> The caller guarantees that no other process uses {@link Context#journalDir()} while the media
 * runs (the node holds the OS lock {@code keel.lock} on the storage directory). On that guarantee the launch deletes
 * a stale {@code archive-mark.dat} and media driver directory left by a killed process instead of waiting out
 * Aeron's 10 s liveness timeouts.
 * <p>
 * <b>Recovery.</b> Before the archive is launched, {@code JournalTail} checks the end of the journal recording and
 * cuts a torn tail ({@link #tailRepair()}); the archive must not see a torn segment, so this happens here and not
 * when the journal attaches.
 * <p>
 * <b>Threading.</b> {@link Context#threadingMode(dev.keel.engine.config.ThreadingMode)} maps the node's mode onto
 * Aeron's: see {@link Context#conclude()}.
 */
public final class JournalMedia implements AutoCloseable
{
    private final Context ctx;
    private final JournalErrors errors;
    private final String tailRepair;
    private final ArchivingMediaDriver driver;
    private boolean isClosed;

    private JournalMedia(final Context ctx)
    {
        this.ctx = ctx;
        this.errors = new JournalErrors(ctx.errorHandler());
        final Path archiveDir = JournalLayout.archiveDir(ctx.journalDir());
        try
        {
            Files.createDirectories(archiveDir);
            // safe only because the caller owns the directory: a live archive would be using this mark file
            Files.deleteIfExists(archiveDir.resolve(ArchiveMarkFile.FILENAME));
        }
        catch (final IOException ex)
        {
            throw new KeelException(STORAGE, "JOURNAL_IO", "cannot prepare journal directory " + archiveDir, ex);
        }

        tailRepair = JournalTail.checkAndRepair(archiveDir);

        try
        {
            driver = ArchivingMediaDriver.launch(driverContext(ctx, errors), archiveContext(ctx, archiveDir, errors));
        }
        catch (final RuntimeException ex)
        {
            throw new KeelException(STORAGE, "JOURNAL_OPEN_FAILED",
                "cannot launch the journal's media driver and archive in " + ctx.journalDir() + ": " + ex.getMessage(),
                ex);
        }
    }

    /**
     * Concludes the context, repairs a torn journal tail and launches the media driver and the archive.
     *
     * @param ctx the settings.
     * @return the running media.
     */
    public static JournalMedia launch(final Context ctx)
    {
        ctx.conclude();
        return new JournalMedia(ctx);
    }

    /** @return the concluded settings. */
    public Context context()
    {
        return ctx;
    }

    /** @return what the launch did to a torn tail, for the node to log, or null if the tail was intact. */
    public String tailRepair()
    {
        return tailRepair;
    }

    Archive.Context archiveContext()
    {
        return driver.archive().context();
    }

    JournalErrors errors()
    {
        return errors;
    }

    boolean isClosed()
    {
        return isClosed;
    }

    /** Shuts the archive, then the media driver, down; close the journals attached to it first. */
    public void close()
    {
        if (!isClosed)
        {
            isClosed = true;
            CloseHelper.close(driver);
        }
    }

    public String toString()
    {
        return "JournalMedia{dir=" + ctx.journalDir() + ", driver=" + ctx.driverThreadingMode() + ", archive=" +
            ctx.archiveThreadingMode() + '}';
    }

    private static MediaDriver.Context driverContext(final Context ctx, final ErrorHandler errorHandler)
    {
        return new MediaDriver.Context()
            .aeronDirectoryName(ctx.aeronDir().toString())
            .errorHandler(errorHandler)
            .threadingMode(ctx.driverThreadingMode())
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
            .archiveId(JournalLayout.ARCHIVE_ID)
            .controlChannelEnabled(false)
            // mandatory even though the journal never replicates
            .replicationChannel("aeron:udp?endpoint=localhost:0")
            .archiveClientContext(new AeronArchive.Context().controlResponseChannel("aeron:udp?endpoint=localhost:0"))
            .threadingMode(ctx.archiveThreadingMode())
            .idleStrategySupplier(ctx.archiveIdleStrategySupplier())
            .segmentFileLength(ctx.segmentFileLength())
            .fileSyncLevel(ctx.sync().archiveSyncLevel())
            .catalogFileSyncLevel(ctx.sync().archiveSyncLevel())
            .deleteArchiveOnStart(false);
    }

    /**
     * Settings of a {@link JournalMedia}. Every setting has a default except {@link #journalDir(Path)};
     * {@link #conclude()} validates them and names the field, the value and what is allowed.
     */
    public static final class Context
    {
        /** Default segment file length of a new journal: 128 MiB, the unit in which the journal frees space. */
        public static final int SEGMENT_FILE_LENGTH_DEFAULT = 128 * 1024 * 1024;

        /** Largest segment file Aeron maps. */
        public static final int SEGMENT_FILE_LENGTH_MAX = 1024 * 1024 * 1024;

        /**
         * Fewest available processors on which {@code DEDICATED} gives the archive threads of its own: below it the
         * threads would only take turns on the same cores (STACK.md 3.1: no gain on 2 cores).
         */
        public static final int DEDICATED_MIN_PROCESSORS = 4;

        private boolean isConcluded;
        private Path journalDir;
        private Path aeronDir;
        private JournalSync sync = JournalSync.DATA;
        private Supplier<IdleStrategy> archiveIdleStrategySupplier = Context::defaultArchiveIdleStrategy;
        private int segmentFileLength = SEGMENT_FILE_LENGTH_DEFAULT;
        private dev.keel.engine.config.ThreadingMode threadingMode = dev.keel.engine.config.ThreadingMode.SHARED;
        private int availableProcessors = Runtime.getRuntime().availableProcessors();
        private ErrorHandler errorHandler;
        private ThreadingMode driverThreadingMode;
        private ArchiveThreadingMode archiveThreadingMode;

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
         *
         * @return a new idle strategy.
         */
        public static IdleStrategy defaultArchiveIdleStrategy()
        {
            return new BackoffIdleStrategy(10, 20, TimeUnit.MICROSECONDS.toNanos(1), TimeUnit.MICROSECONDS.toNanos(50));
        }

        /**
         * Validates the settings and derives the defaults; called by {@link JournalMedia#launch(Context)}.
         * <p>
         * Threading: the driver always runs {@link ThreadingMode#SHARED}: the journal is IPC only, so the driver's
         * sender and receiver would idle on threads of their own. The archive runs {@link ArchiveThreadingMode#SHARED}
         * (conductor, recorder and replayer on one thread, the measured best on 2 cores) except for
         * {@code DEDICATED} on at least {@link #DEDICATED_MIN_PROCESSORS} processors, where the recorder gets a thread
         * of its own so that a replay or a catalog request never delays a commit. Keel's {@code INVOKER} also maps to
         * SHARED. Aeron 1.51 can run an embedded archive with no threads ({@link ArchiveThreadingMode#INVOKER} with
         * the driver in {@link ThreadingMode#INVOKER}, the archive conductor invoking the recorder, replayer and the
         * driver's shared invoker), but someone must then drive {@code Archive.invoker()}; Keel's pipeline builds its
         * invoker from the circuit and endpoint agents only and the journal SPI has no duty cycle, so nothing would
         * run the recorder (or the keepalives that keep the driver from timing the clients out after 10 s) while no
         * step is pending, and a running recorder would put every fdatasync inside the circuit's duty cycle.
         *
         * @return this.
         */
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
            if (segmentFileLength < io.aeron.logbuffer.LogBufferDescriptor.TERM_MIN_LENGTH ||
                segmentFileLength > SEGMENT_FILE_LENGTH_MAX || !BitUtil.isPowerOfTwo(segmentFileLength))
            {
                throw invalid("segmentFileLength", segmentFileLength, "a power of two from " +
                    io.aeron.logbuffer.LogBufferDescriptor.TERM_MIN_LENGTH + " to " + SEGMENT_FILE_LENGTH_MAX);
            }
            if (null == threadingMode)
            {
                throw invalid("threadingMode", null, "one of DEDICATED, SHARED, INVOKER");
            }
            if (availableProcessors < 1)
            {
                throw invalid("availableProcessors", availableProcessors, "at least 1");
            }

            journalDir = journalDir.toAbsolutePath();
            if (null == aeronDir)
            {
                aeronDir = journalDir.resolve(JournalLayout.AERON_DIR_NAME);
            }
            driverThreadingMode = ThreadingMode.SHARED;
            archiveThreadingMode = dev.keel.engine.config.ThreadingMode.DEDICATED == threadingMode &&
                availableProcessors >= DEDICATED_MIN_PROCESSORS ?
                ArchiveThreadingMode.DEDICATED : ArchiveThreadingMode.SHARED;

            isConcluded = true;
            return this;
        }

        /**
         * @param journalDir directory of the journal, {@code <storage_config.path>/journal}; required.
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
         * Media driver directory; default {@code journalDir/aeron}. Put it on tmpfs ({@code /dev/shm}) in production
         * to keep the driver's log buffers off the disk; it must be private to this media.
         *
         * @param aeronDir the directory.
         * @return this.
         */
        public Context aeronDir(final Path aeronDir)
        {
            this.aeronDir = aeronDir;
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
            return this;
        }

        /** @return the sync level. */
        public JournalSync sync()
        {
            return sync;
        }

        /**
         * @param supplier idle strategies of the archive and driver threads; default
         *                 {@link #defaultArchiveIdleStrategy()}.
         * @return this.
         */
        public Context archiveIdleStrategySupplier(final Supplier<IdleStrategy> supplier)
        {
            this.archiveIdleStrategySupplier = supplier;
            return this;
        }

        /** @return the idle strategy supplier. */
        public Supplier<IdleStrategy> archiveIdleStrategySupplier()
        {
            return archiveIdleStrategySupplier;
        }

        /**
         * Segment file length of a new journal recording, a power of two at least the journal's term length;
         * default 128 MiB. An existing recording keeps the length it was created with.
         *
         * @param segmentFileLength the length in bytes.
         * @return this.
         */
        public Context segmentFileLength(final int segmentFileLength)
        {
            this.segmentFileLength = segmentFileLength;
            return this;
        }

        /** @return the segment file length. */
        public int segmentFileLength()
        {
            return segmentFileLength;
        }

        /**
         * @param mode the node's {@code threading_mode}, mapped onto Aeron's by {@link #conclude()}; default SHARED.
         * @return this.
         */
        public Context threadingMode(final dev.keel.engine.config.ThreadingMode mode)
        {
            this.threadingMode = mode;
            return this;
        }

        /** @return the node's threading mode. */
        public dev.keel.engine.config.ThreadingMode threadingMode()
        {
            return threadingMode;
        }

        /**
         * @param processors processors the threading mode is derived for; default
         *                   {@code Runtime.availableProcessors()}.
         * @return this.
         */
        public Context availableProcessors(final int processors)
        {
            this.availableProcessors = processors;
            return this;
        }

        /** @return the processors the threading mode is derived for. */
        public int availableProcessors()
        {
            return availableProcessors;
        }

        /**
         * @param handler also told of every error on the driver's, archive's and journal clients' threads (the
         *                node's error log); null for none. Errors always go to stderr too.
         * @return this.
         */
        public Context errorHandler(final ErrorHandler handler)
        {
            this.errorHandler = handler;
            return this;
        }

        /** @return the host error handler, or null. */
        public ErrorHandler errorHandler()
        {
            return errorHandler;
        }

        /** @return the driver's threading mode, derived by {@link #conclude()}. */
        public ThreadingMode driverThreadingMode()
        {
            return driverThreadingMode;
        }

        /** @return the archive's threading mode, derived by {@link #conclude()}. */
        public ArchiveThreadingMode archiveThreadingMode()
        {
            return archiveThreadingMode;
        }

        private static KeelException invalid(final String field, final Object value, final String allowed)
        {
            return new KeelException(CONFIG, "JOURNAL_CONFIG",
                "JournalMedia.Context." + field + "=" + value + " is invalid: must be " + allowed);
        }
    }
}
