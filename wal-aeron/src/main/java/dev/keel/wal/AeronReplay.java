package dev.keel.wal;

import dev.keel.engine.KeelException;
import dev.keel.engine.spi.Journal;
import dev.keel.engine.spi.StepRecord;
import io.aeron.Aeron;
import io.aeron.ChannelUri;
import io.aeron.Image;
import io.aeron.Subscription;
import io.aeron.archive.client.AeronArchive;
import io.aeron.logbuffer.ControlledFragmentHandler;
import io.aeron.logbuffer.FrameDescriptor;
import io.aeron.logbuffer.Header;
import org.agrona.BitUtil;
import org.agrona.CloseHelper;
import org.agrona.DirectBuffer;
import org.agrona.ExpandableDirectByteBuffer;

import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;

import static dev.keel.engine.KeelException.Category.STORAGE;

/**
 * One replay of the journal recording through the archive, polled without blocking: each {@link #poll} reads
 * fragments until one record is complete, verifies and decodes it into a reused {@link StepRecord} and hands it
 * over, then stops ({@link ControlledFragmentHandler.Action#BREAK}) so that the record stays valid until the next
 * poll. Starting the replay (an archive request and a subscription) is the only round trip, made once at open.
 * <p>
 * No progress for the journal's time-out fails the poll ({@code JOURNAL_REPLAY_STALLED}); an image that closes
 * before the end position fails it too ({@code JOURNAL_REPLAY_FAILED}).
 */
final class AeronReplay implements Journal.Replay, ControlledFragmentHandler
{
    private final AeronArchive archive;
    private final long recordingId;
    private final long endPosition;
    private final long timeoutNs;
    private final Path journalDir;
    private final Supplier<Throwable> cause;
    private final StepRecordAdapter adapter = new StepRecordAdapter();
    private final ExpandableDirectByteBuffer assembly = new ExpandableDirectByteBuffer(4096);
    private final StepRecord record = new StepRecord();
    private final long replaySessionId;
    private final Subscription subscription;
    private Image image;
    private Journal.StepRecordHandler handler;
    private long recordStart = -1;
    private int assembled;
    private long recordEnd;
    private long lastProgressNs;
    private boolean delivered;
    private boolean closed;

    private AeronReplay(
        final AeronArchive archive,
        final long recordingId,
        final long fromPosition,
        final long endPosition,
        final long timeoutNs,
        final Path journalDir,
        final Supplier<Throwable> cause,
        final long replaySessionId,
        final Subscription subscription)
    {
        this.archive = archive;
        this.recordingId = recordingId;
        this.endPosition = endPosition;
        this.timeoutNs = timeoutNs;
        this.journalDir = journalDir;
        this.cause = cause;
        this.replaySessionId = replaySessionId;
        this.subscription = subscription;
        this.recordEnd = fromPosition;
        this.lastProgressNs = System.nanoTime();
    }

    /**
     * Starts replaying {@code [fromPosition, endPosition)} of the recording; with nothing to replay, no archive
     * request is made.
     */
    static AeronReplay open(
        final Aeron aeron,
        final AeronArchive archive,
        final long recordingId,
        final long fromPosition,
        final long endPosition,
        final long timeoutNs,
        final Path journalDir,
        final Supplier<Throwable> cause)
    {
        if (fromPosition == endPosition)
        {
            return new AeronReplay(
                archive, recordingId, fromPosition, endPosition, timeoutNs, journalDir, cause, -1, null);
        }

        final long replaySessionId;
        try
        {
            replaySessionId = archive.startReplay(
                recordingId, fromPosition, endPosition - fromPosition, JournalLayout.CHANNEL,
                JournalLayout.REPLAY_STREAM_ID);
        }
        catch (final RuntimeException ex)
        {
            throw new KeelException(STORAGE, "JOURNAL_REPLAY_FAILED",
                "cannot replay journal recording " + recordingId + " from position " + fromPosition + " in " +
                journalDir + ": " + ex.getMessage(), ex);
        }

        try
        {
            final String channel = ChannelUri.addSessionId(JournalLayout.CHANNEL, (int)replaySessionId);
            final Subscription subscription = aeron.addSubscription(channel, JournalLayout.REPLAY_STREAM_ID);
            return new AeronReplay(archive, recordingId, fromPosition, endPosition, timeoutNs, journalDir, cause,
                replaySessionId, subscription);
        }
        catch (final RuntimeException ex)
        {
            stopQuietly(archive, replaySessionId);
            throw new KeelException(STORAGE, "JOURNAL_REPLAY_FAILED",
                "cannot subscribe to the replay of journal recording " + recordingId + " in " + journalDir + ": " +
                ex.getMessage(), ex);
        }
    }

