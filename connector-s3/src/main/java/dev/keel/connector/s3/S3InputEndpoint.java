package dev.keel.connector.s3;

import dev.keel.engine.KeelException;
import dev.keel.engine.connector.RingBufferInput;
import dev.keel.engine.connector.format.Format;
import dev.keel.engine.connector.format.RecordParseException;
import dev.keel.engine.connector.format.RecordParser;
import dev.keel.engine.data.RowWriter;
import dev.keel.engine.data.Schema;
import org.agrona.DirectBuffer;
import org.agrona.MutableDirectBuffer;
import org.agrona.concurrent.NanoClock;
import org.agrona.concurrent.UnsafeBuffer;
import software.amazon.awssdk.core.ResponseBytes;
import software.amazon.awssdk.core.async.AsyncResponseTransformer;
import software.amazon.awssdk.services.s3.S3AsyncClient;
import software.amazon.awssdk.services.s3.model.GetObjectResponse;
import software.amazon.awssdk.services.s3.model.HeadObjectResponse;
import software.amazon.awssdk.services.s3.model.ListObjectsV2Response;
import software.amazon.awssdk.services.s3.model.S3Exception;
import software.amazon.awssdk.services.s3.model.S3Object;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayDeque;
import java.util.Arrays;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.ExecutionException;

/**
 * An {@code s3_input} endpoint: on its own agent it lists the objects of a bucket under a prefix (or one key) in
 * key order and reads each with ranged GETs of {@code read_chunk_bytes} on the CRT client, one GET in flight ahead
 * of the parser, so memory stays bounded by about two chunks plus the longest record. Records (JSON lines, CSV
 * with a header per object if configured) go to the circuit through the {@link RingBufferInput} ring. Nothing
 * here blocks: every request is asynchronous and its future is looked at in a later duty cycle.
 * <p>
 * Positions: the {@code long} position counts the records handed over since the pipeline began; the
 * {@linkplain #positionToken position token} is {@link S3PositionToken} (the object key of the last record the
 * circuit took and the byte offset after it, with the object's size and ETag). Each ring record is tagged with
 * its object's ordinal and the offset, so the circuit thread tracks the token without allocating. Recovery
 * opens at a checkpoint's counter and token: the object is checked (HEAD: same size and ETag) and read on from
 * the offset, then objects with keys after it. Reading is deterministic, so the replay's record counts bound
 * every step; at each step's end the taken (key, offset) must equal the journaled token, or recovery fails with
 * {@code CONNECTOR_POSITION_MISMATCH} (the bucket changed under the journal) rather than deliver other records.
 * <p>
 * With {@code follow}, after the last object the prefix is listed again every {@code follow_poll_interval_ms}
 * for keys after the last one read. A failed request is retried {@code max_retries} times with backoff (each
 * retry logged), then the endpoint fails with {@code CONNECTOR_S3_UNAVAILABLE}; an answer that cannot change
 * by retrying (no such bucket or key, access denied) fails it at once. Errors never contain the credentials.
 */
public final class S3InputEndpoint extends RingBufferInput
{
    private static final System.Logger LOGGER = System.getLogger(S3InputEndpoint.class.getName());
    private static final int OFFSET_BITS = 42;
    private static final long OFFSET_MASK = (1L << OFFSET_BITS) - 1;
    private static final int ORDINAL_MASK = (1 << (64 - OFFSET_BITS)) - 1;
    private static final int MAX_RECORDS_PER_DUTY_CYCLE = 4096;
    private static final long INITIAL_BACKOFF_NS = 100_000_000L;
    private static final long MAX_BACKOFF_NS = 5_000_000_000L;
    private static final byte[] NO_BYTES = new byte[0];

    /** One object being read, published to the circuit thread before its first record. */
    static final class ObjectInfo
    {
        final int ordinal;
        final byte[] key;
        final String keyString;
        final long size;
        final byte[] etag;
        boolean published;

