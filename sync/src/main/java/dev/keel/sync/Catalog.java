package dev.keel.sync;

import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.UUID;
import java.util.zip.CRC32;

/**
 * The remote catalog object: every complete checkpoint in the bucket prefix, newest first. It is the commit point
 * of a push (written after all files) and of a retention pass (written before any file is deleted).
 * <p>
 * Format, version 1, UTF-8 text, one record per line, fields separated by one space, the file name last so it may
 * contain spaces:
 * <pre>
 *   KEEL-SYNC-CATALOG 1
 *   owner &lt;owner id&gt;
 *   generation &lt;n&gt;                                  incremented by every write
 *   checkpoint &lt;uuid&gt; &lt;step&gt; &lt;created ISO-8601&gt; &lt;file count&gt;
 *   file &lt;size&gt; &lt;d|m&gt; &lt;relative name&gt;                   d = data, m = commit marker
 *   ...
 *   crc32 &lt;8 hex digits of the CRC32 of every byte before this line&gt;
 * </pre>
 * A reader refuses a higher version, a bad CRC or a malformed line (error, never "no checkpoint").
 */
final class Catalog
{
    static final String MAGIC = "KEEL-SYNC-CATALOG";
    static final int VERSION = 1;

    private static final Comparator<RemoteCheckpoint> NEWEST_FIRST =
        Comparator.comparingLong(RemoteCheckpoint::step).thenComparing(RemoteCheckpoint::createdAt).reversed();

    final String owner;
    final long generation;
    final List<RemoteCheckpoint> checkpoints;

    Catalog(final String owner, final long generation, final List<RemoteCheckpoint> checkpoints)
    {
        this.owner = owner;
        this.generation = generation;
        final List<RemoteCheckpoint> sorted = new ArrayList<>(checkpoints);
        sorted.sort(NEWEST_FIRST);
        this.checkpoints = List.copyOf(sorted);
    }

    RemoteCheckpoint find(final UUID id)
    {
        for (final RemoteCheckpoint checkpoint : checkpoints)
        {
            if (checkpoint.id().equals(id))
            {
                return checkpoint;
            }
        }
        return null;
    }

    Catalog with(final String owner, final RemoteCheckpoint added)
    {
        final List<RemoteCheckpoint> list = new ArrayList<>(checkpoints);
        list.add(added);
        return new Catalog(owner, generation + 1, list);
    }

    Catalog retaining(final List<RemoteCheckpoint> kept)
    {
        return new Catalog(owner, generation + 1, kept);
    }

    byte[] encode()
    {
        final StringBuilder sb = new StringBuilder(256);
        sb.append(MAGIC).append(' ').append(VERSION).append('\n');
        sb.append("owner ").append(owner).append('\n');
        sb.append("generation ").append(generation).append('\n');
        for (final RemoteCheckpoint checkpoint : checkpoints)
        {
            sb.append("checkpoint ").append(checkpoint.id()).append(' ').append(checkpoint.step()).append(' ')
                .append(checkpoint.createdAt()).append(' ').append(checkpoint.files().size()).append('\n');
            for (final LocalFile file : checkpoint.files())
            {
                sb.append("file ").append(file.size()).append(' ').append(file.commitMarker() ? 'm' : 'd').append(' ')
                    .append(file.name()).append('\n');
            }
        }
        final byte[] body = sb.toString().getBytes(StandardCharsets.UTF_8);
        final CRC32 crc = new CRC32();
        crc.update(body);
        final byte[] trailer = String.format("crc32 %08x%n", crc.getValue()).replace("\r", "")
            .getBytes(StandardCharsets.UTF_8);
        final byte[] out = new byte[body.length + trailer.length];
        System.arraycopy(body, 0, out, 0, body.length);
        System.arraycopy(trailer, 0, out, body.length, trailer.length);
        return out;
    }

