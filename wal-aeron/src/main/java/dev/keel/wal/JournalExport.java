package dev.keel.wal;

import dev.keel.engine.KeelException;
import dev.keel.engine.spi.Journal;
import dev.keel.engine.spi.StepRecord;
import org.agrona.concurrent.UnsafeBuffer;

import java.io.ByteArrayOutputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.zip.CRC32;

import static dev.keel.engine.KeelException.Category.STORAGE;

/**
 * Export and import of the journal's step records as self-contained chunks, for shipping the journal off the
 * machine (disaster recovery) and feeding it to a fresh journal elsewhere.
 * <p>
 * A chunk holds the records of one position range {@code [startPosition, endPosition)} of the exporting journal in
 * the journal's own SBE encoding (each record still carries its CRC), framed as:
 * <pre>
 * int magic "KJC1" | int version 1 | long startPosition | long endPosition | int recordCount
 * recordCount x (int length | length bytes: one encoded step record)
 * long CRC32 of everything before it
 * </pre>
 * (big-endian framing). {@link #read(Path, long, long)} reads the records straight from the recording's segment
 * files, read-only (as {@link JournalDump} does), so it may run on any thread while the node appends: it stops at
 * {@code limitPosition} (pass the journal's durable position) or at the first record the recorder has not finished
 * writing. {@link #importChunk(byte[], Journal, long)} decodes a chunk and appends its records to a journal, which
 * gives them positions of its own: the importer rebases the checkpoint they follow onto the position the journal
 * had before the import.
 * <p>
 * Nothing here knows where chunks are stored.
 */
public final class JournalExport
{
    /** "KJC1". */
    public static final int MAGIC = 0x4B4A4331;
    /** Chunk format version. */
    public static final int VERSION = 1;
    private static final int HEADER_LENGTH = 4 + 4 + 8 + 8 + 4;

    /**
     * One exported range of the journal.
     *
     * @param startPosition position of the first record in the exporting journal.
     * @param endPosition   position after the last record (and any padding after it) in the exporting journal.
     * @param recordCount   number of step records.
     * @param bytes         the encoded chunk.
     */
    public record Chunk(long startPosition, long endPosition, int recordCount, byte[] bytes)
    {
    }

    private JournalExport()
    {
    }

    /**
     * Reads the records of the journal under {@code journalDir} that start at or after {@code fromPosition} and end
     * at or before {@code limitPosition}.
     *
     * @param journalDir    the journal directory ({@code <storage>/journal}).
     * @param fromPosition  a record start: a checkpoint's journal position or a previous chunk's end.
     * @param limitPosition highest position to read to, e.g. the journal's durable position.
     * @return the chunk, or null when no record lies in the range yet.
     * @throws KeelException {@code JOURNAL_EXPORT_FAILED} when there is no journal or the position was released.
     */
    public static Chunk read(final Path journalDir, final long fromPosition, final long limitPosition)
    {
        final Path archiveDir = JournalLayout.archiveDir(journalDir);
        final ArchiveCatalog.Recording recording = Files.isDirectory(archiveDir) ?
            ArchiveCatalog.findJournalRecording(archiveDir, JournalLayout.STREAM_ID) : null;
        if (null == recording)
        {
            throw new KeelException(STORAGE, "JOURNAL_EXPORT_FAILED", "no journal in " + journalDir);
        }
        if (fromPosition < recording.startPosition)
        {
            throw new KeelException(STORAGE, "JOURNAL_EXPORT_FAILED", "cannot export the journal in " + journalDir +
                " from position " + fromPosition + ": released, it now starts at " + recording.startPosition);
        }
        final long limit = recording.hasStopPosition() ? Math.min(limitPosition, recording.stopPosition) :
            limitPosition;
        if (limit <= fromPosition)
        {
            return null;
        }
        final ByteArrayOutputStream bytes = new ByteArrayOutputStream(4096);
        final DataOutputStream out = new DataOutputStream(bytes);
        final long[] lastEnd = {fromPosition};
        final int[] count = {0};
        try (RecordingScanner scanner = new RecordingScanner(archiveDir, recording))
        {
            out.writeInt(MAGIC);
            out.writeInt(VERSION);
            out.writeLong(0);
            out.writeLong(0);
            out.writeInt(0);
            // a problem at the tail is a record the recorder is still writing: the next export takes it
            scanner.walk(fromPosition, limit, (position, endPosition, adapter) ->
            {
                try
                {
                    adapter.writeVerifiedTo(out);
                }
                catch (final IOException ex)
                {
                    throw new UncheckedIOException(ex);
                }
                lastEnd[0] = endPosition;
                count[0]++;
            });
            out.flush();
        }
        catch (final IOException ex)
        {
            throw new UncheckedIOException(ex);
        }
        if (0 == count[0])
        {
            return null;
        }
        final byte[] chunk = bytes.toByteArray();
        final ByteBuffer header = ByteBuffer.wrap(chunk);
        header.putLong(8, fromPosition).putLong(16, lastEnd[0]).putInt(24, count[0]);
        final CRC32 crc = new CRC32();
        crc.update(chunk, 0, chunk.length);
        final byte[] sealed = new byte[chunk.length + 8];
        System.arraycopy(chunk, 0, sealed, 0, chunk.length);
        ByteBuffer.wrap(sealed).putLong(chunk.length, crc.getValue());
        return new Chunk(fromPosition, lastEnd[0], count[0], sealed);
    }

