package dev.keel.wal;

import dev.keel.engine.spi.StepRecord;
import dev.keel.wal.sbe.GroupSizeEncodingDecoder;
import dev.keel.wal.sbe.MessageHeaderDecoder;
import dev.keel.wal.sbe.StepRecordDecoder;
import org.agrona.DirectBuffer;
import org.agrona.ExpandableDirectByteBuffer;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;

/**
 * Verifies and decodes journal messages (layout: {@link StepRecordProxy}) into a reused {@link StepRecord}.
 * <p>
 * {@link #verify(DirectBuffer, int, int)} checks the header, the checksum and that the group and its data fit
 * exactly in the message, without trusting a single length field of a possibly garbled record; only a verified
 * message is decoded. The message is first copied into an owned direct buffer because the checksum needs a
 * {@link ByteBuffer} view and the source may be an Aeron term buffer that must not be touched.
 */
final class StepRecordAdapter
{
    static final int OK = 0;
    static final int TOO_SHORT = 1;
    static final int BAD_HEADER = 2;
    static final int NEWER_VERSION = 3;
    static final int BAD_CHECKSUM = 4;
    static final int BAD_LAYOUT = 5;

    private static final int ENDPOINT_DATA_HEADER_LENGTH = StepRecordDecoder.EndpointsDecoder.dataHeaderLength();
    private static final int ENDPOINT_TOKEN_HEADER_LENGTH = StepRecordDecoder.EndpointsDecoder.tokenHeaderLength();

    private final MessageHeaderDecoder headerDecoder = new MessageHeaderDecoder();
    private final StepRecordDecoder decoder = new StepRecordDecoder();
    private final RecordChecksum checksum = new RecordChecksum();
    private final ExpandableDirectByteBuffer scratch = new ExpandableDirectByteBuffer(4096);
    private int verifiedLength = -1;

    /**
     * Copies the message and verifies it; on {@link #OK} it can be decoded with {@link #decode(StepRecord)}.
     *
     * @return {@link #OK} or the first problem found.
     */
    int verify(final DirectBuffer src, final int offset, final int length)
    {
        verifiedLength = -1;
        if (length < StepRecordProxy.FIXED_LENGTH)
        {
            return TOO_SHORT;
        }

        scratch.checkLimit(length);
        scratch.putBytes(0, src, offset, length);

        headerDecoder.wrap(scratch, 0);
        if (headerDecoder.schemaId() != StepRecordDecoder.SCHEMA_ID ||
            headerDecoder.templateId() != StepRecordDecoder.TEMPLATE_ID ||
            headerDecoder.blockLength() < StepRecordDecoder.BLOCK_LENGTH)
        {
            return BAD_HEADER;
        }

        if (headerDecoder.version() > StepRecordDecoder.SCHEMA_VERSION)
        {
            return NEWER_VERSION;
        }

        final long stored = scratch.getInt(StepRecordProxy.CHECKSUM_OFFSET, ByteOrder.LITTLE_ENDIAN) & 0xFFFF_FFFFL;
        final ByteBuffer byteBuffer = scratch.byteBuffer();
        if (stored != checksum.compute(byteBuffer, 0, length, StepRecordProxy.CHECKSUM_OFFSET))
        {
            return BAD_CHECKSUM;
        }

        // A matching CRC makes a garbled layout very unlikely, but the lengths are still checked so that a
        // record can never make the decoder read outside the message.
        final int groupOffset = MessageHeaderDecoder.ENCODED_LENGTH + headerDecoder.blockLength();
        if (groupOffset + GroupSizeEncodingDecoder.ENCODED_LENGTH > length)
        {
            return BAD_LAYOUT;
        }

        final int entryBlockLength = scratch.getShort(groupOffset, ByteOrder.LITTLE_ENDIAN) & 0xFFFF;
        final int count = scratch.getShort(groupOffset + 2, ByteOrder.LITTLE_ENDIAN) & 0xFFFF;
        if (entryBlockLength < StepRecordDecoder.EndpointsDecoder.sbeBlockLength())
        {
            return BAD_LAYOUT;
        }

        long limit = groupOffset + GroupSizeEncodingDecoder.ENCODED_LENGTH;
        for (int i = 0; i < count; i++)
        {
            limit += entryBlockLength;
            if (limit + ENDPOINT_DATA_HEADER_LENGTH > length)
            {
                return BAD_LAYOUT;
            }

            limit += ENDPOINT_DATA_HEADER_LENGTH + (scratch.getInt((int)limit, ByteOrder.LITTLE_ENDIAN) & 0xFFFF_FFFFL);
            if (limit > length)
            {
                return BAD_LAYOUT;
            }
            if (headerDecoder.version() >= 2)
            {
                if (limit + ENDPOINT_TOKEN_HEADER_LENGTH > length)
                {
                    return BAD_LAYOUT;
                }
                limit += ENDPOINT_TOKEN_HEADER_LENGTH +
                    (scratch.getInt((int)limit, ByteOrder.LITTLE_ENDIAN) & 0xFFFF_FFFFL);
                if (limit > length)
                {
                    return BAD_LAYOUT;
                }
            }
        }

        if (limit != length)
        {
            return BAD_LAYOUT;
        }

        verifiedLength = length;
        return OK;
    }

    /**
     * Appends the encoded bytes of the message last accepted by {@link #verify(DirectBuffer, int, int)} to
     * {@code out} (journal export; not a hot path).
     */
    void writeVerifiedTo(final java.io.DataOutputStream out) throws java.io.IOException
    {
        if (verifiedLength < 0)
        {
            throw new IllegalStateException("no verified record to copy");
        }
        final byte[] bytes = new byte[verifiedLength];
        scratch.getBytes(0, bytes);
        out.writeInt(verifiedLength);
        out.write(bytes);
    }

    /** Decodes the message last accepted by {@link #verify(DirectBuffer, int, int)} into {@code record}. */
    StepRecord decode(final StepRecord record)
    {
        if (verifiedLength < 0)
        {
            throw new IllegalStateException("no verified record to decode");
        }

        decoder.wrapAndApplyHeader(scratch, 0, headerDecoder);
        final StepRecordDecoder.EndpointsDecoder endpoints = decoder.endpoints();
        final int count = endpoints.count();
        record.reset(decoder.step(), decoder.transactionId(), count)
            .inputCount(decoder.inputCount())
            .inputHash(decoder.inputHash());

        for (int i = 0; i < count; i++)
        {
            endpoints.next();
            final long position = endpoints.position();
            final int dataLength = endpoints.dataLength();
            if (StepRecord.NO_POSITION == position)
            {
                endpoints.getData(record.dataForWrite(i, dataLength), 0, dataLength);
            }
            else
            {
                record.position(i, position);
                endpoints.skipData();
            }
            final int tokenLength = endpoints.tokenLength();
            if (tokenLength > 0)
            {
                endpoints.getToken(record.tokenForWrite(i), 0, tokenLength);
                record.tokenLength(i, tokenLength);
            }
            else
            {
                endpoints.skipToken();
            }
        }

        verifiedLength = -1;
        return record;
    }

    static String describe(final int status)
    {
        switch (status)
        {
            case OK: return "ok";
            case TOO_SHORT: return "shorter than a record header";
            case BAD_HEADER: return "not a Keel journal step record (schema id, template id or block length)";
            case NEWER_VERSION: return "written by a newer Keel (schema version above " +
                StepRecordDecoder.SCHEMA_VERSION + ")";
            case BAD_CHECKSUM: return "checksum mismatch";
            case BAD_LAYOUT: return "endpoint entries do not fit the record length";
            default: return "unknown status " + status;
        }
    }
}