        ObjectInfo(final int ordinal, final byte[] key, final long size, final byte[] etag)
        {
            this.ordinal = ordinal;
            this.key = key;
            this.keyString = new String(key, StandardCharsets.UTF_8);
            this.size = size;
            this.etag = etag;
        }
    }

    private final S3InputSettings settings;
    private final RecordParser parser;
    private final RowWriter writer;
    private final boolean multiLineRecords;
    private final ConcurrentLinkedQueue<ObjectInfo> publishedObjects = new ConcurrentLinkedQueue<>();

    // set on the circuit thread at open, before the agent runs
    private S3PositionToken resumeToken = S3PositionToken.NONE;

    // circuit thread
    private ObjectInfo taken;
    private long takenOffset;
    private S3PositionToken lastBound;

    // agent thread
    private S3AsyncClient client;
    private final ArrayDeque<ObjectInfo> listed = new ArrayDeque<>();
    private CompletableFuture<ListObjectsV2Response> listing;
    private CompletableFuture<HeadObjectResponse> head;
    private CompletableFuture<ResponseBytes<GetObjectResponse>> fetch;
    private long fetchFrom;
    private long fetchTo;
    private String continuation;
    private byte[] lastListedKey;
    private boolean listRoundDone;
    private boolean anyListed;
    private boolean resumePending;
    private boolean endOffered;
    private long nextListNs;
    private int attempts;
    private long retryAtNs;
    private int nextOrdinal;

    private ObjectInfo object;
    private ByteBuffer readBuffer;
    private final UnsafeBuffer view = new UnsafeBuffer(0, 0);
    private long bufferOffset;
    private int dataLimit;
    private int scan;
    private long requestedTo;
    private long objectResumeOffset;
    private boolean headerDone;
    private long lineNumber;


    private S3InputEndpoint(
        final String name, final Schema schema, final S3InputSettings settings, final NanoClock clock)
    {
        super(name, schema, queueCapacityFor(schema, settings.maxQueuedRecords()), clock);
        this.settings = settings;
        this.parser = settings.format().newParser(schema);
        this.writer = new RowWriter(schema);
        this.multiLineRecords = settings.format().format() == Format.CSV;
    }

    /**
     * An {@code s3_input} endpoint named {@code name} producing rows of {@code schema}.
     *
     * @param clock the agent's clock.
     * @return a new, unopened endpoint; it connects on its agent's first duty cycle.
     */
    public static S3InputEndpoint create(
        final String name, final Schema schema, final S3InputSettings settings, final NanoClock clock)
    {
        return new S3InputEndpoint(name, schema, settings, clock);
    }

    public S3InputSettings settings()
    {
        return settings;
    }

    public boolean usesPositionToken()
    {
        return true;
    }

    public void open(final long resumePosition, final DirectBuffer token, final int offset, final int length)
    {
        resumeToken = S3PositionToken.decode(name, token, offset, length);
        open(resumePosition);
    }

    protected void onOpen(final long resumePosition)
    {
        if (resumePosition > 0 && resumeToken.isNone())
        {
            throw new KeelException(KeelException.Category.CONNECTOR, "CONNECTOR_BAD_POSITION",
                "endpoint '" + name + "': resume position " + resumePosition + " without an S3 position token " +
                "(object key and offset); the checkpoint was not written by an s3_input endpoint");
        }
        taken = new ObjectInfo(-1, resumeToken.key(), resumeToken.size(), resumeToken.etag());
        takenOffset = resumeToken.offset();
        lastBound = resumeToken;
    }

    public void replayBound(final long position, final DirectBuffer token, final int offset, final int length)
    {
        checkReached();
        lastBound = S3PositionToken.decode(name, token, offset, length);
    }

    public void live()
    {
        checkReached();
        lastBound = null;
    }

