package dev.keel.engine.connector.file;

import dev.keel.engine.connector.OutputQueue;
import dev.keel.engine.connector.QueuedOutputEndpoint;
import dev.keel.engine.connector.format.RecordEncoder;
import dev.keel.engine.data.RowView;
import dev.keel.engine.data.Schema;
import org.agrona.CloseHelper;
import org.agrona.ExpandableDirectByteBuffer;
import org.agrona.concurrent.Agent;
import org.agrona.concurrent.NanoClock;
import org.agrona.concurrent.SystemNanoClock;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.StandardOpenOption;

/**
 * The {@code file_output} transport: appends each transaction's changes to a file in a text format (one
 * line per unit of weight; formats: {@link dev.keel.engine.connector.format.JsonRecordEncoder},
 * {@link dev.keel.engine.connector.format.CsvRecordEncoder}), on its own {@link #agent()}.
 * <p>
 * Hand-over: {@link #offer} copies the delta into an {@link OutputQueue} (an off-heap Agrona ring buffer, one
 * message per row, then a transaction end); a delta larger than the free space is streamed by the queue's
 * protocol, the same for every output endpoint: offer returns false having copied what fits and continues after
 * the rows taken when offered the same transaction again.
 * <p>
 * Durability: the agent encodes into a reusable buffer and writes it with positional writes; on
 * {@link #flush()}, every {@code sync_interval_ms} or every {@code sync_bytes} it calls
 * {@link FileChannel#force(boolean) force(false)} and only then publishes the last complete transaction
 * and the file length after its last line as {@link #deliveredTransactionId()} /
 * {@link #deliveredPosition()}. The pair is published atomically (a sequence lock); read
 * {@code deliveredTransactionId()} first and {@code deliveredPosition()} right after to get the
 * position that belongs to that transaction.
 * <p>
 * Exactly-once: {@link #open()} creates or truncates the file; {@link #restore(long, long)} truncates it to
 * the checkpoint position (dropping output written after the checkpoint) and ignores offers of
 * transactions at or below the checkpoint's; a file shorter than the position is an error, never ignored.
 * <p>
 * Counters: records are lines written to the file ({@code |weight|} per row), bytes the bytes written; errors: the
 * write failure, if any.
 */
public final class FileOutputEndpoint extends QueuedOutputEndpoint
{
    /** {@link #deliveredTransactionId()} before any transaction was delivered. */
    public static final long NO_TRANSACTION = -1;

    private final Schema schema;
    private final FileOutputSettings settings;
    private final NanoClock clock;
    private final WriterAgent agent;

    // circuit thread
    private long snapshotTransaction = NO_TRANSACTION;
    private long snapshotPosition;
    private boolean pairPending;

    // shared
    private volatile long publishSequence;
    private volatile long publishedTransaction = NO_TRANSACTION;
    private volatile long publishedPosition;

    // set by open/restore before the agent starts, then agent thread only
    private FileChannel channel;

    private FileOutputEndpoint(
        final String name, final Schema schema, final FileOutputSettings settings, final NanoClock clock)
    {
        super(name, settings.path().toString(), schema, settings.queueCapacityBytes());
        this.schema = schema;
        this.settings = settings;
        this.clock = clock;
        this.agent = new WriterAgent(settings.format().newEncoder(schema));
    }

    /** A {@code file_output} endpoint named {@code name} writing rows of {@code schema}. */
    public static FileOutputEndpoint create(
        final String name, final Schema schema, final FileOutputSettings settings)
    {
        return create(name, schema, settings, new SystemNanoClock());
    }

    /** As {@link #create(String, Schema, FileOutputSettings)}, with the agent's clock. */
    public static FileOutputEndpoint create(
        final String name, final Schema schema, final FileOutputSettings settings, final NanoClock clock)
    {
        return new FileOutputEndpoint(name, schema, settings, clock);
    }

    public FileOutputSettings settings()
    {
        return settings;
    }

    public void open()
    {
        try
        {
            channel = FileChannel.open(settings.path(), StandardOpenOption.CREATE, StandardOpenOption.WRITE,
                StandardOpenOption.TRUNCATE_EXISTING);
            channel.force(true);
        }
        catch (final IOException e)
        {
            CloseHelper.quietClose(channel);
            throw error("CONNECTOR_IO_ERROR", "cannot create: " + e, e);
        }
        start(NO_TRANSACTION, 0);
    }

    public void restore(final long position, final long transactionId)
    {
        try
        {
            channel = FileChannel.open(settings.path(), StandardOpenOption.CREATE, StandardOpenOption.WRITE);
            final long size = channel.size();
            if (size < position)
            {
                CloseHelper.quietClose(channel);
                throw error("CONNECTOR_OUTPUT_TOO_SHORT", "file is " + size + " bytes, shorter than the checkpoint " +
                    "position " + position + " (transaction " + transactionId + "): delivered output is missing, " +
                    "the file was truncated or replaced", null);
            }
            channel.truncate(position);
            channel.force(true);
        }
        catch (final IOException e)
        {
            CloseHelper.quietClose(channel);
            throw error("CONNECTOR_IO_ERROR", "cannot restore to position " + position + ": " + e, e);
        }
        queue.restore(transactionId);
        start(transactionId, position);
    }

    private void start(final long transactionId, final long position)
    {
        agent.filePosition = position;
        agent.completedTransaction = transactionId;
        agent.completedPosition = position;
        publish(transactionId, position);
        markOpened();
    }