    /**
     * As {@link #read(Path, long, long)}, but a chunk covers at most about {@code maxBytes} of the journal: the
     * records that end within {@code fromPosition + maxBytes}, so that a long backlog is shipped as a series of
     * bounded chunks (read the next from the previous one's end) rather than one giant object. A single record
     * longer than {@code maxBytes} still forms a chunk of its own: the bound is doubled until it fits.
     *
     * @param journalDir    the journal directory ({@code <storage>/journal}).
     * @param fromPosition  a record start.
     * @param limitPosition highest position to read to, e.g. the journal's durable position.
     * @param maxBytes      the cap on the journal range a chunk covers, at least 1; a chunk's encoding is no
     *                      larger than that range plus its 36-byte framing.
     * @return the chunk, or null when no record lies in the range yet.
     * @throws KeelException {@code JOURNAL_EXPORT_FAILED} when there is no journal or the position was released.
     */
    public static Chunk read(final Path journalDir, final long fromPosition, final long limitPosition,
        final long maxBytes)
    {
        if (maxBytes < 1)
        {
            throw new IllegalArgumentException("maxBytes " + maxBytes + " is not positive");
        }
        long cap = maxBytes;
        while (true)
        {
            final long capped = limitPosition - fromPosition <= cap ? limitPosition : fromPosition + cap;
            final Chunk chunk = read(journalDir, fromPosition, capped);
            if (null != chunk || capped >= limitPosition)
            {
                return chunk;
            }
            cap = cap > Long.MAX_VALUE / 2 ? Long.MAX_VALUE : cap * 2;
        }
    }

    /**
     * Verifies a chunk and reports its header.
     *
     * @param bytes the chunk.
     * @param where what it is, for messages (e.g. its object key).
     * @return the chunk with its header fields.
     * @throws KeelException {@code JOURNAL_CHUNK_CORRUPT} naming {@code where} and the problem.
     */
    public static Chunk parse(final byte[] bytes, final String where)
    {
        if (bytes.length < HEADER_LENGTH + 8)
        {
            throw corrupt(where, "only " + bytes.length + " bytes, shorter than a chunk header");
        }
        final ByteBuffer buffer = ByteBuffer.wrap(bytes);
        if (MAGIC != buffer.getInt(0))
        {
            throw corrupt(where, "not a Keel journal chunk (magic " + Integer.toHexString(buffer.getInt(0)) + ")");
        }
        if (VERSION != buffer.getInt(4))
        {
            throw corrupt(where, "chunk version " + buffer.getInt(4) + ", this Keel reads version " + VERSION);
        }
        final CRC32 crc = new CRC32();
        crc.update(bytes, 0, bytes.length - 8);
        if (crc.getValue() != buffer.getLong(bytes.length - 8))
        {
            throw corrupt(where, "checksum mismatch");
        }
        return new Chunk(buffer.getLong(8), buffer.getLong(16), buffer.getInt(24), bytes);
    }