    /** Circuit thread: the replayed step just finished must have ended where the journal says. */
    private void checkReached()
    {
        if (null != lastBound && !lastBound.matches(taken.key, takenOffset))
        {
            throw new KeelException(KeelException.Category.CONNECTOR, "CONNECTOR_POSITION_MISMATCH",
                "endpoint '" + name + "': a replayed step ended at " + where(taken.key, takenOffset) +
                " but was journaled ending at " + where(lastBound.key(), lastBound.offset()) + "; the objects of " +
                settings.source() + " changed since (an object added before the last key read, or one replaced)");
        }
    }

    private String where(final byte[] key, final long offset)
    {
        return 0 == key.length ? "the start (no record)" :
            "s3://" + settings.bucket() + "/" + new String(key, StandardCharsets.UTF_8) + " offset " + offset;
    }

    protected void onRecordTaken(final long tag)
    {
        final int ordinal = (int)(tag >>> OFFSET_BITS);
        while (taken.ordinal != ordinal)
        {
            final ObjectInfo next = publishedObjects.poll();
            if (null == next)
            {
                throw new KeelException(KeelException.Category.INTERNAL, "INTERNAL_BAD_MESSAGE",
                    "endpoint '" + name + "': a record of object #" + ordinal + " came before the object");
            }
            taken = next;
        }
        takenOffset = tag & OFFSET_MASK;
    }

    public int positionToken(final MutableDirectBuffer dst)
    {
        return S3PositionToken.write(dst, taken.key, takenOffset, taken.size, taken.etag);
    }

    protected int produce(final long nowNs)
    {
        if (!offerHeld())
        {
            return 0;
        }
        if (null == client)
        {
            client = S3Clients.build(settings);
            readBuffer = ByteBuffer.allocateDirect(2 * settings.readChunkBytes());
            view.wrap(readBuffer);
            if (!resumeToken.isNone())
            {
                lastListedKey = resumeToken.key();
                resumePending = resumeToken.offset() < resumeToken.size();
            }
            return 1;
        }
        int work = 0;
        while (work < MAX_RECORDS_PER_DUTY_CYCLE)
        {
            if (null == object)
            {
                final int next = nextObject(nowNs);
                if (next <= 0 || null == object)
                {
                    return work + Math.max(0, next);
                }
                work += next;
                continue;
            }
            final int recordEnd = parser.findRecordEnd(view, scan, dataLimit);
            if (recordEnd >= 0)
            {
                work++;
                if (!onRecord(scan, recordEnd, bufferOffset + recordEnd + 1))
                {
                    break;
                }
                continue;
            }
            if (bufferOffset + dataLimit < object.size)
            {
                if (null == fetch)
                {
                    if (backingOff(nowNs))
                    {
                        break; // the records already fetched were parsed; the GET waits for its retry time
                    }
                    startFetch();
                    work++;
                    break;
                }
                if (!fetch.isDone() || !takeFetch(nowNs))
                {
                    break;
                }
                work++;
                continue;
            }
            // end of the object: a last line without '\n' is its last record
            if (scan < dataLimit)
            {
                final int lastStart = scan;
                scan = dataLimit;
                work++;
                if (!onRecord(lastStart, dataLimit, object.size))
                {
                    break;
                }
            }
            object = null;
            work++;
        }
        return work;
    }

