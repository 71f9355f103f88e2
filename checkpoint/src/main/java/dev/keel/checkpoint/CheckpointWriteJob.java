package dev.keel.checkpoint;

import dev.keel.engine.state.PagedArena;
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
 * Writes the pages of one arena snapshot into {@code <uuid>/pages-NNNN.dat}, a few pages per duty cycle of the
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
    private final Path checkpointsDir;
    private final Path dir;
    private final PagedArena.Snapshot snapshot;
    private final int pagesPerFile;
    private final DirectIo directIo;
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
    private long pagesWritten;

    CheckpointWriteJob(final UUID id, final Path checkpointsDir, final PagedArena.Snapshot snapshot,
        final int pagesPerFile, final DirectIo directIo)
    {
        this.id = id;
        this.checkpointsDir = checkpointsDir;
        this.dir = checkpointsDir.resolve(id.toString());
        this.snapshot = snapshot;
        this.pagesPerFile = pagesPerFile;
        this.directIo = directIo;
    }

    UUID id()
    {
        return id;
    }

    Path dir()
    {
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
                Files.createDirectories(dir);
                started = true;
                return 1;
            }
            if (null == channel)
            {
                if (nextPage == snapshot.pageCount())
                {
                    DurableFiles.syncDirectory(dir);
                    DurableFiles.syncDirectory(checkpointsDir);
                    written = true;
                    finished = true;
                    return 1;
                }
                openFile();
                return 1;
            }
            int work = 0;
            while (work < maxPages && nextPage < fileEnd)
            {
                writePage(nextPage);
                nextPage++;
                work++;
            }
            if (nextPage == fileEnd)
            {
                finishFile();
            }
            return work + 1;
        }
        catch (final Throwable t)
        {
            failure = CheckpointFormat.io("checkpoint " + id + ": writing " + (null != fileName ? fileName : dir) +
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

    private void writePage(final int i) throws IOException
    {
        final int slot = i - fileStart;
        final long offset = headerLength + (long)slot * snapshot.pageSize();
        final ByteBuffer page = snapshot.acquire(i);
        try
        {
            crcs[slot] = PageFiles.crc32c(page);
            writeFully(page, offset);
        }
        finally
        {
            snapshot.release(i);
        }
        pageIds[slot] = snapshot.page(i);
        offsets[slot] = offset;
        pagesWritten++;
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

    long pagesWritten()
    {
        return pagesWritten;
    }
}
