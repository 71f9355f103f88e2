package dev.keel.engine.connector.file;

import dev.keel.engine.KeelException;
import dev.keel.engine.config.OnErrorPolicy;
import dev.keel.engine.connector.RingBufferInput;
import dev.keel.engine.connector.format.Format;
import dev.keel.engine.connector.format.RecordParseException;
import dev.keel.engine.connector.format.RecordParser;
import dev.keel.engine.data.RowWriter;
import dev.keel.engine.data.Schema;
import org.agrona.CloseHelper;
import org.agrona.concurrent.NanoClock;
import org.agrona.concurrent.SystemNanoClock;
import org.agrona.concurrent.UnsafeBuffer;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.NoSuchFileException;
import java.nio.file.StandardOpenOption;

/**
 * The {@code file_input} transport: reads records of a text format (JSON lines, CSV) from a file, on its
 * own agent, through a reusable direct buffer filled by positional {@link FileChannel} reads.
 * <p>
 * Position: the byte offset just after a record's terminating {@code '\n'} (the file length after the
 * last record at end of input); {@link #open(long)} resumes at such an offset and reads exactly the
 * records after it. With {@code follow} the file is tailed: at its end the agent looks for new bytes
 * every {@code follow_poll_interval_ms}, and a last line without its {@code '\n'} waits until it is
 * completed; without {@code follow}, end of file is the end of input and a last line without
 * {@code '\n'} is the last record. A file that shrinks while followed is an error.
 * <p>
 * Errors name the endpoint, the file, the physical line (1-based, counted from the start of the file
 * even after a resume) and the byte offset where the record starts, e.g.
 * {@code endpoint 'trades': /x/trades.json line 17 (offset 2210): column 'price' expects a number, got "abc"}.
 * A malformed record fails the endpoint ({@link OnErrorPolicy#FAIL}) or is skipped and counted
 * ({@link OnErrorPolicy#SKIP}); a malformed CSV header always fails. I/O errors always fail.
 */
public final class FileInputEndpoint extends RingBufferInput
{
    private static final int MAX_RECORDS_PER_DUTY_CYCLE = 4096;

    private final FileInputSettings settings;
    private final String file;
    private final RecordParser parser;
    private final RowWriter writer;
    private final boolean multiLineRecords;
    private final long followPollIntervalNs;

    private FileChannel channel;
    private ByteBuffer readBuffer;
    private final UnsafeBuffer view = new UnsafeBuffer(0, 0);
    private long resumePosition;

    // agent thread
    private boolean prepared;
    private boolean headerDone;
    private long bufferFileOffset;
    private int dataLimit;
    private int scan;
    private long lineNumber = 1;
    private long nextReadNs;
    private boolean waitingForData;

    private FileInputEndpoint(
        final String name, final Schema schema, final FileInputSettings settings, final NanoClock clock)
    {
        super(name, schema, queueCapacityFor(schema, settings.maxQueuedRecords()), clock);
        this.settings = settings;
        this.file = settings.path().toString();
        this.parser = settings.format().newParser(schema);
        this.writer = new RowWriter(schema);
        this.multiLineRecords = settings.format().format() == Format.CSV;
        this.followPollIntervalNs = settings.followPollIntervalMs() * 1_000_000L;
        this.headerDone = !parser.expectsHeader();
    }

    /** A {@code file_input} endpoint named {@code name} producing rows of {@code schema}. */
    public static FileInputEndpoint create(final String name, final Schema schema, final FileInputSettings settings)
    {
        return create(name, schema, settings, new SystemNanoClock());
    }

    /** As {@link #create(String, Schema, FileInputSettings)}, with the agent's clock (tests use a hand clock). */
    public static FileInputEndpoint create(
        final String name, final Schema schema, final FileInputSettings settings, final NanoClock clock)
    {
        return new FileInputEndpoint(name, schema, settings, clock);
    }

    public FileInputSettings settings()
    {
        return settings;
    }

    protected void onOpen(final long resumePosition)
    {
        try
        {
            channel = FileChannel.open(settings.path(), StandardOpenOption.READ);
            final long size = channel.size();
            if (resumePosition > size)
            {
                CloseHelper.quietClose(channel);
                throw error("CONNECTOR_FILE_TOO_SHORT", "file is " + size + " bytes, shorter than the resume position " +
                    resumePosition + "; it was truncated or replaced since the position was recorded", null);
            }
        }
        catch (final NoSuchFileException e)
        {
            throw error("CONNECTOR_FILE_NOT_FOUND", "file does not exist", e);
        }
        catch (final IOException e)
        {
            throw error("CONNECTOR_IO_ERROR", "cannot open: " + e, e);
        }
        this.resumePosition = resumePosition;
        readBuffer = ByteBuffer.allocateDirect(settings.readBufferBytes());
        view.wrap(readBuffer);
        bufferFileOffset = headerDone ? resumePosition : 0;
    }

    protected int produce(final long nowNs) throws IOException
    {
        if (!offerHeld())
        {
            return 0;
        }
        if (!prepared)
        {
            prepared = true;
            if (headerDone && resumePosition > 0)
            {
                lineNumber = 1 + countLines(resumePosition);
            }
            return 1;
        }
        int work = 0;
        while (work < MAX_RECORDS_PER_DUTY_CYCLE)
        {
            final int recordEnd = parser.findRecordEnd(view, scan, dataLimit);
            if (recordEnd >= 0)
            {
                work++;
                if (!onRecord(scan, recordEnd, bufferFileOffset + recordEnd + 1))
                {
                    break;
                }
                continue;
            }
            if (waitingForData && nowNs - nextReadNs < 0)
            {
                break;
            }
            final int read = readMore();
            if (read > 0)
            {
                waitingForData = false;
                work++;
                continue;
            }
            if (read < 0)
            {
                break;
            }
            if (settings.follow())
            {
                checkNotShrunk();
                waitingForData = true;
                nextReadNs = nowNs + followPollIntervalNs;
                break;
            }
            // end of file: a last line without '\n' is the last record
            final long endOfFile = bufferFileOffset + dataLimit;
            if (scan < dataLimit)
            {
                final int lastStart = scan;
                scan = dataLimit;
                work++;
                if (!onRecord(lastStart, dataLimit, endOfFile))
                {
                    break;
                }
            }
            offerEndOfInput(endOfFile);
            break;
        }
        return work;
    }