    /**
     * Decode a catalog.
     *
     * @param bytes the object's content.
     * @param where the object's URL, for messages.
     * @return the catalog.
     * @throws IllegalArgumentException naming the line when the object is not a valid catalog.
     */
    static Catalog decode(final byte[] bytes, final String where)
    {
        final String text = new String(bytes, StandardCharsets.UTF_8);
        final int trailerStart = text.lastIndexOf("crc32 ");
        if (trailerStart < 0 || !text.endsWith("\n"))
        {
            throw new IllegalArgumentException(where + ": no crc32 trailer (truncated or not a catalog)");
        }
        final byte[] body = text.substring(0, trailerStart).getBytes(StandardCharsets.UTF_8);
        final CRC32 crc = new CRC32();
        crc.update(body);
        final String expected = String.format("%08x", crc.getValue());
        final String actual = text.substring(trailerStart + "crc32 ".length(), text.length() - 1);
        if (!expected.equals(actual))
        {
            throw new IllegalArgumentException(where + ": crc32 " + actual + " does not match the content (" +
                expected + ")");
        }
        final String[] lines = text.substring(0, trailerStart).split("\n", -1);
        int n = 0;
        final String header = lines[n++];
        if (!header.startsWith(MAGIC + " "))
        {
            throw new IllegalArgumentException(where + ": line 1 is not a " + MAGIC + " header");
        }
        final int version = parseInt(header.substring(MAGIC.length() + 1), where, 1);
        if (version > VERSION || version < 1)
        {
            throw new IllegalArgumentException(where + ": catalog version " + version + ", this Keel reads up to " +
                VERSION + " (upgrade Keel to read this bucket)");
        }
        final String owner = field(lines, n++, "owner ", where);
        final long generation = parseLong(field(lines, n++, "generation ", where), where, n);
        final List<RemoteCheckpoint> checkpoints = new ArrayList<>();
        while (n < lines.length && !lines[n].isEmpty())
        {
            final int lineNo = n + 1;
            final String[] parts = field(lines, n++, "checkpoint ", where).split(" ");
            if (parts.length != 4)
            {
                throw new IllegalArgumentException(where + ": line " + lineNo + ": malformed checkpoint record");
            }
            final UUID id = SyncSettings.parseUuid(parts[0]);
            if (null == id)
            {
                throw new IllegalArgumentException(where + ": line " + lineNo + ": bad checkpoint id " + parts[0]);
            }
            final long step = parseLong(parts[1], where, lineNo);
            final Instant createdAt;
            try
            {
                createdAt = Instant.parse(parts[2]);
            }
            catch (final DateTimeParseException ex)
            {
                throw new IllegalArgumentException(where + ": line " + lineNo + ": bad time " + parts[2], ex);
            }
            final int count = parseInt(parts[3], where, lineNo);
            final List<LocalFile> files = new ArrayList<>(count);
            for (int i = 0; i < count; i++)
            {
                final int fileLineNo = n + 1;
                final String record = field(lines, n++, "file ", where);
                final int s1 = record.indexOf(' ');
                final int s2 = s1 < 0 ? -1 : record.indexOf(' ', s1 + 1);
                if (s1 < 0 || s2 != s1 + 2)
                {
                    throw new IllegalArgumentException(where + ": line " + fileLineNo + ": malformed file record");
                }
                final long size = parseLong(record.substring(0, s1), where, fileLineNo);
                final char kind = record.charAt(s1 + 1);
                if (kind != 'd' && kind != 'm')
                {
                    throw new IllegalArgumentException(where + ": line " + fileLineNo + ": file kind " + kind);
                }
                try
                {
                    files.add(new LocalFile(record.substring(s2 + 1), size, kind == 'm'));
                }
                catch (final IllegalArgumentException ex)
                {
                    throw new IllegalArgumentException(where + ": line " + fileLineNo + ": " + ex.getMessage(), ex);
                }
            }
            checkpoints.add(new RemoteCheckpoint(id, step, createdAt, files));
        }
        return new Catalog(owner, generation, checkpoints);
    }

    private static String field(final String[] lines, final int index, final String name, final String where)
    {
        if (index >= lines.length || !lines[index].startsWith(name))
        {
            throw new IllegalArgumentException(where + ": line " + (index + 1) + ": expected \"" + name.trim() + "\"");
        }
        return lines[index].substring(name.length());
    }

    private static long parseLong(final String s, final String where, final int line)
    {
        try
        {
            return Long.parseLong(s);
        }
        catch (final NumberFormatException ex)
        {
            throw new IllegalArgumentException(where + ": line " + line + ": not a number: " + s, ex);
        }
    }

    private static int parseInt(final String s, final String where, final int line)
    {
        final long value = parseLong(s, where, line);
        if (value < 0 || value > Integer.MAX_VALUE)
        {
            throw new IllegalArgumentException(where + ": line " + line + ": out of range: " + s);
        }
        return (int)value;
    }
}
