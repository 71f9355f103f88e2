package dev.keel.checkpoint;

import dev.keel.engine.KeelException;
import dev.keel.engine.state.PagedArena;
import dev.keel.engine.storage.StorageBackend;
import org.agrona.BufferUtil;
import org.agrona.concurrent.UnsafeBuffer;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;

/**
 * Writes the pages of one arena snapshot into {@code <uuid>/pages-NNNN.dat}, one gathering write of up to
 * {@code pagesPerDutyCycle} contiguous pages (16 = 1 MiB by default) per duty cycle of the
 * {@link CheckpointWriterAgent}, then makes the files durable (the checkpoint's one durability barrier:
 * fsync of every page file, of the checkpoint directory and of {@code checkpoints/}).
 * <p>
 * Pages go from the snapshot's buffers straight to the file (O_DIRECT when the store has it): no copy.
 * Written by the writer thread; {@link #isWritten()}, {@link #failure()} and {@link #isFinished()} are read by
 * the owner thread, {@link #requestAbort()} written by it.
 */
final class CheckpointWriteJob
{
    private final UUID id;
    private final StorageBackend backend;
    private final Path checkpointsDir;
    private Path dir;
    private final PagedArena.Snapshot snapshot;
    private final int pagesPerFile;
    private final DirectIo directIo;
    private final PageTable pageTable;
    private final int arenaPageCount;
    private final List<FileRef> files = new ArrayList<>();
    private volatile boolean abortRequested;
    private volatile boolean finished;
    private volatile boolean written;
    private volatile Throwable failure;

    private boolean started;
    private int nextPage;
    private FileChannel channel;
    private String fileName;
    private int fileIndex;
    private int fileStart;
    private int fileEnd;
    private int headerLength;
    private int[] pageIds;
    private long[] offsets;
    private int[] crcs;
    private ByteBuffer[] buffers = new ByteBuffer[0];

    CheckpointWriteJob(final UUID id, final Path checkpointsDir, final StorageBackend backend,
        final PagedArena.Snapshot snapshot, final int pagesPerFile, final DirectIo directIo, final PageTable pageTable,
        final int arenaPageCount)
    {
        this.pageTable = pageTable;
        this.arenaPageCount = arenaPageCount;
        this.id = id;
        this.backend = backend;
        // resolved by the writer (or an abort): a path costs the owner's begin more than everything else in it
        this.checkpointsDir = checkpointsDir;
        this.snapshot = snapshot;
        this.pagesPerFile = pagesPerFile;
        this.directIo = directIo;
    }

    UUID id()
    {
        return id;
    }

    /** The checkpoint's directory; the writer thread, or the owner once the job finished. */
    Path dir()
    {
        if (null == dir)
        {
            dir = checkpointsDir.resolve(id.toString());
        }
        return dir;
    }

    boolean isWritten()
    {
        return written;
    }

    boolean isFinished()
    {
        return finished;
    }

    Throwable failure()
    {
        return failure;
    }

    void requestAbort()
    {
        abortRequested = true;
    }

    /** The files written; valid once {@link #isWritten()}. */
    List<FileRef> files()
    {
        return files;
    }