    /**
     * Appends the records of a chunk to {@code journal} and waits until they are durable. Call it before the
     * circuit runs (the journal is then the caller's alone).
     *
     * @param bytes     the chunk.
     * @param journal   the journal to append to.
     * @param timeoutNs how long to wait for durability.
     * @return the number of records appended.
     * @throws KeelException {@code JOURNAL_CHUNK_CORRUPT} for a damaged chunk or record.
     */
    public static int importChunk(final byte[] bytes, final Journal journal, final long timeoutNs)
    {
        return importChunk(bytes, journal, timeoutNs, 0);
    }

    /**
     * As {@link #importChunk(byte[], Journal, long)}, but the first {@code skipRecords} records are verified and
     * not appended: an import interrupted by a crash resumes where the local journal ends.
     *
     * @param bytes       the chunk.
     * @param journal     the journal to append to.
     * @param timeoutNs   how long to wait for durability.
     * @param skipRecords records at the chunk's start that the journal holds already, 0 or more.
     * @return the number of records appended.
     * @throws KeelException {@code JOURNAL_CHUNK_CORRUPT} for a damaged chunk or record.
     */
    public static int importChunk(final byte[] bytes, final Journal journal, final long timeoutNs,
        final int skipRecords)
    {
        if (skipRecords < 0)
        {
            throw new IllegalArgumentException("skipRecords " + skipRecords + " is negative");
        }
        final Chunk chunk = parse(bytes, "journal chunk");
        final UnsafeBuffer buffer = new UnsafeBuffer(bytes);
        final StepRecordAdapter adapter = new StepRecordAdapter();
        final StepRecord record = new StepRecord();
        int offset = HEADER_LENGTH;
        final int end = bytes.length - 8;
        long appended = journal.position();
        for (int i = 0; i < chunk.recordCount(); i++)
        {
            if (offset + 4 > end)
            {
                throw corrupt("journal chunk [" + chunk.startPosition() + ", " + chunk.endPosition() + ")",
                    "record " + i + " of " + chunk.recordCount() + " is missing");
            }
            final int length = ByteBuffer.wrap(bytes).getInt(offset);
            offset += 4;
            if (length < 0 || offset + length > end)
            {
                throw corrupt("journal chunk [" + chunk.startPosition() + ", " + chunk.endPosition() + ")",
                    "record " + i + " has length " + length + " past the chunk's end");
            }
            final int status = adapter.verify(buffer, offset, length);
            if (StepRecordAdapter.OK != status)
            {
                throw corrupt("journal chunk [" + chunk.startPosition() + ", " + chunk.endPosition() + ")",
                    "record " + i + ": " + StepRecordAdapter.describe(status));
            }
            if (i >= skipRecords)
            {
                appended = journal.append(adapter.decode(record));
            }
            offset += length;
        }
        final long deadline = System.nanoTime() + timeoutNs;
        while (journal.durablePosition() < appended)
        {
            if (System.nanoTime() - deadline > 0)
            {
                throw new KeelException(STORAGE, "JOURNAL_IMPORT_TIMEOUT", "imported journal records up to " +
                    "position " + appended + " did not become durable within " + timeoutNs / 1_000_000 + " ms");
            }
            Thread.onSpinWait();
            Thread.yield();
        }
        return Math.max(0, chunk.recordCount() - skipRecords);
    }

    private static KeelException corrupt(final String where, final String problem)
    {
        return new KeelException(STORAGE, "JOURNAL_CHUNK_CORRUPT", where + " is damaged: " + problem);
    }
}