    /**
     * Handles the record {@code [start, end)}; returns false when the agent should stop this cycle (queue
     * full, or the endpoint failed).
     */
    private boolean onRecord(final int start, final int end, final long positionAfter)
    {
        final long recordLine = lineNumber;
        final long recordOffset = bufferFileOffset + start;
        lineNumber += multiLineRecords ? 1 + countNewlines(view, start, end) : 1;
        scan = Math.min(end + 1, dataLimit);
        final int contentEnd = end > start && view.getByte(end - 1) == '\r' ? end - 1 : end;
        if (!headerDone)
        {
            try
            {
                parser.parseHeader(view, start, contentEnd);
            }
            catch (final RecordParseException e)
            {
                raise(parseError(recordLine, recordOffset, "header: " + e.getMessage()));
                return false;
            }
            headerDone = true;
            if (resumePosition > positionAfter)
            {
                lineNumber = 1 + countLines(resumePosition);
                bufferFileOffset = resumePosition;
                dataLimit = 0;
                scan = 0;
            }
            else if (resumePosition > 0 && resumePosition < positionAfter)
            {
                raise(error("CONNECTOR_BAD_POSITION", "resume position " + resumePosition +
                    " lies inside the header line", null));
                return false;
            }
            return true;
        }
        final long weight;
        try
        {
            weight = parser.parse(view, start, contentEnd, writer);
        }
        catch (final RecordParseException e)
        {
            return skipOrFail(parseError(recordLine, recordOffset, e.getMessage()), settings.onError());
        }
        if (weight == 0)
        {
            return true;
        }
        return offerOrHold(positionAfter, 0, weight, writer.buffer(), 0, writer.length(), 0);
    }

    /**
     * Moves the unparsed tail to the front of the buffer (growing it for a long record) and reads more.
     *
     * @return bytes read, 0 at end of file, -1 if the endpoint failed.
     */
    private int readMore() throws IOException
    {
        if (scan > 0)
        {
            readBuffer.limit(dataLimit).position(scan);
            readBuffer.compact();
            bufferFileOffset += scan;
            dataLimit -= scan;
            scan = 0;
        }
        if (dataLimit == readBuffer.capacity())
        {
            if (dataLimit >= settings.maxRecordBytes())
            {
                raise(parseError(lineNumber, bufferFileOffset, "record is longer than max_record_bytes (" +
                    settings.maxRecordBytes() + ")"));
                return -1;
            }
            // a record longer than the buffer: grow (rare, not steady state)
            final ByteBuffer larger = ByteBuffer.allocateDirect(
                (int)Math.min(settings.maxRecordBytes(), 2L * readBuffer.capacity()));
            readBuffer.limit(dataLimit).position(0);
            larger.put(readBuffer);
            readBuffer = larger;
            view.wrap(readBuffer);
        }
        readBuffer.limit(readBuffer.capacity()).position(dataLimit);
        final int read = channel.read(readBuffer, bufferFileOffset + dataLimit);
        if (read <= 0)
        {
            return 0;
        }
        dataLimit += read;
        countBytes(read);
        return read;
    }

    private void checkNotShrunk() throws IOException
    {
        final long size = channel.size();
        if (size < bufferFileOffset + dataLimit)
        {
            throw error("CONNECTOR_FILE_SHRUNK", "file shrank to " + size + " bytes while followed at offset " +
                (bufferFileOffset + dataLimit), null);
        }
    }

    /** Physical lines in {@code [0, limit)} of the file, read once on resume to keep line numbers absolute. */
    private long countLines(final long limit)
    {
        long lines = 0;
        long offset = 0;
        try
        {
            while (offset < limit)
            {
                readBuffer.clear();
                readBuffer.limit((int)Math.min(readBuffer.capacity(), limit - offset));
                final int read = channel.read(readBuffer, offset);
                if (read <= 0)
                {
                    break;
                }
                for (int i = 0; i < read; i++)
                {
                    if (view.getByte(i) == '\n')
                    {
                        lines++;
                    }
                }
                offset += read;
            }
        }
        catch (final IOException e)
        {
            throw error("CONNECTOR_IO_ERROR", "cannot read: " + e, e);
        }
        return lines;
    }

    private KeelException parseError(final long line, final long offset, final String message)
    {
        return new KeelException(KeelException.Category.CONNECTOR, "CONNECTOR_PARSE_ERROR",
            "endpoint '" + name + "': " + file + " line " + line + " (offset " + offset + "): " + message);
    }

    private KeelException error(final String code, final String message, final Exception cause)
    {
        return new KeelException(KeelException.Category.CONNECTOR, code, "endpoint '" + name + "': " + file + ": " +
            message, cause);
    }

    protected KeelException wrap(final Exception e)
    {
        return error("CONNECTOR_IO_ERROR", "at offset " + (bufferFileOffset + dataLimit) + ": " + e, e);
    }

    protected void onAgentClose()
    {
        CloseHelper.quietClose(channel);
    }

    public void close()
    {
        CloseHelper.quietClose(channel);
    }

    public String toString()
    {
        return "FileInputEndpoint{name='" + name + "', " + settings + "}";
    }
}
