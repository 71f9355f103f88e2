package dev.keel.wal;

import dev.keel.engine.spi.StepRecord;
import dev.keel.wal.sbe.GroupSizeEncodingEncoder;
import dev.keel.wal.sbe.MessageHeaderEncoder;
import dev.keel.wal.sbe.StepRecordEncoder;
import org.agrona.BufferUtil;
import org.agrona.concurrent.UnsafeBuffer;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;

/**
 * Encodes a {@link StepRecord} as one journal message with pre-allocated SBE codecs into a reusable buffer.
 * <p>
 * Journal record layout, schema id {@value StepRecordEncoder#SCHEMA_ID}, version
 * {@value StepRecordEncoder#SCHEMA_VERSION} ({@code journal-schema.xml}), little-endian. Each record is one
 * Aeron message (one or more frames with their 32-byte Aeron data headers, which are not shown here):
 * <pre>
 *   0                   1                   2                   3
 *   0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
 *  +-------------------------------+-------------------------------+
 *  |   SBE blockLength (40)        |   templateId (1)              |  message header
 *  +-------------------------------+-------------------------------+
 *  |   schemaId (701)              |   version (1)                 |
 *  +-------------------------------+-------------------------------+
 *  |                    checksum (uint32, CRC32C)                  |  root block
 *  +---------------------------------------------------------------+
 *  |                    reserved (zero)                            |
 *  +---------------------------------------------------------------+
 *  |                    step (int64)                               |
 *  |                                                               |
 *  +---------------------------------------------------------------+
 *  |                    transactionId (int64)                      |
 *  |                                                               |
 *  +---------------------------------------------------------------+
 *  |                    inputCount (int64)                         |
 *  |                                                               |
 *  +---------------------------------------------------------------+
 *  |                    inputHash (int64)                          |
 *  |                                                               |
 *  +-------------------------------+-------------------------------+
 *  |   endpoints blockLength (8)   |   endpoints numInGroup        |  group header (uint16, uint16)
 *  +-------------------------------+-------------------------------+
 *  |                    position (int64, -1 = data)                |  repeated numInGroup times,
 *  |                                                               |  in endpoint index order
 *  +---------------------------------------------------------------+
 *  |                    data length (uint32)                       |
 *  +---------------------------------------------------------------+
 *  |                    data (length bytes, only when position = -1)...
 *  |                    token length (uint32), token bytes            |  version 2 only: position token
 *  A record is written as version 1 (no token fields) when none of its endpoints has a token.
 *  +---------------------------------------------------------------+
 * </pre>
 * The checksum is the CRC32C of every byte of the message (header included) except the checksum field: the
 * Aeron frames of the archive carry no checksum, and recovery must tell a torn or garbled record from a
 * complete one. Readers accept versions up to their own and use the header's blockLength, so fields added
 * later with {@code sinceVersion} at the end of a block keep old journals readable.
 */
final class StepRecordProxy
{
    /** Offset of the checksum field from the start of the message. */
    static final int CHECKSUM_OFFSET = MessageHeaderEncoder.ENCODED_LENGTH + StepRecordEncoder.checksumEncodingOffset();

    /** Bytes of a record before its first endpoint entry. */
    static final int FIXED_LENGTH =
        MessageHeaderEncoder.ENCODED_LENGTH + StepRecordEncoder.BLOCK_LENGTH + GroupSizeEncodingEncoder.ENCODED_LENGTH;

    private static final UnsafeBuffer EMPTY = new UnsafeBuffer(new byte[0]);

    private final MessageHeaderEncoder headerEncoder = new MessageHeaderEncoder();
    private final StepRecordEncoder encoder = new StepRecordEncoder();
    private final RecordChecksum checksum = new RecordChecksum();
    private final ByteBuffer byteBuffer;
    private final UnsafeBuffer buffer;

    /**
     * @param maxRecordLength largest encoded record accepted; the buffer is allocated once at this size.
     */
    StepRecordProxy(final int maxRecordLength)
    {
        byteBuffer = BufferUtil.allocateDirectAligned(maxRecordLength, 64);
        buffer = new UnsafeBuffer(byteBuffer);
    }

    /** The buffer that {@link #encode(StepRecord)} fills from offset 0. */
    UnsafeBuffer buffer()
    {
        return buffer;
    }

    int capacity()
    {
        return buffer.capacity();
    }

    /**
     * Length the record will have once encoded, so that a too large record is refused before any byte is
     * written.
     */
    static long encodedLength(final StepRecord record)
    {
        long length = FIXED_LENGTH;
        final int endpointCount = record.endpointCount();
        for (int i = 0; i < endpointCount; i++)
        {
            length += StepRecordEncoder.EndpointsEncoder.sbeBlockLength() +
                StepRecordEncoder.EndpointsEncoder.dataHeaderLength();
            if (StepRecord.NO_POSITION == record.position(i))
            {
                length += record.dataLength(i);
            }
        }
        if (hasTokens(record))
        {
            for (int i = 0; i < endpointCount; i++)
            {
                length += StepRecordEncoder.EndpointsEncoder.tokenHeaderLength() + record.tokenLength(i);
            }
        }

        return length;
    }

    /** True if an endpoint of the record has a position token: the record is then written as version 2. */
    static boolean hasTokens(final StepRecord record)
    {
        for (int i = 0, count = record.endpointCount(); i < count; i++)
        {
            if (record.tokenLength(i) > 0)
            {
                return true;
            }
        }
        return false;
    }

    /**
     * Encodes the record at offset 0 of {@link #buffer()}; the caller has checked {@link #encodedLength(StepRecord)}
     * against {@link #capacity()} and the endpoint count against {@link #maxEndpoints()}.
     *
     * @return the encoded length.
     */
    int encode(final StepRecord record)
    {
        encoder.wrapAndApplyHeader(buffer, 0, headerEncoder)
            .checksum(0)
            .step(record.step())
            .transactionId(record.transactionId())
            .inputCount(record.inputCount())
            .inputHash(record.inputHash());
        final boolean tokens = hasTokens(record);
        if (!tokens)
        {
            // no endpoint uses tokens: the version 1 layout, byte for byte
            headerEncoder.version(1);
        }
        // the reserved bytes after the checksum are not written by the encoder: zero them so the CRC is stable
        buffer.putInt(CHECKSUM_OFFSET + Integer.BYTES, 0, ByteOrder.LITTLE_ENDIAN);

        final int endpointCount = record.endpointCount();
        final StepRecordEncoder.EndpointsEncoder endpoints = encoder.endpointsCount(endpointCount);
        for (int i = 0; i < endpointCount; i++)
        {
            final long position = record.position(i);
            endpoints.next().position(position);
            if (StepRecord.NO_POSITION == position)
            {
                endpoints.putData(record.data(i), 0, record.dataLength(i));
            }
            else
            {
                endpoints.putData(EMPTY, 0, 0);
            }
            if (tokens)
            {
                endpoints.putToken(record.token(i), 0, record.tokenLength(i));
            }
        }

        final int length = MessageHeaderEncoder.ENCODED_LENGTH + encoder.encodedLength();
        encoder.checksum(checksum.compute(byteBuffer, 0, length, CHECKSUM_OFFSET));

        return length;
    }

    static int maxEndpoints()
    {
        return StepRecordEncoder.EndpointsEncoder.countMaxValue();
    }
}