    /**
     * Starts the next object, or advances the listing towards one.
     *
     * @return work done; {@link #object} is set when an object was started.
     */
    private int nextObject(final long nowNs)
    {
        if (resumePending)
        {
            if (null == head)
            {
                if (backingOff(nowNs))
                {
                    return 0;
                }
                head = client.headObject(b -> b.bucket(settings.bucket()).key(resumeToken.keyString()));
                return 1;
            }
            if (!head.isDone())
            {
                return 0;
            }
            final HeadObjectResponse response = take(head, "HEAD " + url(resumeToken.keyString()), nowNs);
            head = null;
            if (null == response)
            {
                return 1;
            }
            final byte[] etag = etag(response.eTag());
            if (response.contentLength() != resumeToken.size() || !Arrays.equals(etag, resumeToken.etag()))
            {
                throw error("CONNECTOR_S3_OBJECT_CHANGED", url(resumeToken.keyString()) + " changed since its " +
                    "position was journaled (size " + resumeToken.size() + " -> " + response.contentLength() +
                    ", ETag " + new String(resumeToken.etag(), StandardCharsets.US_ASCII) + " -> " +
                    response.eTag() + "); it cannot be resumed at offset " + resumeToken.offset(), null);
            }
            resumePending = false;
            startObject(new ObjectInfo(nextOrdinal(), resumeToken.key(), resumeToken.size(), etag),
                resumeToken.offset());
            return 1;
        }
        if (!listed.isEmpty())
        {
            startObject(listed.poll(), 0);
            return 1;
        }
        if (null != listing)
        {
            if (!listing.isDone())
            {
                return 0;
            }
            final ListObjectsV2Response page = take(listing, "LIST " + settings.source(), nowNs);
            listing = null;
            if (null != page)
            {
                onListed(page, nowNs);
            }
            return 1;
        }
        if (!listRoundDone)
        {
            if (backingOff(nowNs))
            {
                return 0;
            }
            final String token = continuation;
            final String startAfter = null == lastListedKey ? null : new String(lastListedKey, StandardCharsets.UTF_8);
            final String prefix = null != settings.key() ? settings.key() : settings.prefix();
            listing = client.listObjectsV2(b -> b.bucket(settings.bucket()).prefix(prefix).continuationToken(token)
                .startAfter(null == token ? startAfter : null));
            return 1;
        }
        if (!settings.follow())
        {
            if (null != settings.key() && !anyListed && resumeToken.isNone())
            {
                throw error("CONNECTOR_S3_NOT_FOUND", url(settings.key()) + " does not exist", null);
            }
            if (!endOffered && offerEndOfInput(offeredPosition()))
            {
                endOffered = true;
            }
            return 0;
        }
        if (nowNs - nextListNs < 0)
        {
            return 0;
        }
        listRoundDone = false;
        return 1;
    }

    private void onListed(final ListObjectsV2Response page, final long nowNs)
    {
        for (final S3Object listedObject : page.contents())
        {
            final byte[] key = listedObject.key().getBytes(StandardCharsets.UTF_8);
            if (null != lastListedKey && Arrays.compareUnsigned(key, lastListedKey) <= 0)
            {
                continue; // S3 lists in UTF-8 byte order after start-after; anything else was read already
            }
            if (null != settings.key() && !settings.key().equals(listedObject.key()))
            {
                continue;
            }
            if (listedObject.key().endsWith("/") && 0 == listedObject.size())
            {
                lastListedKey = key;
                continue; // a "folder" marker
            }
            listed.add(new ObjectInfo(-1, key, listedObject.size(), etag(listedObject.eTag())));
            lastListedKey = key;
            anyListed = true;
        }
        continuation = Boolean.TRUE.equals(page.isTruncated()) ? page.nextContinuationToken() : null;
        if (null == continuation)
        {
            listRoundDone = true;
            nextListNs = nowNs + settings.followPollIntervalMs() * 1_000_000L;
        }
    }

    private int nextOrdinal()
    {
        final int ordinal = nextOrdinal;
        nextOrdinal = (nextOrdinal + 1) & ORDINAL_MASK;
        return ordinal;
    }

    private void startObject(final ObjectInfo listedInfo, final long resumeOffset)
    {
        final ObjectInfo info = listedInfo.ordinal < 0 ?
            new ObjectInfo(nextOrdinal(), listedInfo.key, listedInfo.size, listedInfo.etag) : listedInfo;
        if (info.size > OFFSET_MASK)
        {
            throw error("CONNECTOR_S3_OBJECT_TOO_LARGE", url(info.keyString) + " is " + info.size +
                " bytes; objects up to 4 TiB are supported", null);
        }
        object = info;
        headerDone = !parser.expectsHeader();
        objectResumeOffset = resumeOffset;
        bufferOffset = headerDone ? resumeOffset : 0;
        requestedTo = bufferOffset;
        lineNumber = 0 == bufferOffset ? 1 : -1;
        dataLimit = 0;
        scan = 0;
    }

