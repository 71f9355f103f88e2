package dev.keel.checkpoint;

import dev.keel.checkpoint.sbe.CatalogDecoder;
import dev.keel.checkpoint.sbe.CatalogEncoder;
import dev.keel.checkpoint.sbe.CurrentDecoder;
import dev.keel.checkpoint.sbe.CurrentEncoder;
import dev.keel.checkpoint.sbe.MessageHeaderDecoder;
import dev.keel.checkpoint.sbe.MessageHeaderEncoder;
import org.agrona.ExpandableArrayBuffer;
import org.agrona.concurrent.UnsafeBuffer;

import java.util.ArrayList;
import java.util.List;
import java.util.UUID;

/**
 * Codecs of the catalog (the retained committed checkpoints, oldest first) and of the CURRENT pointer.
 * <pre>
 *   catalog = envelope(Catalog: entries[]: {checkpointId (msb, lsb), step, transactionId, wallClockMillis})
 *   CURRENT = envelope(Current: checkpointId (msb, lsb), step)
 * </pre>
 */
final class Catalog
{
    /** One catalog entry. */
    record Entry(UUID id, long step, long transactionId, long wallClockMillis)
    {
    }

    private Catalog()
    {
    }

    static int encode(final List<Entry> entries, final ExpandableArrayBuffer buffer)
    {
        final CatalogEncoder encoder = new CatalogEncoder().wrapAndApplyHeader(
            buffer, CheckpointFormat.ENVELOPE_HEADER_LENGTH, new MessageHeaderEncoder());
        final CatalogEncoder.EntriesEncoder group = encoder.entriesCount(entries.size());
        for (final Entry entry : entries)
        {
            group.next()
                .checkpointIdMsb(entry.id().getMostSignificantBits())
                .checkpointIdLsb(entry.id().getLeastSignificantBits())
                .step(entry.step())
                .transactionId(entry.transactionId())
                .wallClockMillis(entry.wallClockMillis());
        }
        final int length = MessageHeaderEncoder.ENCODED_LENGTH + encoder.encodedLength();
        CheckpointFormat.sealEnvelope(buffer, length);
        return CheckpointFormat.ENVELOPE_HEADER_LENGTH + length;
    }

    static List<Entry> decode(final UnsafeBuffer buffer, final String what)
    {
        CheckpointFormat.openEnvelope(buffer, buffer.capacity(), CatalogDecoder.TEMPLATE_ID, what);
        try
        {
            final CatalogDecoder decoder = new CatalogDecoder().wrapAndApplyHeader(
                buffer, CheckpointFormat.ENVELOPE_HEADER_LENGTH, new MessageHeaderDecoder());
            final List<Entry> entries = new ArrayList<>();
            for (final CatalogDecoder.EntriesDecoder e : decoder.entries())
            {
                entries.add(new Entry(new UUID(e.checkpointIdMsb(), e.checkpointIdLsb()), e.step(), e.transactionId(),
                    e.wallClockMillis()));
            }
            return entries;
        }
        catch (final IndexOutOfBoundsException ex)
        {
            throw CheckpointFormat.corrupt(what + ": catalog structure does not fit its length: " + ex.getMessage());
        }
    }

    static int encodeCurrent(final Entry entry, final ExpandableArrayBuffer buffer)
    {
        final CurrentEncoder encoder = new CurrentEncoder().wrapAndApplyHeader(
            buffer, CheckpointFormat.ENVELOPE_HEADER_LENGTH, new MessageHeaderEncoder())
            .checkpointIdMsb(entry.id().getMostSignificantBits())
            .checkpointIdLsb(entry.id().getLeastSignificantBits())
            .step(entry.step());
        final int length = MessageHeaderEncoder.ENCODED_LENGTH + encoder.encodedLength();
        CheckpointFormat.sealEnvelope(buffer, length);
        return CheckpointFormat.ENVELOPE_HEADER_LENGTH + length;
    }

    static UUID decodeCurrent(final UnsafeBuffer buffer, final String what)
    {
        CheckpointFormat.openEnvelope(buffer, buffer.capacity(), CurrentDecoder.TEMPLATE_ID, what);
        final CurrentDecoder decoder = new CurrentDecoder().wrapAndApplyHeader(
            buffer, CheckpointFormat.ENVELOPE_HEADER_LENGTH, new MessageHeaderDecoder());
        return new UUID(decoder.checkpointIdMsb(), decoder.checkpointIdLsb());
    }
}
