package dev.keel.checkpoint;

import dev.keel.checkpoint.sbe.MessageHeaderDecoder;
import dev.keel.engine.KeelException;
import org.agrona.DirectBuffer;
import org.agrona.MutableDirectBuffer;

import java.nio.ByteOrder;
import java.nio.file.Path;
import java.util.zip.CRC32C;

/**
 * The files of a checkpoint directory and how they are framed. Schema: {@code sbe/checkpoint-schema.xml}, id
 * {@value #SCHEMA_ID}, version {@value #SCHEMA_VERSION}.
 * <pre>
 * checkpoints/
 *   CURRENT                 envelope(Current)   the newest committed checkpoint (replaced last)
 *   catalog                 envelope(Catalog)   the retained committed checkpoints, oldest first
 *   &lt;uuid&gt;/manifest         envelope(Manifest)  metadata + where every page of the arena is
 *   &lt;uuid&gt;/pages-0000.dat   page file           the pages this checkpoint wrote
 * </pre>
 * <b>Envelope</b> (CURRENT, catalog, manifest, and the header region of a page file): little-endian.
 * <pre>
 *   0                   4                   8
 *   +-------------------+-------------------+-----------------------------------------+
 *   | length (int32)    | CRC32C (int32)    | SBE message (header + body), length B   |
 *   +-------------------+-------------------+-----------------------------------------+
 *   CRC32C covers the SBE message bytes only. Readers check schema id and reject newer versions.
 * </pre>
 * <b>Page file</b>: written with O_DIRECT in {@value #ALIGNMENT}-byte aligned blocks.
 * <pre>
 *   0                                          H                 H + P          H + n*P
 *   +------------------------------------------+-----------------+-----  ...  --+
 *   | header region: envelope(PageFileHeader)  | page 0 (P bytes)| page 1 ...    |
 *   |   pages[i] = {pageId, offset, crc32c}    |                 |               |
 *   |   zero padding up to H (multiple of 4096)|                 |               |
 *   +------------------------------------------+-----------------+-----  ...  --+
 *   P = page size (65536), H = headerLength; page i at H + i*P; file size H + n*P.
 *   File checksum (in the manifest) = CRC32C of the whole header region, which holds every page's CRC32C,
 *   so it covers the file's content.
 * </pre>
 * The manifest names files relative to {@code checkpoints/} ({@code <uuid>/pages-0000.dat}), so a checkpoint
 * can reference pages it inherited from files of an earlier checkpoint.
 */
public final class CheckpointFormat
{
    /** SBE schema id of every checkpoint file. */
    public static final int SCHEMA_ID = 702;
    /** Newest schema version this code reads and writes. */
    public static final int SCHEMA_VERSION = dev.keel.checkpoint.sbe.ManifestDecoder.SCHEMA_VERSION;
    /** File offset, length and buffer alignment of page-file I/O. */
    public static final int ALIGNMENT = 4096;
    /** Length of the envelope prefix. */
    public static final int ENVELOPE_HEADER_LENGTH = 8;
    /** Root pointer file name. */
    public static final String CURRENT = "CURRENT";
    /** Catalog file name. */
    public static final String CATALOG = "catalog";
    /** Manifest file name inside a checkpoint directory. */
    public static final String MANIFEST = "manifest";
    /** Suffix of files being written by the commit protocol. */
    public static final String TEMP_SUFFIX = ".tmp";
    /** The command to point people to when recovery refuses to guess. */
    public static final String VERIFY_TOOL = "keel checkpoint verify --storage ";

    private CheckpointFormat()
    {
    }

    static String pageFileName(final int fileIndex)
    {
        return String.format("pages-%04d.dat", fileIndex);
    }

    static long alignUp(final long value)
    {
        return (value + ALIGNMENT - 1) & -(long)ALIGNMENT;
    }

    static String toolHint(final Path checkpointsDir)
    {
        final Path storage = checkpointsDir.toAbsolutePath().getParent();
        return "run `" + VERIFY_TOOL + (null != storage ? storage : checkpointsDir) + "`";
    }

    /**
     * Writes the envelope prefix in front of a message already encoded at {@code ENVELOPE_HEADER_LENGTH}.
     */
    static void sealEnvelope(final MutableDirectBuffer buffer, final int messageLength)
    {
        final byte[] bytes = new byte[messageLength];
        buffer.getBytes(ENVELOPE_HEADER_LENGTH, bytes);
        final CRC32C crc = new CRC32C();
        crc.update(bytes);
        buffer.putInt(0, messageLength, ByteOrder.LITTLE_ENDIAN);
        buffer.putInt(4, (int)crc.getValue(), ByteOrder.LITTLE_ENDIAN);
    }

    /**
     * Checks an envelope and its SBE header; returns the message length. {@code what} names the file for errors.
     */
    static int openEnvelope(final DirectBuffer buffer, final int available, final int templateId, final String what)
    {
        if (available < ENVELOPE_HEADER_LENGTH + MessageHeaderDecoder.ENCODED_LENGTH)
        {
            throw corrupt(what + ": " + available + " bytes, too short for a checkpoint file");
        }
        final int length = buffer.getInt(0, ByteOrder.LITTLE_ENDIAN);
        final int expectedCrc = buffer.getInt(4, ByteOrder.LITTLE_ENDIAN);
        if (length < MessageHeaderDecoder.ENCODED_LENGTH || length > available - ENVELOPE_HEADER_LENGTH)
        {
            throw corrupt(what + ": envelope length " + length + " at offset 0 does not fit in " + available +
                " bytes (torn or truncated)");
        }
        final CRC32C crc = new CRC32C();
        final byte[] bytes = new byte[length];
        buffer.getBytes(ENVELOPE_HEADER_LENGTH, bytes);
        crc.update(bytes);
        if ((int)crc.getValue() != expectedCrc)
        {
            throw corrupt(what + ": CRC32C mismatch over bytes 8.." + (8 + length) + ": expected " +
                Integer.toUnsignedString(expectedCrc, 16) + ", found " + Long.toHexString(crc.getValue()));
        }
        final MessageHeaderDecoder header = new MessageHeaderDecoder().wrap(buffer, ENVELOPE_HEADER_LENGTH);
        if (header.schemaId() != SCHEMA_ID || header.templateId() != templateId)
        {
            throw corrupt(what + ": schema " + header.schemaId() + " template " + header.templateId() +
                ", expected schema " + SCHEMA_ID + " template " + templateId);
        }
        if (header.version() > SCHEMA_VERSION)
        {
            throw corrupt(what + ": format version " + header.version() + " is newer than this Keel (reads up to " +
                SCHEMA_VERSION + ")");
        }
        return length;
    }

    static KeelException corrupt(final String message)
    {
        return new KeelException(KeelException.Category.STORAGE, "CHECKPOINT_CORRUPT", message);
    }

    static KeelException io(final String message, final Throwable cause)
    {
        return new KeelException(KeelException.Category.STORAGE, "CHECKPOINT_IO", message + ": " + cause, cause);
    }
}
