package dev.keel.wal;

import dev.keel.engine.KeelException;
import io.aeron.archive.client.AeronArchive;
import io.aeron.logbuffer.FrameDescriptor;
import io.aeron.logbuffer.LogBufferDescriptor;
import io.aeron.protocol.DataHeaderFlyweight;
import org.agrona.BitUtil;
import org.agrona.ExpandableDirectByteBuffer;
import org.agrona.IoUtil;
import org.agrona.concurrent.UnsafeBuffer;

import java.io.IOException;
import java.nio.ByteOrder;
import java.nio.MappedByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;

import static dev.keel.engine.KeelException.Category.STORAGE;

/**
 * Walks the Aeron frames of the journal recording straight from its segment files, read-only, and verifies each
 * step record it reassembles.
 * <p>
 * Used where no archive may run: the tail check before the archive is launched, and {@link JournalDump}. Every
 * frame header is checked against what the position implies (term id, term offset, stream id, type), so a
 * garbled header is never followed. A segment always starts on a term boundary and Aeron never splits a message
 * across terms, so a record never spans two segment files.
 */
final class RecordingScanner implements AutoCloseable
{
    /** Receives each verified record; {@code adapter} holds it, ready for {@link StepRecordAdapter#decode}. */
    @FunctionalInterface
    interface RecordVisitor
    {
        void onRecord(long position, long endPosition, StepRecordAdapter adapter);
    }

    /** How a walk ended. */
    static final class Result
    {
        /** Position after the last verified record (the walk's start if there was none). */
        long endPosition;
        /** Number of verified records walked. */
        long recordCount;
        /** Null when the walk reached its limit (or the end of the written frames) without a problem. */
        String problem;
        /** Start of the record that could not be read, when {@link #problem} is set. */
        long problemPosition;
        /** Segment file holding {@link #problemPosition}. */
        Path problemFile;
        /** Offset of {@link #problemPosition} in {@link #problemFile}. */
        long problemFileOffset;

        boolean isClean()
        {
            return null == problem;
        }

        String describeProblem()
        {
            return problem + " at position " + problemPosition + " (file " + problemFile + ", offset " +
                problemFileOffset + ")";
        }
    }

    /** Walk limit meaning "until the frames written so far end" (the recording's stop position is unknown). */
    static final long UNBOUNDED = Long.MAX_VALUE;

    private final Path archiveDir;
    private final ArchiveCatalog.Recording recording;
    private final int positionBitsToShift;
    private final StepRecordAdapter adapter = new StepRecordAdapter();
    private final ExpandableDirectByteBuffer assembly = new ExpandableDirectByteBuffer(4096);
    private final UnsafeBuffer segment = new UnsafeBuffer(0, 0);
    private MappedByteBuffer mapped;
    private long mappedBasePosition = -1;
    private Path mappedFile;
    private boolean mappedExists;

    RecordingScanner(final Path archiveDir, final ArchiveCatalog.Recording recording)
    {
        this.archiveDir = archiveDir;
        this.recording = recording;
        this.positionBitsToShift = LogBufferDescriptor.positionBitsToShift(recording.termBufferLength);
    }

    /** Base position of the segment file holding {@code position}. */
    long segmentBasePosition(final long position)
    {
        return AeronArchive.segmentFileBasePosition(
            recording.startPosition, position, recording.termBufferLength, recording.segmentFileLength);
    }

    Path segmentFile(final long segmentBasePosition)
    {
        return archiveDir.resolve(JournalLayout.segmentFileName(recording.recordingId, segmentBasePosition));
    }

