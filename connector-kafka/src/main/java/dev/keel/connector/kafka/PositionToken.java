package dev.keel.connector.kafka;

import dev.keel.engine.KeelException;
import org.agrona.DirectBuffer;
import org.agrona.MutableDirectBuffer;
import org.apache.kafka.common.TopicPartition;

import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The position token of a {@code kafka_input} endpoint: for every partition it reads, the offset it started
 * the partition at and the offset after the last record the circuit took. Little endian:
 * <pre>
 *   int32 version (1) | int32 count | count x ( int32 partition | int64 firstOffset | int64 nextOffset |
 *                                               int16 topic length | topic bytes (UTF-8) )
 * </pre>
 * A step's token is the bound of that step on replay: its records are, per partition, the offsets from the
 * previous step's {@code nextOffset} (or {@code firstOffset}) up to this one's.
 */
final class PositionToken
{
    static final int VERSION = 1;
    static final int HEADER_LENGTH = 8;
    static final int ENTRY_FIXED_LENGTH = 4 + 8 + 8 + 2;

    private PositionToken()
    {
    }

    /** Writes the header; entries follow with {@link #putEntry}. */
    static int putHeader(final MutableDirectBuffer dst, final int count)
    {
        dst.putInt(0, VERSION, ByteOrder.LITTLE_ENDIAN);
        dst.putInt(4, count, ByteOrder.LITTLE_ENDIAN);
        return HEADER_LENGTH;
    }

    /** @return the offset after the entry. */
    static int putEntry(
        final MutableDirectBuffer dst,
        final int offset,
        final byte[] topic,
        final int partition,
        final long firstOffset,
        final long nextOffset)
    {
        dst.putInt(offset, partition, ByteOrder.LITTLE_ENDIAN);
        dst.putLong(offset + 4, firstOffset, ByteOrder.LITTLE_ENDIAN);
        dst.putLong(offset + 12, nextOffset, ByteOrder.LITTLE_ENDIAN);
        dst.putShort(offset + 20, (short)topic.length, ByteOrder.LITTLE_ENDIAN);
        dst.putBytes(offset + ENTRY_FIXED_LENGTH, topic);
        return offset + ENTRY_FIXED_LENGTH + topic.length;
    }

    /**
     * Decodes a token (allocates: recovery only).
     *
     * @return per partition {firstOffset, nextOffset}, in token order; empty for an empty token.
     * @throws KeelException (CONNECTOR_BAD_POSITION) naming the endpoint if the token is malformed.
     */
    static Map<TopicPartition, long[]> decode(
        final String endpoint, final DirectBuffer src, final int offset, final int length)
    {
        final Map<TopicPartition, long[]> offsets = new LinkedHashMap<>();
        if (0 == length)
        {
            return offsets;
        }
        if (length < HEADER_LENGTH || src.getInt(offset, ByteOrder.LITTLE_ENDIAN) != VERSION)
        {
            throw bad(endpoint, "unknown token layout (" + length + " bytes)");
        }
        final int count = src.getInt(offset + 4, ByteOrder.LITTLE_ENDIAN);
        int at = offset + HEADER_LENGTH;
        final int end = offset + length;
        for (int i = 0; i < count; i++)
        {
            if (at + ENTRY_FIXED_LENGTH > end)
            {
                throw bad(endpoint, "entry " + i + " of " + count + " is cut short");
            }
            final int partition = src.getInt(at, ByteOrder.LITTLE_ENDIAN);
            final long first = src.getLong(at + 4, ByteOrder.LITTLE_ENDIAN);
            final long next = src.getLong(at + 12, ByteOrder.LITTLE_ENDIAN);
            final int topicLength = src.getShort(at + 20, ByteOrder.LITTLE_ENDIAN) & 0xFFFF;
            if (at + ENTRY_FIXED_LENGTH + topicLength > end || partition < 0 || first < 0 || next < first)
            {
                throw bad(endpoint, "entry " + i + " is malformed");
            }
            final byte[] topic = new byte[topicLength];
            src.getBytes(at + ENTRY_FIXED_LENGTH, topic);
            offsets.put(new TopicPartition(new String(topic, StandardCharsets.UTF_8), partition),
                new long[]{ first, next });
            at += ENTRY_FIXED_LENGTH + topicLength;
        }
        if (at != end)
        {
            throw bad(endpoint, (end - at) + " bytes after the last entry");
        }
        return offsets;
    }

    private static KeelException bad(final String endpoint, final String detail)
    {
        return new KeelException(KeelException.Category.CONNECTOR, "CONNECTOR_BAD_POSITION",
            "endpoint '" + endpoint + "': journaled Kafka position token: " + detail);
    }
}
