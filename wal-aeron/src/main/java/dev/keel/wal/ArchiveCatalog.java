package dev.keel.wal;

import dev.keel.engine.KeelException;
import io.aeron.archive.ArchiveMarkFile;
import io.aeron.archive.codecs.CatalogHeaderDecoder;
import io.aeron.archive.codecs.RecordingDescriptorDecoder;
import io.aeron.archive.codecs.RecordingDescriptorHeaderDecoder;
import io.aeron.archive.codecs.RecordingState;
import org.agrona.BitUtil;
import org.agrona.IoUtil;
import org.agrona.SemanticVersion;
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
 * Reads the Aeron Archive catalog file without an archive running, with Aeron's public catalog codecs.
 * <p>
 * Opening the catalog through the archive would create the archive mark file, which the read-only tools and the
 * tail check before launch must not do. The layout followed is the one documented on Aeron's
 * {@code io.aeron.archive.Catalog}: a {@link CatalogHeaderDecoder} block, then descriptors each made of a
 * {@link RecordingDescriptorHeaderDecoder} and a {@link RecordingDescriptorDecoder}, aligned to the header's
 * alignment. {@link #writeStopPosition(Path, long, long)} is the one write, used only to cut a torn tail
 * while no archive runs.
 */
final class ArchiveCatalog
{
    /** Used by Aeron when the catalog header predates the alignment field. */
    private static final int LEGACY_ALIGNMENT = 1024;
    private static final long NULL_POSITION = -1;

    private ArchiveCatalog()
    {
    }

    /** What the journal needs to know about its recording. */
    static final class Recording
    {
        final long recordingId;
        final long startPosition;
        final long stopPosition;
        final int initialTermId;
        final int segmentFileLength;
        final int termBufferLength;
        final int streamId;
        final int descriptorOffset;

        Recording(
            final long recordingId,
            final long startPosition,
            final long stopPosition,
            final int initialTermId,
            final int segmentFileLength,
            final int termBufferLength,
            final int streamId,
            final int descriptorOffset)
        {
            this.recordingId = recordingId;
            this.startPosition = startPosition;
            this.stopPosition = stopPosition;
            this.initialTermId = initialTermId;
            this.segmentFileLength = segmentFileLength;
            this.termBufferLength = termBufferLength;
            this.streamId = streamId;
            this.descriptorOffset = descriptorOffset;
        }

        boolean hasStopPosition()
        {
            return NULL_POSITION != stopPosition;
        }

        public String toString()
        {
            return "recordingId=" + recordingId + " startPosition=" + startPosition + " stopPosition=" + stopPosition +
                " termBufferLength=" + termBufferLength + " segmentFileLength=" + segmentFileLength;
        }
    }

    /**
     * Finds the journal's recording.
     *
     * @return the recording, or null when the catalog does not exist or holds no valid recording of the stream.
     * @throws KeelException if the catalog is unreadable or holds more than one journal recording.
     */
    static Recording findJournalRecording(final Path archiveDir, final int streamId)
    {
        final Path catalogFile = archiveDir.resolve(JournalLayout.CATALOG_FILE_NAME);
        if (!Files.exists(catalogFile))
        {
            return null;
        }

        MappedByteBuffer mapped = null;
        try (FileChannel channel = FileChannel.open(catalogFile, StandardOpenOption.READ))
        {
            final long size = channel.size();
            if (size < CatalogHeaderDecoder.BLOCK_LENGTH || size > Integer.MAX_VALUE)
            {
                throw new KeelException(STORAGE, "JOURNAL_CATALOG_INVALID",
                    "archive catalog " + catalogFile + " has an invalid length " + size);
            }

            mapped = channel.map(FileChannel.MapMode.READ_ONLY, 0, size);
            return scan(catalogFile, new UnsafeBuffer(mapped), streamId);
        }
        catch (final IOException ex)
        {
            throw new KeelException(STORAGE, "JOURNAL_IO", "cannot read archive catalog " + catalogFile, ex);
        }
        finally
        {
            if (null != mapped)
            {
                IoUtil.unmap(mapped);
            }
        }
    }

    /**
     * Sets the stop position of a recording in the catalog and forces it to disk. Only while no archive runs on
     * the directory: the archive keeps the catalog mapped and would not see the change otherwise.
     */
    static void writeStopPosition(final Path archiveDir, final Recording recording, final long stopPosition)
    {
        final Path catalogFile = archiveDir.resolve(JournalLayout.CATALOG_FILE_NAME);
        MappedByteBuffer mapped = null;
        try (FileChannel channel = FileChannel.open(catalogFile, StandardOpenOption.READ, StandardOpenOption.WRITE))
        {
            mapped = channel.map(FileChannel.MapMode.READ_WRITE, 0, channel.size());
            final UnsafeBuffer buffer = new UnsafeBuffer(mapped);
            final int offset = recording.descriptorOffset + RecordingDescriptorHeaderDecoder.BLOCK_LENGTH;
            buffer.putLong(
                offset + RecordingDescriptorDecoder.stopPositionEncodingOffset(), stopPosition, ByteOrder.LITTLE_ENDIAN);
            mapped.force();
        }
        catch (final IOException ex)
        {
            throw new KeelException(STORAGE, "JOURNAL_IO",
                "cannot write stop position " + stopPosition + " to archive catalog " + catalogFile, ex);
        }
        finally
        {
            if (null != mapped)
            {
                IoUtil.unmap(mapped);
            }
        }
    }

    private static Recording scan(final Path catalogFile, final UnsafeBuffer buffer, final int streamId)
    {
        final CatalogHeaderDecoder catalogHeader = new CatalogHeaderDecoder()
            .wrap(buffer, 0, CatalogHeaderDecoder.BLOCK_LENGTH, CatalogHeaderDecoder.SCHEMA_VERSION);
        final int version = catalogHeader.version();
        if (SemanticVersion.major(version) != ArchiveMarkFile.MAJOR_VERSION)
        {
            throw new KeelException(STORAGE, "JOURNAL_CATALOG_VERSION",
                "archive catalog " + catalogFile + " has version " + SemanticVersion.toString(version) +
                ", this Keel reads major version " + ArchiveMarkFile.MAJOR_VERSION);
        }

        final int alignment = catalogHeader.alignment();
        final int entryAlignment = 0 != alignment ? alignment : LEGACY_ALIGNMENT;
        int offset = 0 != alignment ? CatalogHeaderDecoder.BLOCK_LENGTH : LEGACY_ALIGNMENT;

        final RecordingDescriptorHeaderDecoder header = new RecordingDescriptorHeaderDecoder();
        final RecordingDescriptorDecoder descriptor = new RecordingDescriptorDecoder();
        Recording found = null;
        final int capacity = buffer.capacity();
        while (offset + RecordingDescriptorHeaderDecoder.BLOCK_LENGTH <= capacity)
        {
            header.wrap(buffer, offset, RecordingDescriptorHeaderDecoder.BLOCK_LENGTH,
                RecordingDescriptorHeaderDecoder.SCHEMA_VERSION);
            final int length = header.length();
            if (length <= 0)
            {
                break;
            }

            final int frameLength = BitUtil.align(RecordingDescriptorHeaderDecoder.BLOCK_LENGTH + length, entryAlignment);
            if (offset + frameLength > capacity)
            {
                throw new KeelException(STORAGE, "JOURNAL_CATALOG_INVALID",
                    "archive catalog " + catalogFile + " has a descriptor at offset " + offset +
                    " running past the end of the file (" + capacity + " bytes)");
            }

            if (RecordingState.VALID == header.state())
            {
                descriptor.wrap(buffer, offset + RecordingDescriptorHeaderDecoder.BLOCK_LENGTH,
                    RecordingDescriptorDecoder.BLOCK_LENGTH, RecordingDescriptorDecoder.SCHEMA_VERSION);
                if (descriptor.streamId() == streamId)
                {
                    if (null != found)
                    {
                        throw new KeelException(STORAGE, "JOURNAL_MULTIPLE_RECORDINGS",
                            "archive catalog " + catalogFile + " holds two journal recordings on stream " + streamId +
                            ": " + found.recordingId + " and " + descriptor.recordingId());
                    }

                    found = new Recording(
                        descriptor.recordingId(),
                        descriptor.startPosition(),
                        descriptor.stopPosition(),
                        descriptor.initialTermId(),
                        descriptor.segmentFileLength(),
                        descriptor.termBufferLength(),
                        descriptor.streamId(),
                        offset);
                }
            }

            offset += frameLength;
        }

        return found;
    }
}