    private void startFetch()
    {
        if (dataLimit - scan >= settings.maxRecordBytes())
        {
            throw parseError(bufferOffset + scan, lineNumber, "record is longer than max_record_bytes (" +
                settings.maxRecordBytes() + ")");
        }
        final long from = requestedTo;
        final long to = Math.min(object.size, from + settings.readChunkBytes());
        final String key = object.keyString;
        final String range = "bytes=" + from + "-" + (to - 1);
        fetchFrom = from;
        fetchTo = to;
        requestedTo = to;
        fetch = client.getObject(b -> b.bucket(settings.bucket()).key(key).range(range),
            AsyncResponseTransformer.toBytes());
    }

    /** Appends a completed GET to the buffer and starts the next one; false if it failed (retry later). */
    private boolean takeFetch(final long nowNs)
    {
        final ResponseBytes<GetObjectResponse> response =
            take(fetch, "GET " + url(object.keyString) + " bytes " + fetchFrom + "-" + (fetchTo - 1), nowNs);
        fetch = null;
        if (null == response)
        {
            requestedTo = fetchFrom;
            return false;
        }
        final byte[] etag = etag(response.response().eTag());
        final byte[] bytes = response.asByteArrayUnsafe();
        if (object.etag.length > 0 && etag.length > 0 && !Arrays.equals(etag, object.etag) ||
            bytes.length != fetchTo - fetchFrom)
        {
            throw error("CONNECTOR_S3_OBJECT_CHANGED", url(object.keyString) + " changed while it was read (" +
                bytes.length + " bytes at offset " + fetchFrom + " where " + (fetchTo - fetchFrom) +
                " were listed, ETag " + response.response().eTag() + ")", null);
        }
        if (scan > 0)
        {
            readBuffer.limit(dataLimit).position(scan);
            readBuffer.compact();
            bufferOffset += scan;
            dataLimit -= scan;
            scan = 0;
        }
        if (dataLimit + bytes.length > readBuffer.capacity())
        {
            // a record longer than a chunk: grow (rare, not steady state)
            final ByteBuffer larger = ByteBuffer.allocateDirect(dataLimit + bytes.length);
            readBuffer.limit(dataLimit).position(0);
            larger.put(readBuffer);
            readBuffer = larger;
            view.wrap(readBuffer);
        }
        view.putBytes(dataLimit, bytes);
        dataLimit += bytes.length;
        countBytes(bytes.length);
        attempts = 0;
        if (requestedTo < object.size)
        {
            startFetch(); // one GET ahead of the parser
        }
        return true;
    }

    /**
     * The result of a completed request, or null after a failure that is retried later.
     *
     * @throws KeelException when the failure cannot be retried or the retries are used up.
     */
    private <T> T take(final CompletableFuture<T> future, final String what, final long nowNs)
    {
        try
        {
            final T result = future.get();
            attempts = 0;
            return result;
        }
        catch (final InterruptedException ex)
        {
            Thread.currentThread().interrupt();
            throw error("CONNECTOR_IO_ERROR", what + " interrupted", null);
        }
        catch (final ExecutionException | CompletionException ex)
        {
            final Throwable cause = null == ex.getCause() ? ex : ex.getCause();
            final String description = settings.redact(String.valueOf(cause));
            if (cause instanceof S3Exception s3 && permanent(s3.statusCode()))
            {
                throw error("CONNECTOR_S3_REQUEST_FAILED", what + " failed (HTTP " + s3.statusCode() + "): " +
                    description, null);
            }
            attempts++;
            if (attempts > settings.maxRetries())
            {
                throw error("CONNECTOR_S3_UNAVAILABLE", what + " failed " + attempts + " times (max_retries " +
                    settings.maxRetries() + "); last error: " + description, null);
            }
            final long backoff = Math.min(MAX_BACKOFF_NS, INITIAL_BACKOFF_NS << Math.min(20, attempts - 1));
            retryAtNs = nowNs + backoff;
            LOGGER.log(System.Logger.Level.WARNING, "endpoint ''{0}'': {1} failed, retry {2} of {3} in {4} ms: {5}",
                name, what, attempts, settings.maxRetries(), backoff / 1_000_000, description);
            return null;
        }
    }

