package dev.keel.wal;

import dev.keel.engine.KeelException;
import dev.keel.engine.spi.Journal.StepRecordHandler;
import dev.keel.engine.spi.StepRecord;
import io.aeron.Aeron;
import io.aeron.ChannelUri;
import io.aeron.Image;
import io.aeron.Subscription;
import io.aeron.archive.client.AeronArchive;
import io.aeron.logbuffer.FragmentHandler;
import io.aeron.logbuffer.FrameDescriptor;
import io.aeron.logbuffer.Header;
import org.agrona.BitUtil;
import org.agrona.DirectBuffer;
import org.agrona.ExpandableDirectByteBuffer;
import org.agrona.concurrent.IdleStrategy;

import java.nio.file.Path;
import java.util.concurrent.TimeUnit;

import static dev.keel.engine.KeelException.Category.STORAGE;

/**
 * Replays the journal recording through the archive to a subscription of the journal's own, reassembles fragmented
 * records, verifies each checksum and decodes it into one reused {@link StepRecord}.
 */
final class JournalReplay implements FragmentHandler
{
    private final Path journalDir;
    private final long timeoutNs;
    private final IdleStrategy idleStrategy;
    private final JournalErrors errors;
    private final Aeron aeron;
    private final AeronArchive archive;
    private final long recordingId;
    private final StepRecordAdapter adapter = new StepRecordAdapter();
    private final ExpandableDirectByteBuffer assembly = new ExpandableDirectByteBuffer(4096);
    private final StepRecord record = new StepRecord();
    private StepRecordHandler handler;
    private long recordStart;
    private int assembled;
    private long recordEnd;

    JournalReplay(
        final AeronJournal.Context ctx,
        final Aeron aeron,
        final AeronArchive archive,
        final long recordingId,
        final JournalErrors errors)
    {
        this.journalDir = ctx.journalDir();
        this.timeoutNs = ctx.timeoutNs();
        this.idleStrategy = ctx.appendIdleStrategy();
        this.errors = errors;
        this.aeron = aeron;
        this.archive = archive;
        this.recordingId = recordingId;
    }

    /**
     * Feeds every record from {@code fromPosition} to {@code endPosition} to {@code handler}; the caller checked
     * that {@code fromPosition} is frame aligned and inside the recording.
     */
    void replay(final long fromPosition, final long endPosition, final StepRecordHandler handler)
    {
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

        final String channel = ChannelUri.addSessionId(JournalLayout.CHANNEL, (int)replaySessionId);
        boolean completed = false;
        try (Subscription subscription = aeron.addSubscription(channel, JournalLayout.REPLAY_STREAM_ID))
        {
            begin(fromPosition, handler);
            long lastProgressNs = System.nanoTime();
            long lastPosition = fromPosition;
            Image image = null;
            while (recordEnd < endPosition)
            {
                if (null == image)
                {
                    image = subscription.imageBySessionId((int)replaySessionId);
                }

                final int fragments = null == image ? 0 : image.poll(this, 64);
                final long nowNs = System.nanoTime();
                if (recordEnd != lastPosition)
                {
                    lastPosition = recordEnd;
                    lastProgressNs = nowNs;
                }
                else if (nowNs - lastProgressNs > timeoutNs)
                {
                    throw new KeelException(STORAGE, "JOURNAL_REPLAY_STALLED",
                        "journal replay of recording " + recordingId + " made no progress for " +
                        TimeUnit.NANOSECONDS.toMillis(timeoutNs) + " ms at position " + lastPosition +
                        " (target " + endPosition + ") in " + journalDir, errors.first());
                }

                if (null != image && image.isClosed() && recordEnd < endPosition)
                {
                    throw new KeelException(STORAGE, "JOURNAL_REPLAY_FAILED",
                        "journal replay of recording " + recordingId + " ended at position " + recordEnd +
                        " before " + endPosition + " in " + journalDir, errors.first());
                }
                idleStrategy.idle(fragments);
            }
            completed = true;
        }
        finally
        {
            this.handler = null;
            if (!completed)
            {
                stopReplayQuietly(replaySessionId);
            }
        }
    }

    public void onFragment(final DirectBuffer buffer, final int offset, final int length, final Header header)
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
                return;
            }
            status = adapter.verify(assembly, 0, assembled);
        }

        if (StepRecordAdapter.OK != status)
        {
            throw new KeelException(STORAGE, "JOURNAL_CORRUPT",
                "journal record at position " + recordStart + " of recording " + recordingId + " in " +
                journalDir + ": " + StepRecordAdapter.describe(status) + "; run `keel journal dump`");
        }

        handler.onStepRecord(frameEnd, adapter.decode(record));
        recordStart = -1;
        recordEnd = frameEnd;
    }

    private void begin(final long fromPosition, final StepRecordHandler handler)
    {
        this.handler = handler;
        this.recordEnd = fromPosition;
        this.recordStart = -1;
        this.assembled = 0;
    }

    private void stopReplayQuietly(final long replaySessionId)
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
