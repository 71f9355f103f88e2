package dev.keel.checkpoint;

import dev.keel.checkpoint.sbe.GroupSizeEncodingEncoder;
import dev.keel.checkpoint.sbe.MessageHeaderDecoder;
import dev.keel.checkpoint.sbe.MessageHeaderEncoder;
import dev.keel.checkpoint.sbe.PageFileHeaderDecoder;
import dev.keel.checkpoint.sbe.PageFileHeaderEncoder;
import org.agrona.MutableDirectBuffer;
import org.agrona.concurrent.UnsafeBuffer;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.util.UUID;
import java.util.zip.CRC32C;

/**
 * Encoding and reading of a page file's header region (layout in {@link CheckpointFormat}).
 */
final class PageFiles
{
    /** A decoded header region. */
    record Header(UUID checkpointId, int fileIndex, int pageSize, int headerLength, int[] pageIds, long[] offsets,
        int[] crcs, int checksum)
    {
    }

    private PageFiles()
    {
    }

    /** Length of the header region for {@code pageCount} pages: a multiple of {@link CheckpointFormat#ALIGNMENT}. */
    static int headerLength(final int pageCount)
    {
        final long length = CheckpointFormat.ENVELOPE_HEADER_LENGTH + MessageHeaderEncoder.ENCODED_LENGTH +
            PageFileHeaderEncoder.BLOCK_LENGTH + GroupSizeEncodingEncoder.ENCODED_LENGTH +
            (long)pageCount * PageFileHeaderEncoder.PagesEncoder.sbeBlockLength();
        return (int)CheckpointFormat.alignUp(length);
    }

    /**
     * Encodes the header region into {@code buffer[0, headerLength)} (the rest must be zero) and returns its
     * checksum: CRC32C of the whole region.
     */
    static int encodeHeader(final MutableDirectBuffer buffer, final ByteBuffer region, final UUID checkpointId,
        final int fileIndex, final int pageSize, final int headerLength, final int[] pageIds, final long[] offsets,
        final int[] crcs, final int count)
    {
        final PageFileHeaderEncoder encoder = new PageFileHeaderEncoder().wrapAndApplyHeader(
            buffer, CheckpointFormat.ENVELOPE_HEADER_LENGTH, new MessageHeaderEncoder())
            .checkpointIdMsb(checkpointId.getMostSignificantBits())
            .checkpointIdLsb(checkpointId.getLeastSignificantBits())
            .fileIndex(fileIndex)
            .pageSize(pageSize)
            .headerLength(headerLength);
        final PageFileHeaderEncoder.PagesEncoder pages = encoder.pagesCount(count);
        for (int i = 0; i < count; i++)
        {
            pages.next().pageId(pageIds[i]).offset(offsets[i]).crc32c(Integer.toUnsignedLong(crcs[i]));
        }
        CheckpointFormat.sealEnvelope(buffer, MessageHeaderEncoder.ENCODED_LENGTH + encoder.encodedLength());
        final CRC32C crc = new CRC32C();
        crc.update(region.duplicate().clear().limit(headerLength));
        return (int)crc.getValue();
    }

    /**
     * Reads and checks the header region of an open page file. {@code what} names the file in errors.
     */
    static Header readHeader(final FileChannel channel, final String what) throws IOException
    {
        final long size = channel.size();
        if (size < CheckpointFormat.ALIGNMENT)
        {
            throw CheckpointFormat.corrupt(what + ": " + size + " bytes, shorter than one header block (" +
                CheckpointFormat.ALIGNMENT + ")");
        }
        final ByteBuffer first = ByteBuffer.allocate(CheckpointFormat.ALIGNMENT);
        readFully(channel, first, 0, what);
        final int envelopeLength = first.order(ByteOrder.LITTLE_ENDIAN).getInt(0);
        final long needed = CheckpointFormat.alignUp(CheckpointFormat.ENVELOPE_HEADER_LENGTH + (long)envelopeLength);
        if (envelopeLength < 0 || needed > size)
        {
            throw CheckpointFormat.corrupt(what + ": header envelope length " + envelopeLength +
                " at offset 0 exceeds the file size " + size + " (torn or truncated)");
        }
        final ByteBuffer region = ByteBuffer.allocate((int)needed);
        readFully(channel, region, 0, what);
        final UnsafeBuffer buffer = new UnsafeBuffer(region.array());
        CheckpointFormat.openEnvelope(buffer, region.capacity(), PageFileHeaderDecoder.TEMPLATE_ID, what);
        final PageFileHeaderDecoder decoder = new PageFileHeaderDecoder().wrapAndApplyHeader(
            buffer, CheckpointFormat.ENVELOPE_HEADER_LENGTH, new MessageHeaderDecoder());
        final UUID id = new UUID(decoder.checkpointIdMsb(), decoder.checkpointIdLsb());
        final int fileIndex = decoder.fileIndex();
        final int pageSize = decoder.pageSize();
        final int headerLength = decoder.headerLength();
        if (headerLength != needed)
        {
            throw CheckpointFormat.corrupt(what + ": header length field " + headerLength + " does not match the " +
                "header region of " + needed + " bytes");
        }
        final PageFileHeaderDecoder.PagesDecoder pages = decoder.pages();
        final int count = pages.count();
        final int[] pageIds = new int[count];
        final long[] offsets = new long[count];
        final int[] crcs = new int[count];
        for (int i = 0; i < count; i++)
        {
            pages.next();
            pageIds[i] = pages.pageId();
            offsets[i] = pages.offset();
            crcs[i] = (int)pages.crc32c();
        }
        final CRC32C crc = new CRC32C();
        crc.update(region.array(), 0, headerLength);
        return new Header(id, fileIndex, pageSize, headerLength, pageIds, offsets, crcs, (int)crc.getValue());
    }

    /** Reads until {@code dst} is full; a short file is a corrupt (truncated) one. */
    static void readFully(final FileChannel channel, final ByteBuffer dst, final long offset, final String what)
        throws IOException
    {
        long position = offset;
        while (dst.hasRemaining())
        {
            final int read = channel.read(dst, position);
            if (read < 0)
            {
                throw CheckpointFormat.corrupt(what + ": truncated at offset " + position + ", needed " +
                    dst.remaining() + " more bytes from offset " + offset);
            }
            position += read;
        }
    }

    static int crc32c(final ByteBuffer page)
    {
        final CRC32C crc = new CRC32C();
        crc.update(page.duplicate());
        return (int)crc.getValue();
    }
}