    /**
     * Writes up to {@code maxPages} pages, or finishes a file, or the checkpoint.
     *
     * @return work done (0 when finished).
     */
    int doWork(final int maxPages)
    {
        if (finished)
        {
            return 0;
        }
        try
        {
            if (abortRequested)
            {
                closeChannel();
                finished = true;
                return 1;
            }
            if (!started)
            {
                final int missing = pageTable.firstUncoveredPage(snapshot, arenaPageCount);
                if (missing > 0)
                {
                    failure = new KeelException(KeelException.Category.STORAGE, "CHECKPOINT_STATE_INCOMPLETE",
                        "checkpoint " + id + ": arena page " + missing + " of " + arenaPageCount + " is neither in " +
                        "the snapshot nor in an earlier checkpoint (a previous checkpoint failed or was aborted, or " +
                        "the arena was not restored from this store): call PagedArena.markAllDirty() before " +
                        "freeze()");
                    finished = true;
                    return 1;
                }
                Files.createDirectories(dir());
                started = true;
                return 1;
            }
            if (null == channel)
            {
                if (nextPage == snapshot.pageCount())
                {
                    // page files are fsynced by finishFile; their directory entries, and the directory's, here
                    backend.syncDirectory(id + "/");
                    backend.syncDirectory("");
                    // durable whatever the commit does: later checkpoints may reference these files
                    pageTable.addWritten(files, arenaPageCount);
                    written = true;
                    finished = true;
                    return 1;
                }
                openFile();
                return 1;
            }
            final int work = writePages(nextPage, Math.min(fileEnd, nextPage + maxPages));
            nextPage += work;
            if (nextPage == fileEnd)
            {
                finishFile();
            }
            return work + 1;
        }
        catch (final Throwable t)
        {
            failure = CheckpointFormat.io("checkpoint " + id + ": writing " + (null != fileName ? fileName : dir()) +
                " failed", t);
            try
            {
                closeChannel();
            }
            catch (final IOException closeError)
            {
                failure.addSuppressed(closeError);
            }
            finished = true;
            return 1;
        }
    }

    private void openFile() throws IOException
    {
        fileStart = nextPage;
        fileEnd = Math.min(snapshot.pageCount(), fileStart + pagesPerFile);
        final int count = fileEnd - fileStart;
        headerLength = PageFiles.headerLength(count);
        pageIds = new int[count];
        offsets = new long[count];
        crcs = new int[count];
        fileName = id + "/" + CheckpointFormat.pageFileName(fileIndex);
        channel = directIo.openForWrite(dir.resolve(CheckpointFormat.pageFileName(fileIndex)));
    }

    /**
     * Writes pages {@code [from, to)} of the snapshot with one gathering write: they are contiguous in the file.
     * The pages stay acquired for that one write, so an owner touching one of them waits for at most that.
     */
    private int writePages(final int from, final int to) throws IOException
    {
        final int count = to - from;
        final ByteBuffer[] buffers = this.buffers.length >= count ? this.buffers : new ByteBuffer[count];
        this.buffers = buffers;
        final long offset = headerLength + (long)(from - fileStart) * snapshot.pageSize();
        int acquired = 0;
        try
        {
            for (int i = from; i < to; i++)
            {
                final int slot = i - fileStart;
                final ByteBuffer page = snapshot.acquire(i);
                acquired++;
                buffers[i - from] = page;
                crcs[slot] = PageFiles.crc32c(page);
                pageIds[slot] = snapshot.page(i);
                offsets[slot] = headerLength + (long)slot * snapshot.pageSize();
            }
            channel.position(offset);
            long remaining = (long)count * snapshot.pageSize();
            while (remaining > 0)
            {
                remaining -= channel.write(buffers, 0, count);
            }
        }
        finally
        {
            for (int i = 0; i < acquired; i++)
            {
                buffers[i] = null;
                snapshot.release(from + i);
            }
        }
        return count;
    }

    private void finishFile() throws IOException
    {
        final int count = fileEnd - fileStart;
        final ByteBuffer region = BufferUtil.allocateDirectAligned(headerLength, CheckpointFormat.ALIGNMENT);
        final int checksum = PageFiles.encodeHeader(new UnsafeBuffer(region), region, id, fileIndex,
            snapshot.pageSize(), headerLength, pageIds, offsets, crcs, count);
        writeFully(region.duplicate().clear(), 0);
        channel.force(true);
        closeChannel();
        final long size = headerLength + (long)count * snapshot.pageSize();
        files.add(new FileRef(fileName, size, checksum, pageIds, offsets, crcs));
        fileIndex++;
        fileName = null;
    }

    private void writeFully(final ByteBuffer buffer, final long offset) throws IOException
    {
        long position = offset;
        while (buffer.hasRemaining())
        {
            position += channel.write(buffer, position);
        }
    }

    private void closeChannel() throws IOException
    {
        final FileChannel channel = this.channel;
        this.channel = null;
        if (null != channel)
        {
            channel.close();
        }
    }
}