    /** Publishes a consistent (transaction, position) pair: a sequence lock, readers retry while it moves. */
    private void publish(final long transactionId, final long position)
    {
        final long sequence = publishSequence;
        publishSequence = sequence + 1;
        publishedTransaction = transactionId;
        publishedPosition = position;
        publishSequence = sequence + 2;
    }

    private void snapshot()
    {
        while (true)
        {
            final long before = publishSequence;
            final long transactionId = publishedTransaction;
            final long position = publishedPosition;
            if ((before & 1) == 0 && before == publishSequence)
            {
                snapshotTransaction = transactionId;
                snapshotPosition = position;
                return;
            }
            Thread.onSpinWait();
        }
    }

    public long deliveredTransactionId()
    {
        snapshot();
        pairPending = true;
        return snapshotTransaction;
    }

    /** The position paired with the preceding {@link #deliveredTransactionId()} call, else the latest one. */
    public long deliveredPosition()
    {
        if (!pairPending)
        {
            snapshot();
        }
        pairPending = false;
        return snapshotPosition;
    }

    public Agent agent()
    {
        return agent;
    }

    public void close()
    {
        CloseHelper.quietClose(channel);
    }

    public String toString()
    {
        return "FileOutputEndpoint{name='" + name + "', " + settings + "}";
    }

    /** Drains the queue, encodes, writes, syncs and publishes what is delivered. */
    final class WriterAgent implements Agent, OutputQueue.Handler
    {
        private final RecordEncoder encoder;
        private final ExpandableDirectByteBuffer out;
        private int outLength;
        private long filePosition;
        private long completedTransaction;
        private long completedPosition;
        private long bytesSinceSync;
        private boolean unsynced;
        private long nextSyncNs;
        private long nowNs;
        private long flushesDone;
        private boolean failed;
        private long linesEncoded;

        WriterAgent(final RecordEncoder encoder)
        {
            this.encoder = encoder;
            this.out = new ExpandableDirectByteBuffer(settings.writeBufferBytes() + 4096);
        }

        public int doWork()
        {
            queue.publishBuffered(endpointCounters());
            if (!isOpened() || failed)
            {
                return 0;
            }
            nowNs = clock.nanoTime();
            try
            {
                final long flushRequested = flushRequests();
                int work = queue.read(this, Integer.MAX_VALUE);
                if (flushRequested != flushesDone)
                {
                    work += queue.drain(this);
                    sync();
                    flushesDone = flushRequested;
                    return work + 1;
                }
                if (unsynced && (bytesSinceSync >= settings.syncBytes() || nowNs - nextSyncNs >= 0))
                {
                    sync();
                    work++;
                }
                return work;
            }
            catch (final IOException | RuntimeException e)
            {
                fail(e);
                return 1;
            }
        }

        public void onEndTransaction(final long transactionId)
        {
            completedTransaction = transactionId;
            completedPosition = filePosition + outLength;
            if (!unsynced)
            {
                unsynced = true;
                nextSyncNs = nowNs + settings.syncIntervalMs() * 1_000_000L;
            }
        }

        public void onRow(final long transactionId, final long weight, final RowView row)
        {
            linesEncoded += Math.abs(weight);
            final int lineStart = outLength;
            outLength = encoder.encode(row, weight, out, outLength);
            final int lineLength = outLength - lineStart;
            // weight w is |w| identical lines
            for (long k = Math.abs(weight); k > 1; k--)
            {
                out.putBytes(outLength, out, lineStart, lineLength);
                outLength += lineLength;
            }
            if (outLength >= settings.writeBufferBytes())
            {
                try
                {
                    writeOut();
                }
                catch (final IOException e)
                {
                    throw new WriteFailure(e);
                }
            }
        }

        private void writeOut() throws IOException
        {
            if (outLength == 0)
            {
                return;
            }
            final ByteBuffer bytes = out.byteBuffer();
            bytes.limit(outLength).position(0);
            long position = filePosition;
            while (bytes.hasRemaining())
            {
                position += channel.write(bytes, position);
            }
            bytes.clear();
            endpointCounters().records().getAndAddRelease(linesEncoded);
            endpointCounters().bytes().getAndAddRelease(outLength);
            linesEncoded = 0;
            bytesSinceSync += outLength;
            filePosition = position;
            outLength = 0;
        }

        private void sync() throws IOException
        {
            writeOut();
            if (unsynced || bytesSinceSync > 0)
            {
                channel.force(false);
            }
            bytesSinceSync = 0;
            unsynced = false;
            nextSyncNs = nowNs + settings.syncIntervalMs() * 1_000_000L;
            if (completedTransaction != publishedTransaction || completedPosition != publishedPosition)
            {
                publish(completedTransaction, completedPosition);
            }
        }

        private void fail(final Exception e)
        {
            final Throwable cause = e instanceof WriteFailure ? e.getCause() : e;
            failed = true;
            endpointCounters().errors().incrementRelease();
            publishError(error("CONNECTOR_IO_ERROR", "write failed near offset " + filePosition + ": " + cause, cause));
        }

        public void onClose()
        {
            if (!failed && isOpened())
            {
                nowNs = clock.nanoTime();
                try
                {
                    queue.drain(this);
                    sync();
                }
                catch (final IOException | RuntimeException e)
                {
                    fail(e);
                }
            }
            CloseHelper.quietClose(channel);
        }

        public String roleName()
        {
            return "keel-output-" + name;
        }
    }

    /** Carries an I/O error out of the ring buffer's message handler. */
    static final class WriteFailure extends RuntimeException
    {
        private static final long serialVersionUID = 1L;

        WriteFailure(final IOException cause)
        {
            super(cause.getMessage(), cause, false, false);
        }
    }
}