    /** True while a failed request waits for its retry time. */
    private boolean backingOff(final long nowNs)
    {
        return attempts > 0 && nowNs - retryAtNs < 0;
    }

    private static boolean permanent(final int status)
    {
        return 301 == status || 400 == status || 403 == status || 404 == status || 405 == status ||
            412 == status || 416 == status;
    }

    /** Handles the record {@code [start, end)}; false when the agent should stop this cycle. */
    private boolean onRecord(final int start, final int end, final long positionAfter)
    {
        final long recordLine = lineNumber;
        final long recordOffset = bufferOffset + start;
        if (lineNumber > 0)
        {
            lineNumber += multiLineRecords ? 1 + countNewlines(view, start, end) : 1;
        }
        scan = Math.min(end + 1, dataLimit);
        final int contentEnd = end > start && view.getByte(end - 1) == '\r' ? end - 1 : end;
        if (!headerDone)
        {
            try
            {
                parser.parseHeader(view, start, contentEnd);
            }
            catch (final RecordParseException ex)
            {
                raise(parseError(recordOffset, recordLine, "header: " + ex.getMessage()));
                return false;
            }
            headerDone = true;
            if (objectResumeOffset > positionAfter)
            {
                if (null != fetch)
                {
                    fetch.cancel(false);
                    fetch = null;
                }
                bufferOffset = objectResumeOffset;
                requestedTo = objectResumeOffset;
                dataLimit = 0;
                scan = 0;
                lineNumber = -1;
            }
            return true;
        }
        final long weight;
        try
        {
            weight = parser.parse(view, start, contentEnd, writer);
        }
        catch (final RecordParseException ex)
        {
            return skipOrFail(parseError(recordOffset, recordLine, ex.getMessage()), settings.onError());
        }
        if (0 == weight)
        {
            return true;
        }
        if (!object.published)
        {
            object.published = true;
            publishedObjects.add(object);
        }
        final long tag = ((long)object.ordinal << OFFSET_BITS) | positionAfter;
        return offerOrHold(offeredPosition() + 1, tag, weight, writer.buffer(), 0, writer.length(), 0);
    }

    private static byte[] etag(final String etag)
    {
        return null == etag ? NO_BYTES : etag.getBytes(StandardCharsets.US_ASCII);
    }

    private String url(final String key)
    {
        return "s3://" + settings.bucket() + "/" + key;
    }

    private KeelException parseError(final long offset, final long line, final String message)
    {
        return new KeelException(KeelException.Category.CONNECTOR, "CONNECTOR_PARSE_ERROR",
            "endpoint '" + name + "': " + url(object.keyString) + (line > 0 ? " line " + line + " (offset " +
            offset + ")" : " offset " + offset) + ": " + message);
    }

    private KeelException error(final String code, final String message, final Exception cause)
    {
        return new KeelException(KeelException.Category.CONNECTOR, code, "endpoint '" + name + "': " + message,
            cause);
    }

    protected KeelException wrap(final Exception e)
    {
        return error("CONNECTOR_IO_ERROR", settings.source() + ": " + settings.redact(String.valueOf(e)), null);
    }

    protected void onAgentClose()
    {
        if (null != fetch)
        {
            fetch.cancel(false);
        }
        if (null != client)
        {
            try
            {
                client.close();
            }
            catch (final RuntimeException ex)
            {
                LOGGER.log(System.Logger.Level.DEBUG, "endpoint ''{0}'': client close: {1}", name, ex);
            }
            client = null;
        }
    }

    public void close()
    {
    }

    public String toString()
    {
        return "S3InputEndpoint{name='" + name + "', " + settings + "}";
    }
}
