package dev.keel.checkpoint;

import dev.keel.checkpoint.sbe.ManifestDecoder;
import dev.keel.checkpoint.sbe.ManifestEncoder;
import dev.keel.checkpoint.sbe.MessageHeaderDecoder;
import dev.keel.checkpoint.sbe.MessageHeaderEncoder;
import dev.keel.engine.spi.CheckpointMetadata;
import org.agrona.ExpandableArrayBuffer;
import org.agrona.concurrent.UnsafeBuffer;

import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;

/**
 * One checkpoint's manifest: the {@link CheckpointMetadata}, the arena's allocator metadata and, for every page
 * of the arena (1 until {@code pageCount}), the file, offset and CRC32C it is stored at. Immutable.
 * <p>
 * Encoded as the SBE message {@code Manifest} (schema 702) inside an envelope ({@link CheckpointFormat}):
 * <pre>
 *   Manifest: checkpointId (msb, lsb), programFingerprint, step, transactionId, journalPosition,
 *             wallClockMillis, pageSize, pageCount
 *     inputs[]:  position, name, token (version 2; empty unless the endpoint uses position tokens)
 *     outputs[]: deliveredPosition, deliveredTransactionId, name
 *     files[]:   size, checksum, pages[]: {pageId, offset, crc32c}, name
 *     model, programMeta, arenaMeta
 * </pre>
 */
final class Manifest
{
    private static final byte[] EMPTY_TOKEN = new byte[0];

    final UUID id;
    final CheckpointMetadata metadata;
    final int pageSize;
    final int pageCount;
    final byte[] arenaMeta;
    final List<FileRef> files;

    Manifest(final UUID id, final CheckpointMetadata metadata, final int pageSize, final int pageCount,
        final byte[] arenaMeta, final List<FileRef> files)
    {
        this.id = id;
        this.metadata = metadata;
        this.pageSize = pageSize;
        this.pageCount = pageCount;
        this.arenaMeta = arenaMeta;
        this.files = List.copyOf(files);
    }

    int referencedPages()
    {
        int pages = 0;
        for (final FileRef file : files)
        {
            pages += file.pageCount();
        }
        return pages;
    }

    /** Bytes of the files this checkpoint wrote itself. */
    long ownBytes()
    {
        long bytes = 0;
        for (final FileRef file : files)
        {
            if (file.ownerDirectory().equals(id.toString()))
            {
                bytes += file.size;
            }
        }
        return bytes;
    }

    long totalBytes()
    {
        long bytes = 0;
        for (final FileRef file : files)
        {
            bytes += file.size;
        }
        return bytes;
    }

    /** Encodes into an envelope; returns the buffer, whose first {@code length} bytes are the file. */
    int encode(final ExpandableArrayBuffer buffer)
    {
        final ManifestEncoder encoder = new ManifestEncoder();
        encoder.wrapAndApplyHeader(buffer, CheckpointFormat.ENVELOPE_HEADER_LENGTH, new MessageHeaderEncoder())
            .checkpointIdMsb(id.getMostSignificantBits())
            .checkpointIdLsb(id.getLeastSignificantBits())
            .programFingerprint(metadata.programFingerprint())
            .step(metadata.step())
            .transactionId(metadata.transactionId())
            .journalPosition(metadata.journalPosition())
            .wallClockMillis(metadata.wallClockMillis())
            .pageSize(pageSize)
            .pageCount(pageCount);
        final ManifestEncoder.InputsEncoder inputs = encoder.inputsCount(metadata.inputPositions().size());
        for (final Map.Entry<String, Long> e : metadata.inputPositions().entrySet())
        {
            inputs.next().position(e.getValue()).name(e.getKey());
            final byte[] token = metadata.inputTokens().get(e.getKey());
            inputs.putToken(null == token ? EMPTY_TOKEN : token, 0, null == token ? 0 : token.length);
        }
        final ManifestEncoder.OutputsEncoder outputs = encoder.outputsCount(metadata.outputPositions().size());
        for (final Map.Entry<String, CheckpointMetadata.OutputPosition> e : metadata.outputPositions().entrySet())
        {
            outputs.next()
                .deliveredPosition(e.getValue().deliveredPosition())
                .deliveredTransactionId(e.getValue().deliveredTransactionId())
                .name(e.getKey());
        }
        final ManifestEncoder.FilesEncoder files = encoder.filesCount(this.files.size());
        for (final FileRef file : this.files)
        {
            files.next().size(file.size).checksum(Integer.toUnsignedLong(file.checksum));
            final ManifestEncoder.FilesEncoder.PagesEncoder pages = files.pagesCount(file.pageCount());
            for (int i = 0; i < file.pageCount(); i++)
            {
                pages.next()
                    .pageId(file.pageIds[i])
                    .offset(file.offsets[i])
                    .crc32c(Integer.toUnsignedLong(file.crcs[i]));
            }
            files.name(file.name);
        }
        encoder.model(metadata.model());
        final byte[] programMeta = metadata.programMeta();
        encoder.putProgramMeta(programMeta, 0, programMeta.length);
        encoder.putArenaMeta(arenaMeta, 0, arenaMeta.length);
        final int length = MessageHeaderEncoder.ENCODED_LENGTH + encoder.encodedLength();
        CheckpointFormat.sealEnvelope(buffer, length);
        return CheckpointFormat.ENVELOPE_HEADER_LENGTH + length;
    }