    /**
     * Walks records from {@code fromPosition}, which must be a record start, up to {@code limitPosition} or, with
     * {@link #UNBOUNDED}, up to the first zero frame length or missing segment file.
     */
    Result walk(final long fromPosition, final long limitPosition, final RecordVisitor visitor)
    {
        final Result result = new Result();
        result.endPosition = fromPosition;
        long position = fromPosition;
        long recordStart = -1;
        int assembled = 0;

        while (position < limitPosition)
        {
            final long basePosition = segmentBasePosition(position);
            map(basePosition);
            final int offset = (int)(position - basePosition);
            if (!mappedExists)
            {
                if (UNBOUNDED == limitPosition && recordStart < 0 && 0 == offset)
                {
                    break;
                }
                return problem(result, "segment file missing", recordStart < 0 ? position : recordStart);
            }

            final int available = segment.capacity() - offset;
            if (available < DataHeaderFlyweight.HEADER_LENGTH)
            {
                if (UNBOUNDED == limitPosition && recordStart < 0 && 0 == available)
                {
                    break;
                }
                return problem(result, "segment file ends inside a frame header", start(recordStart, position));
            }

            final int frameLength = segment.getInt(offset, ByteOrder.LITTLE_ENDIAN);
            if (0 == frameLength && UNBOUNDED == limitPosition && recordStart < 0)
            {
                break;
            }

            final String headerProblem = checkHeader(offset, position, frameLength);
            if (null != headerProblem)
            {
                return problem(result, headerProblem, start(recordStart, position));
            }

            final int alignedLength = BitUtil.align(frameLength, FrameDescriptor.FRAME_ALIGNMENT);
            if (alignedLength > available)
            {
                return problem(result, "segment file ends inside a frame of length " + frameLength,
                    start(recordStart, position));
            }

            if (position + alignedLength > limitPosition)
            {
                return problem(result, "frame of length " + frameLength + " runs past the recording's stop position " +
                    limitPosition, start(recordStart, position));
            }

            final int type = segment.getShort(offset + DataHeaderFlyweight.TYPE_FIELD_OFFSET, ByteOrder.LITTLE_ENDIAN);
            if (DataHeaderFlyweight.HDR_TYPE_PAD == type)
            {
                if (recordStart >= 0)
                {
                    return problem(result, "padding inside a record", recordStart);
                }
                position += alignedLength;
                result.endPosition = position;
                continue;
            }

            final byte flags = segment.getByte(offset + DataHeaderFlyweight.FLAGS_FIELD_OFFSET);
            final int payloadOffset = offset + DataHeaderFlyweight.HEADER_LENGTH;
            final int payloadLength = frameLength - DataHeaderFlyweight.HEADER_LENGTH;
            final boolean begin = (flags & FrameDescriptor.BEGIN_FRAG_FLAG) != 0;
            final boolean end = (flags & FrameDescriptor.END_FRAG_FLAG) != 0;

            if (begin)
            {
                if (recordStart >= 0)
                {
                    return problem(result, "record interrupted by the start of another", recordStart);
                }
                recordStart = position;
                assembled = 0;
            }
            else if (recordStart < 0)
            {
                return problem(result, "continuation fragment without a record start", position);
            }

            position += alignedLength;
            final int status;
            if (begin && end)
            {
                status = adapter.verify(segment, payloadOffset, payloadLength);
            }
            else
            {
                assembly.putBytes(assembled, segment, payloadOffset, payloadLength);
                assembled += payloadLength;
                if (!end)
                {
                    continue;
                }
                status = adapter.verify(assembly, 0, assembled);
            }

            if (StepRecordAdapter.OK != status)
            {
                return problem(result, "record " + StepRecordAdapter.describe(status), recordStart);
            }

            visitor.onRecord(recordStart, position, adapter);
            result.recordCount++;
            result.endPosition = position;
            recordStart = -1;
        }

        if (recordStart >= 0)
        {
            return problem(result, "record incomplete", recordStart);
        }

        return result;
    }

    /**
     * Whether a verified record starts anywhere after {@code position} (exclusive) and before {@code limitPosition}:
     * decides between a torn tail (nothing readable follows) and damage in the middle of the journal.
     */
    boolean hasVerifiedRecordAfter(final long position, final long limitPosition)
    {
        long candidate = position + FrameDescriptor.FRAME_ALIGNMENT;
        while (candidate < limitPosition)
        {
            final long basePosition = segmentBasePosition(candidate);
            map(basePosition);
            if (!mappedExists)
            {
                return false;
            }

            final int offset = (int)(candidate - basePosition);
            if (offset + DataHeaderFlyweight.HEADER_LENGTH > segment.capacity())
            {
                candidate = basePosition + recording.segmentFileLength;
                if (segment.capacity() < recording.segmentFileLength)
                {
                    // a short file ends the written data of the recording
                    return false;
                }
                continue;
            }

            final int frameLength = segment.getInt(offset, ByteOrder.LITTLE_ENDIAN);
            if (null == checkHeader(offset, candidate, frameLength) &&
                DataHeaderFlyweight.HDR_TYPE_DATA ==
                    segment.getShort(offset + DataHeaderFlyweight.TYPE_FIELD_OFFSET, ByteOrder.LITTLE_ENDIAN) &&
                (segment.getByte(offset + DataHeaderFlyweight.FLAGS_FIELD_OFFSET) & FrameDescriptor.BEGIN_FRAG_FLAG) != 0)
            {
                final long stop = Math.min(limitPosition, candidate + recording.termBufferLength);
                final Result result = walk(candidate, stop, (p, e, a) -> {});
                if (result.recordCount > 0)
                {
                    return true;
                }
            }

            candidate += FrameDescriptor.FRAME_ALIGNMENT;
        }

        return false;
    }

