package dev.keel.tools;

import dev.keel.engine.KeelException;
import org.agrona.ErrorHandler;
import org.agrona.IoUtil;
import org.agrona.concurrent.SystemEpochClock;
import org.agrona.concurrent.UnsafeBuffer;
import org.agrona.concurrent.errors.DistinctErrorLog;
import org.agrona.concurrent.errors.ErrorLogReader;

import java.io.IOException;
import java.io.PrintStream;
import java.io.RandomAccessFile;
import java.nio.MappedByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;

import static dev.keel.engine.KeelException.Category.STORAGE;

/**
 * The node's crash-surviving error log: an Agrona {@link DistinctErrorLog} in a memory-mapped file of the storage
 * directory, into which the node records every error the pipeline's agents, the journal's media driver and archive
 * report. A distinct error (same stack trace) is kept once with its count and first and last time, so an error
 * repeated in a loop cannot flood the file. The mapping is shared, so what was recorded is in the page cache the
 * moment {@link #onError(Throwable)} returns and survives SIGKILL; each record is also forced to the device (errors
 * are rare, and one is most needed after a crash).
 * <p>
 * Format ({@value #FILE_NAME}, version {@value #VERSION}, little-endian):
 * <pre>
 *   0  int   magic 0x4B455252 ("KERR" read as a big-endian int)
 *   4  int   version
 *   8  int   header length, {@value #HEADER_LENGTH}
 *  12  int   length of the error log area
 *  16  long  pid of the node that wrote the file
 *  24  long  time the node opened it, epoch ms
 *  32  ..63  reserved, zero
 *  64  the error log area: Agrona DistinctErrorLog records, each
 *      int length, int observation count, long last observation ms, long first observation ms, UTF-8 stack trace
 * </pre>
 * A node that starts on a log holding errors first renames it {@code keel-errors-<opened ms>.dat} (the newest
 * {@value #KEPT_PREVIOUS} are kept): a DistinctErrorLog cannot continue a buffer written by another process.
 * {@code keel errors --storage DIR} prints them all.
 */
final class NodeErrorLog implements ErrorHandler, AutoCloseable
{
    static final String FILE_NAME = "keel-errors.dat";
    static final String PREVIOUS_PREFIX = "keel-errors-";
    static final int MAGIC = 0x4B455252;
    static final int VERSION = 1;
    static final int HEADER_LENGTH = 64;
    static final int DEFAULT_LOG_LENGTH = 1024 * 1024;
    static final int KEPT_PREVIOUS = 8;

    private static final int VERSION_OFFSET = 4;
    private static final int HEADER_LENGTH_OFFSET = 8;
    private static final int LOG_LENGTH_OFFSET = 12;
    private static final int PID_OFFSET = 16;
    private static final int OPENED_MS_OFFSET = 24;

    private final Path file;
    private final MappedByteBuffer mapped;
    private final DistinctErrorLog log;
    private boolean closed;

    private NodeErrorLog(final Path file, final MappedByteBuffer mapped, final int logLength)
    {
        this.file = file;
        this.mapped = mapped;
        this.log = new DistinctErrorLog(new UnsafeBuffer(mapped, HEADER_LENGTH, logLength), SystemEpochClock.INSTANCE);
    }

    /**
     * Creates a fresh error log in {@code storageDir}, keeping an earlier one that holds errors under its own name.
     * Call it only while holding the storage directory's lock.
     */
    static NodeErrorLog open(final Path storageDir)
    {
        return open(storageDir, DEFAULT_LOG_LENGTH);
    }

    static NodeErrorLog open(final Path storageDir, final int logLength)
    {
        final Path file = storageDir.resolve(FILE_NAME);
        try
        {
            keepPrevious(storageDir, file);
            Files.deleteIfExists(file);
            final MappedByteBuffer mapped;
            try (RandomAccessFile raf = new RandomAccessFile(file.toFile(), "rw"))
            {
                raf.setLength(HEADER_LENGTH + (long)logLength);
                mapped = raf.getChannel().map(FileChannel.MapMode.READ_WRITE, 0, HEADER_LENGTH + (long)logLength);
            }
            final UnsafeBuffer header = new UnsafeBuffer(mapped, 0, HEADER_LENGTH);
            header.putInt(VERSION_OFFSET, VERSION);
            header.putInt(HEADER_LENGTH_OFFSET, HEADER_LENGTH);
            header.putInt(LOG_LENGTH_OFFSET, logLength);
            header.putLong(PID_OFFSET, ProcessHandle.current().pid());
            header.putLong(OPENED_MS_OFFSET, System.currentTimeMillis());
            // the magic last: a file cut short by a crash during creation is not taken for a log
            header.putIntVolatile(0, MAGIC);
            mapped.force();
            return new NodeErrorLog(file, mapped, logLength);
        }
        catch (final IOException ex)
        {
            throw new KeelException(STORAGE, "STORAGE_IO_ERROR", "cannot create the error log " + file + ": " + ex, ex);
        }
    }

    Path file()
    {
        return file;
    }

    /** Records the error (once per distinct stack trace, counting repeats); never throws. */
    public void onError(final Throwable throwable)
    {
        try
        {
            if (log.record(throwable))
            {
                mapped.force();
            }
            else
            {
                System.err.println("keel: error log " + file + " is full; not recorded: " + throwable);
            }
        }
        catch (final RuntimeException ex)
        {
            System.err.println("keel: cannot record in error log " + file + ": " + ex + "; error: " + throwable);
        }
    }