    /** Decodes a manifest file; {@code what} names it in errors. */
    static Manifest decode(final UnsafeBuffer buffer, final String what)
    {
        CheckpointFormat.openEnvelope(buffer, buffer.capacity(), ManifestDecoder.TEMPLATE_ID, what);
        try
        {
            final ManifestDecoder decoder = new ManifestDecoder().wrapAndApplyHeader(
                buffer, CheckpointFormat.ENVELOPE_HEADER_LENGTH, new MessageHeaderDecoder());
            final UUID id = new UUID(decoder.checkpointIdMsb(), decoder.checkpointIdLsb());
            final long fingerprint = decoder.programFingerprint();
            final long step = decoder.step();
            final long transactionId = decoder.transactionId();
            final long journalPosition = decoder.journalPosition();
            final long wallClock = decoder.wallClockMillis();
            final int pageSize = decoder.pageSize();
            final int pageCount = decoder.pageCount();
            final Map<String, Long> inputPositions = new LinkedHashMap<>();
            final Map<String, byte[]> inputTokens = new LinkedHashMap<>();
            for (final ManifestDecoder.InputsDecoder input : decoder.inputs())
            {
                final long position = input.position();
                final String name = input.name();
                inputPositions.put(name, position);
                final int tokenLength = input.tokenLength();
                if (tokenLength > 0)
                {
                    final byte[] token = new byte[tokenLength];
                    input.getToken(token, 0, tokenLength);
                    inputTokens.put(name, token);
                }
                else
                {
                    input.skipToken();
                }
            }
            final Map<String, CheckpointMetadata.OutputPosition> outputPositions = new LinkedHashMap<>();
            for (final ManifestDecoder.OutputsDecoder output : decoder.outputs())
            {
                final CheckpointMetadata.OutputPosition position = new CheckpointMetadata.OutputPosition(
                    output.deliveredPosition(), output.deliveredTransactionId());
                outputPositions.put(output.name(), position);
            }
            final List<FileRef> files = new ArrayList<>();
            for (final ManifestDecoder.FilesDecoder file : decoder.files())
            {
                final long size = file.size();
                final int checksum = (int)file.checksum();
                final ManifestDecoder.FilesDecoder.PagesDecoder pages = file.pages();
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
                files.add(new FileRef(file.name(), size, checksum, pageIds, offsets, crcs));
            }
            final String model = decoder.model();
            final byte[] programMeta = new byte[decoder.programMetaLength()];
            decoder.getProgramMeta(programMeta, 0, programMeta.length);
            final byte[] arenaMeta = new byte[decoder.arenaMetaLength()];
            decoder.getArenaMeta(arenaMeta, 0, arenaMeta.length);
            final CheckpointMetadata metadata = new CheckpointMetadata(fingerprint, step, transactionId,
                journalPosition, inputPositions, outputPositions, programMeta, model, wallClock, inputTokens);
            return new Manifest(id, metadata, pageSize, pageCount, arenaMeta, files);
        }
        catch (final IndexOutOfBoundsException ex)
        {
            throw CheckpointFormat.corrupt(what + ": manifest structure does not fit its length: " + ex.getMessage());
        }
    }

    /** Page count recorded in arena metadata ({@code PagedArena.saveMeta}: int pageSize, int pageCount, ...). */
    static int arenaPageCount(final byte[] arenaMeta)
    {
        if (arenaMeta.length < 8)
        {
            throw new IllegalArgumentException("arena metadata of " + arenaMeta.length + " bytes is too short");
        }
        return new UnsafeBuffer(arenaMeta).getInt(4, ByteOrder.LITTLE_ENDIAN);
    }
}