    public void close()
    {
        unmap();
    }

    private String checkHeader(final int offset, final long position, final int frameLength)
    {
        if (frameLength < DataHeaderFlyweight.HEADER_LENGTH)
        {
            return "invalid frame length " + frameLength;
        }

        final int type = segment.getShort(offset + DataHeaderFlyweight.TYPE_FIELD_OFFSET, ByteOrder.LITTLE_ENDIAN);
        if (DataHeaderFlyweight.HDR_TYPE_DATA != type && DataHeaderFlyweight.HDR_TYPE_PAD != type)
        {
            return "invalid frame type " + type;
        }

        final int termOffset = segment.getInt(offset + DataHeaderFlyweight.TERM_OFFSET_FIELD_OFFSET, ByteOrder.LITTLE_ENDIAN);
        final int expectedTermOffset = (int)(position & (recording.termBufferLength - 1));
        if (termOffset != expectedTermOffset)
        {
            return "frame term offset " + termOffset + " where " + expectedTermOffset + " was expected";
        }

        final int termId = segment.getInt(offset + DataHeaderFlyweight.TERM_ID_FIELD_OFFSET, ByteOrder.LITTLE_ENDIAN);
        final int expectedTermId = recording.initialTermId + (int)(position >>> positionBitsToShift);
        if (termId != expectedTermId)
        {
            return "frame term id " + termId + " where " + expectedTermId + " was expected";
        }

        final int streamId = segment.getInt(offset + DataHeaderFlyweight.STREAM_ID_FIELD_OFFSET, ByteOrder.LITTLE_ENDIAN);
        if (streamId != recording.streamId)
        {
            return "frame stream id " + streamId + " where " + recording.streamId + " was expected";
        }

        if (frameLength > recording.termBufferLength - expectedTermOffset)
        {
            return "frame length " + frameLength + " runs past the end of its term";
        }

        return null;
    }

    private static long start(final long recordStart, final long position)
    {
        return recordStart >= 0 ? recordStart : position;
    }

    private Result problem(final Result result, final String problem, final long position)
    {
        final long basePosition = segmentBasePosition(position);
        result.problem = problem;
        result.problemPosition = position;
        result.problemFile = segmentFile(basePosition);
        result.problemFileOffset = position - basePosition;
        return result;
    }

    private void map(final long basePosition)
    {
        if (basePosition == mappedBasePosition)
        {
            return;
        }

        unmap();
        mappedBasePosition = basePosition;
        mappedFile = segmentFile(basePosition);
        mappedExists = Files.exists(mappedFile);
        if (!mappedExists)
        {
            return;
        }

        try (FileChannel channel = FileChannel.open(mappedFile, StandardOpenOption.READ))
        {
            final long length = Math.min(channel.size(), recording.segmentFileLength);
            if (length > 0)
            {
                mapped = channel.map(FileChannel.MapMode.READ_ONLY, 0, length);
                segment.wrap(mapped);
            }
        }
        catch (final IOException ex)
        {
            throw new KeelException(STORAGE, "JOURNAL_IO", "cannot read journal segment file " + mappedFile, ex);
        }
    }

    private void unmap()
    {
        if (null != mapped)
        {
            IoUtil.unmap(mapped);
            mapped = null;
        }
        segment.wrap(0, 0);
        mappedBasePosition = -1;
        mappedExists = false;
    }
}