    /** Unmaps the file; it stays for {@code keel errors}. */
    public void close()
    {
        if (!closed)
        {
            closed = true;
            IoUtil.unmap(mapped);
        }
    }

    /** The error logs of a storage directory: earlier ones oldest first, then the current one. */
    static List<Path> logFiles(final Path storageDir) throws IOException
    {
        final List<Path> files = previousLogs(storageDir);
        if (Files.exists(storageDir.resolve(FILE_NAME)))
        {
            files.add(storageDir.resolve(FILE_NAME));
        }
        return files;
    }

    /**
     * Prints every distinct error of one log file: count, first and last observation, then the stack trace.
     *
     * @return the number of distinct errors.
     */
    static int print(final Path file, final PrintStream out)
    {
        final MappedByteBuffer mapped;
        try (FileChannel channel = FileChannel.open(file))
        {
            if (channel.size() < HEADER_LENGTH)
            {
                throw corrupt(file, "it is " + channel.size() + " bytes, shorter than the header (" + HEADER_LENGTH +
                    ")");
            }
            mapped = channel.map(FileChannel.MapMode.READ_ONLY, 0, channel.size());
        }
        catch (final IOException ex)
        {
            throw new KeelException(STORAGE, "STORAGE_IO_ERROR", "cannot read the error log " + file + ": " + ex, ex);
        }
        try
        {
            final UnsafeBuffer header = new UnsafeBuffer(mapped, 0, HEADER_LENGTH);
            if (MAGIC != header.getIntVolatile(0))
            {
                throw corrupt(file, "no Keel error log magic at offset 0");
            }
            if (VERSION != header.getInt(VERSION_OFFSET))
            {
                throw corrupt(file, "version " + header.getInt(VERSION_OFFSET) + " at offset " + VERSION_OFFSET +
                    ", this keel reads version " + VERSION);
            }
            final int logLength = header.getInt(LOG_LENGTH_OFFSET);
            if (logLength <= 0 || HEADER_LENGTH + (long)logLength > mapped.capacity())
            {
                throw corrupt(file, "error log length " + logLength + " at offset " + LOG_LENGTH_OFFSET +
                    " does not fit the file's " + mapped.capacity() + " bytes");
            }
            out.println("== " + file + " (node pid " + header.getLong(PID_OFFSET) + ", opened " +
                Instant.ofEpochMilli(header.getLong(OPENED_MS_OFFSET)) + ")");
            final int distinct = ErrorLogReader.read(new UnsafeBuffer(mapped, HEADER_LENGTH, logLength),
                (count, firstMs, lastMs, encodedException) ->
                {
                    out.println(count + " observation" + (1 == count ? "" : "s") + ", first " +
                        Instant.ofEpochMilli(firstMs) + ", last " + Instant.ofEpochMilli(lastMs) + ":");
                    out.println(encodedException.stripTrailing());
                    out.println();
                });
            out.println(distinct + " distinct error" + (1 == distinct ? "" : "s"));
            return distinct;
        }
        finally
        {
            IoUtil.unmap(mapped);
        }
    }

    private static void keepPrevious(final Path storageDir, final Path file) throws IOException
    {
        if (!Files.exists(file) || Files.size(file) < HEADER_LENGTH)
        {
            return;
        }
        final long openedMs;
        final boolean hasErrors;
        try (FileChannel channel = FileChannel.open(file))
        {
            final MappedByteBuffer mapped = channel.map(FileChannel.MapMode.READ_ONLY, 0, channel.size());
            try
            {
                final UnsafeBuffer header = new UnsafeBuffer(mapped, 0, HEADER_LENGTH);
                final int logLength = header.getInt(LOG_LENGTH_OFFSET);
                openedMs = header.getLong(OPENED_MS_OFFSET);
                hasErrors = MAGIC == header.getInt(0) && logLength > 0 &&
                    HEADER_LENGTH + (long)logLength <= mapped.capacity() &&
                    ErrorLogReader.hasErrors(new UnsafeBuffer(mapped, HEADER_LENGTH, logLength));
            }
            finally
            {
                IoUtil.unmap(mapped);
            }
        }
        if (!hasErrors)
        {
            return;
        }
        Files.move(file, storageDir.resolve(PREVIOUS_PREFIX + openedMs + ".dat"), StandardCopyOption.REPLACE_EXISTING);
        final List<Path> previous = previousLogs(storageDir);
        for (int i = 0; i < previous.size() - KEPT_PREVIOUS; i++)
        {
            Files.deleteIfExists(previous.get(i));
        }
    }

    private static List<Path> previousLogs(final Path storageDir) throws IOException
    {
        final List<Path> files = new ArrayList<>();
        if (!Files.isDirectory(storageDir))
        {
            return files;
        }
        try (Stream<Path> list = Files.list(storageDir))
        {
            list.filter(p -> p.getFileName().toString().matches(PREVIOUS_PREFIX + "[0-9]+\\.dat"))
                .forEach(files::add);
        }
        files.sort((a, b) -> Long.compare(openedMs(a), openedMs(b)));
        return files;
    }

    private static long openedMs(final Path previous)
    {
        final String name = previous.getFileName().toString();
        return Long.parseLong(name.substring(PREVIOUS_PREFIX.length(), name.length() - ".dat".length()));
    }

    private static KeelException corrupt(final Path file, final String why)
    {
        return new KeelException(STORAGE, "ERROR_LOG_CORRUPT", "error log " + file + " is not readable: " + why);
    }
}