    public int poll(final Journal.StepRecordHandler handler)
    {
        if (isDone())
        {
            return 0;
        }

        if (null == image)
        {
            image = subscription.imageBySessionId((int)replaySessionId);
        }

        delivered = false;
        if (null != image)
        {
            this.handler = handler;
            try
            {
                image.controlledPoll(this, 16);
            }
            finally
            {
                this.handler = null;
            }
        }

        final long nowNs = System.nanoTime();
        if (delivered)
        {
            lastProgressNs = nowNs;
            return 1;
        }

        if (null != image && image.isClosed() && recordEnd < endPosition)
        {
            throw new KeelException(STORAGE, "JOURNAL_REPLAY_FAILED",
                "journal replay of recording " + recordingId + " ended at position " + recordEnd + " before " +
                endPosition + " in " + journalDir, cause.get());
        }

        if (nowNs - lastProgressNs > timeoutNs)
        {
            throw new KeelException(STORAGE, "JOURNAL_REPLAY_STALLED",
                "journal replay of recording " + recordingId + " made no progress for " +
                TimeUnit.NANOSECONDS.toMillis(timeoutNs) + " ms at position " + recordEnd + " (target " +
                endPosition + ") in " + journalDir, cause.get());
        }

        return 0;
    }

    public boolean isDone()
    {
        return recordEnd >= endPosition;
    }

    public long position()
    {
        return recordEnd;
    }

    public void close()
    {
        if (!closed)
        {
            closed = true;
            if (null != subscription)
            {
                if (!isDone())
                {
                    stopQuietly(archive, replaySessionId);
                }
                CloseHelper.quietClose(subscription);
            }
        }
    }

    public Action onFragment(final DirectBuffer buffer, final int offset, final int length, final Header header)
    {
        final byte flags = header.flags();
        final long frameEnd = header.position();
        final long frameStart = frameEnd - BitUtil.align(header.frameLength(), FrameDescriptor.FRAME_ALIGNMENT);

        if ((flags & FrameDescriptor.BEGIN_FRAG_FLAG) != 0)
        {
            recordStart = frameStart;
            assembled = 0;
        }
        else if (recordStart < 0)
        {
            throw new KeelException(STORAGE, "JOURNAL_BAD_POSITION",
                "journal position " + frameStart + " of recording " + recordingId + " is not the start of a " +
                "record in " + journalDir);
        }

        final int status;
        if ((flags & FrameDescriptor.UNFRAGMENTED) == FrameDescriptor.UNFRAGMENTED)
        {
            status = adapter.verify(buffer, offset, length);
        }
        else
        {
            assembly.putBytes(assembled, buffer, offset, length);
            assembled += length;
            if ((flags & FrameDescriptor.END_FRAG_FLAG) == 0)
            {
                return Action.CONTINUE;
            }
            status = adapter.verify(assembly, 0, assembled);
        }

        if (StepRecordAdapter.OK != status)
        {
            throw new KeelException(STORAGE, "JOURNAL_CORRUPT",
                "journal record at position " + recordStart + " of recording " + recordingId + " in " +
                journalDir + ": " + StepRecordAdapter.describe(status) + "; run `keel journal dump`");
        }

        // verify copied the message: the decoded record does not point into the term buffer
        handler.onStepRecord(frameEnd, adapter.decode(record));
        recordStart = -1;
        recordEnd = frameEnd;
        delivered = true;
        return Action.BREAK;
    }

    private static void stopQuietly(final AeronArchive archive, final long replaySessionId)
    {
        try
        {
            archive.stopReplay(replaySessionId);
        }
        catch (final RuntimeException ignore)
        {
            // the replay may have ended on its own; the failure that got us here is what the caller sees
        }
    }
}
