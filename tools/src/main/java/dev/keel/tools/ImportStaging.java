package dev.keel.tools;

import dev.keel.engine.KeelException;
import dev.keel.sync.JournalChunk;
import dev.keel.sync.LocalFile;
import dev.keel.sync.PulledCheckpoint;

import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import java.util.UUID;

/**
 * The staging area of an import from the bucket, {@code <storage>/sync-import}: a start from a synced checkpoint
 * downloads the checkpoint's files into {@code checkpoint/} and the journal shipped after it into
 * {@code journal/}, and nothing under the checkpoints or journal directories changes until all of it is on local
 * disk. Then {@code READY} is committed (temp file, fsync, rename, fsync of the directory): from that point the
 * import is published and a crash resumes it; before it, a failed or killed download leaves only this staging
 * area, which the next start reuses (files already staged with the right size are not downloaded again).
 * <p>
 * {@code READY} is a text file, one entry a line:
 * <pre>
 * keel-sync-import 1
 * checkpoint &lt;uuid&gt;
 * rebase &lt;local journal position the checkpoint is rebased onto, or -1 without a journal&gt;
 * mode adopt|replace               (adopt: into an empty checkpoints directory, a start from the bucket;
 *                                   replace: in place of the committed one, a standby's pull; absent: adopt)
 * file &lt;checkpoint file name&gt;      (one per file of the checkpoint, commit markers last)
 * chunk &lt;staged journal chunk name&gt; (one per chunk, in position order)
 * </pre>
 */
final class ImportStaging
{
    static final String DIR = "sync-import";
    static final String READY = "READY";
    private static final String HEADER = "keel-sync-import 1";
    private static final String CHECKPOINT_DIR = "checkpoint";
    private static final String JOURNAL_DIR = "journal";

    /**
     * A committed {@code READY}: what to publish.
     *
     * @param checkpoint the pulled checkpoint.
     * @param rebase     the local journal position it is rebased onto, or -1 without a journal.
     * @param files      its file names, relative to the checkpoints directory, commit markers last.
     * @param chunks     the staged journal chunk names, in position order.
     * @param replace    true if it replaces the checkpoint committed in the checkpoints directory (a standby's
     *                   pull), false if it is adopted into an empty one (a start from the bucket).
     */
    record Ready(UUID checkpoint, long rebase, List<String> files, List<String> chunks, boolean replace)
    {
    }

    private final Path root;

    ImportStaging(final Path storageRoot)
    {
        this.root = storageRoot.resolve(DIR).toAbsolutePath().normalize();
    }

    Path root()
    {
        return root;
    }

    /** Where the checkpoint's files are downloaded to: the local root of the pull. */
    Path checkpointRoot()
    {
        return root.resolve(CHECKPOINT_DIR);
    }

    boolean exists()
    {
        return Files.isDirectory(root);
    }

    boolean isReady()
    {
        return Files.isRegularFile(root.resolve(READY));
    }

    /**
     * Writes the journal chunks into the staging area, durably, replacing any staged before.
     *
     * @return the staged names, in position order.
     */
    List<String> stageJournal(final List<JournalChunk> chunks)
    {
        final Path dir = root.resolve(JOURNAL_DIR);
        try
        {
            deleteTree(dir);
            Files.createDirectories(dir);
            final List<String> names = new ArrayList<>(chunks.size());
            for (int i = 0; i < chunks.size(); i++)
            {
                final JournalChunk chunk = chunks.get(i);
                final String name = String.format("%06d-%019d-%019d.kjc", i, chunk.startPosition(),
                    chunk.endPosition());
                writeDurably(dir.resolve(name), chunk.bytes());
                names.add(name);
            }
            fsyncDirectory(dir);
            fsyncDirectory(root);
            return names;
        }
        catch (final IOException ex)
        {
            throw io("cannot stage the shipped journal in " + dir, ex);
        }
    }

    /**
     * Seeds the staging area with the files of {@code files} the checkpoints directory holds already with the
     * right size (hard links, or copies where the file system has none), so that a pull into the staging area
     * downloads only what the node lacks. Commit markers are not seeded: they are small, and a committed one may
     * have been rewritten locally (a manifest rebased onto the local journal).
     *
     * @return the number of files seeded.
     */
    int seedFrom(final Path checkpointsDir, final List<LocalFile> files)
    {
        final Path source = checkpointsDir.toAbsolutePath().normalize();
        final Path target = checkpointRoot();
        int seeded = 0;
        for (final LocalFile file : files)
        {
            if (file.commitMarker())
            {
                continue;
            }
            final Path from = resolve(source, file.name());
            final Path to = resolve(target, file.name());
            try
            {
                if (Files.isRegularFile(to) || !Files.isRegularFile(from) || Files.size(from) != file.size())
                {
                    continue;
                }
                Files.createDirectories(to.getParent());
                try
                {
                    Files.createLink(to, from);
                }
                catch (final UnsupportedOperationException | IOException ex)
                {
                    final Path temp = to.resolveSibling("." + to.getFileName() + ".seed.tmp");
                    Files.copy(from, temp, StandardCopyOption.REPLACE_EXISTING);
                    move(temp, to);
                }
                seeded++;
            }
            catch (final IOException ex)
            {
                throw io("cannot seed " + to + " from " + from, ex);
            }
        }
        return seeded;
    }

    /**
     * Commits {@code READY}: the download is complete and the import may be published (adopted into an empty
     * checkpoints directory).
     */
    Ready markReady(final PulledCheckpoint pulled, final long rebase, final List<String> chunks)
    {
        return markReady(pulled, rebase, chunks, false);
    }

    /**
     * Commits {@code READY}: the download is complete and the import may be published.
     *
     * @param replace true if the checkpoint replaces the committed one (a standby's pull), false to adopt it.
     */
    Ready markReady(final PulledCheckpoint pulled, final long rebase, final List<String> chunks,
        final boolean replace)
    {
        final List<String> files = new ArrayList<>();
        final List<String> markers = new ArrayList<>();
        for (final LocalFile file : pulled.checkpoint().files())
        {
            (file.commitMarker() ? markers : files).add(file.name());
        }
        files.addAll(markers);
        final Ready ready =
            new Ready(pulled.checkpoint().id(), rebase, List.copyOf(files), List.copyOf(chunks), replace);
        final StringBuilder text = new StringBuilder(HEADER).append('\n');
        text.append("checkpoint ").append(ready.checkpoint()).append('\n');
        text.append("rebase ").append(rebase).append('\n');
        text.append("mode ").append(replace ? "replace" : "adopt").append('\n');
        for (final String file : ready.files())
        {
            text.append("file ").append(file).append('\n');
        }
        for (final String chunk : ready.chunks())
        {
            text.append("chunk ").append(chunk).append('\n');
        }
        try
        {
            fsyncTree(checkpointRoot());
            writeDurably(root.resolve(READY), text.toString().getBytes(StandardCharsets.UTF_8));
            fsyncDirectory(root);
        }
        catch (final IOException ex)
        {
            throw io("cannot commit " + root.resolve(READY), ex);
        }
        return ready;
    }

    /**
     * Reads a committed {@code READY}.
     *
     * @throws KeelException (SYNC_IMPORT_CORRUPT) naming the file and line when it cannot be read.
     */
    Ready readReady()
    {
        final Path path = root.resolve(READY);
        final List<String> lines;
        try
        {
            lines = Files.readAllLines(path, StandardCharsets.UTF_8);
        }
        catch (final IOException ex)
        {
            throw io("cannot read " + path, ex);
        }
        if (lines.isEmpty() || !HEADER.equals(lines.get(0)))
        {
            throw corrupt(path, 1, "expected \"" + HEADER + "\"");
        }
        UUID checkpoint = null;
        long rebase = Long.MIN_VALUE;
        final List<String> files = new ArrayList<>();
        final List<String> chunks = new ArrayList<>();
        boolean replace = false;
        for (int i = 1; i < lines.size(); i++)
        {
            final String line = lines.get(i);
            final int space = line.indexOf(' ');
            final String key = space < 0 ? line : line.substring(0, space);
            final String value = space < 0 ? "" : line.substring(space + 1);
            try
            {
                switch (key)
                {
                    case "checkpoint" -> checkpoint = UUID.fromString(value);
                    case "rebase" -> rebase = Long.parseLong(value);
                    case "file" -> files.add(value);
                    case "chunk" -> chunks.add(value);
                    case "mode" -> replace = parseMode(path, i + 1, value);
                    default -> throw corrupt(path, i + 1, "unknown entry \"" + key + "\"");
                }
            }
            catch (final IllegalArgumentException ex)
            {
                throw corrupt(path, i + 1, "bad " + key + " \"" + value + "\"");
            }
        }
        if (null == checkpoint || Long.MIN_VALUE == rebase || files.isEmpty())
        {
            throw corrupt(path, lines.size(), "the checkpoint, rebase or file entries are missing");
        }
        return new Ready(checkpoint, rebase, files, chunks, replace);
    }

    private static boolean parseMode(final Path path, final int line, final String value)
    {
        return switch (value)
        {
            case "adopt" -> false;
            case "replace" -> true;
            default -> throw corrupt(path, line, "bad mode \"" + value + "\" (expected adopt or replace)");
        };
    }

    /**
     * Moves the staged checkpoint files into {@code checkpointsDir} (data files first, commit markers last), then
     * fsyncs the directories. Idempotent: a file already moved by an interrupted publish is left as it is.
     */
    void publishFiles(final Ready ready, final Path checkpointsDir)
    {
        final Path target = checkpointsDir.toAbsolutePath().normalize();
        final Path source = checkpointRoot();
        final Set<Path> dirs = new LinkedHashSet<>();
        try
        {
            Files.createDirectories(target);
            for (final String name : ready.files())
            {
                final Path from = resolve(source, name);
                final Path to = resolve(target, name);
                if (Files.isRegularFile(from))
                {
                    Files.createDirectories(to.getParent());
                    move(from, to);
                }
                else if (!Files.isRegularFile(to))
                {
                    throw new KeelException(KeelException.Category.SYNC, "SYNC_IMPORT_CORRUPT", "the import of " +
                        "checkpoint " + ready.checkpoint() + " lists " + name + ", which is neither in " + source +
                        " nor in " + target + "; delete " + root + " and start again to download it anew");
                }
                for (Path dir = to.getParent(); null != dir && dir.startsWith(target); dir = dir.getParent())
                {
                    dirs.add(dir);
                }
            }
            for (final Path dir : dirs)
            {
                fsyncDirectory(dir);
            }
        }
        catch (final IOException ex)
        {
            throw io("cannot move the imported checkpoint " + ready.checkpoint() + " from " + source + " into " +
                target, ex);
        }
    }

    /** The staged journal chunks, in position order. */
    List<byte[]> journalChunks(final Ready ready)
    {
        final Path dir = root.resolve(JOURNAL_DIR);
        final List<byte[]> chunks = new ArrayList<>(ready.chunks().size());
        for (final String name : ready.chunks())
        {
            final Path path = resolve(dir, name);
            try
            {
                chunks.add(Files.readAllBytes(path));
            }
            catch (final IOException ex)
            {
                throw io("cannot read the staged journal chunk " + path, ex);
            }
        }
        return chunks;
    }

    /**
     * Removes the staging area: {@code READY} first (durably), so that a crash half-way never leaves a
     * {@code READY} over a partly deleted area.
     */
    void delete()
    {
        try
        {
            if (Files.deleteIfExists(root.resolve(READY)))
            {
                fsyncDirectory(root);
            }
            deleteTree(root);
            if (null != root.getParent())
            {
                fsyncDirectory(root.getParent());
            }
        }
        catch (final IOException ex)
        {
            throw io("cannot delete the import staging area " + root, ex);
        }
    }

    private static Path resolve(final Path base, final String name)
    {
        final Path path = base.resolve(name).normalize();
        if (!path.startsWith(base) || path.equals(base))
        {
            throw new KeelException(KeelException.Category.SYNC, "SYNC_IMPORT_CORRUPT", "file name \"" + name +
                "\" escapes " + base);
        }
        return path;
    }

    private static void writeDurably(final Path path, final byte[] bytes) throws IOException
    {
        final Path temp = path.resolveSibling("." + path.getFileName() + ".tmp");
        try (FileChannel channel = FileChannel.open(temp, StandardOpenOption.CREATE, StandardOpenOption.WRITE,
            StandardOpenOption.TRUNCATE_EXISTING))
        {
            final java.nio.ByteBuffer buffer = java.nio.ByteBuffer.wrap(bytes);
            while (buffer.hasRemaining())
            {
                channel.write(buffer);
            }
            channel.force(true);
        }
        move(temp, path);
    }

    private static void move(final Path source, final Path target) throws IOException
    {
        try
        {
            Files.move(source, target, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        }
        catch (final AtomicMoveNotSupportedException ex)
        {
            Files.move(source, target, StandardCopyOption.REPLACE_EXISTING);
        }
    }

    /** The pull fsynced each file and its directory; this covers directories created for nested names. */
    private static void fsyncTree(final Path dir) throws IOException
    {
        if (!Files.isDirectory(dir))
        {
            return;
        }
        try (DirectoryStream<Path> entries = Files.newDirectoryStream(dir))
        {
            for (final Path entry : entries)
            {
                if (Files.isDirectory(entry))
                {
                    fsyncTree(entry);
                }
            }
        }
        fsyncDirectory(dir);
    }

    private static void fsyncDirectory(final Path dir) throws IOException
    {
        try (FileChannel channel = FileChannel.open(dir, StandardOpenOption.READ))
        {
            channel.force(true);
        }
    }

    private static void deleteTree(final Path path) throws IOException
    {
        if (!Files.exists(path))
        {
            return;
        }
        if (Files.isDirectory(path))
        {
            try (DirectoryStream<Path> entries = Files.newDirectoryStream(path))
            {
                for (final Path entry : entries)
                {
                    deleteTree(entry);
                }
            }
        }
        Files.delete(path);
    }

    private static KeelException io(final String message, final IOException ex)
    {
        return new KeelException(KeelException.Category.SYNC, "SYNC_IMPORT_IO", message + ": " + ex, ex);
    }

    private static KeelException corrupt(final Path path, final int line, final String problem)
    {
        return new KeelException(KeelException.Category.SYNC, "SYNC_IMPORT_CORRUPT", path + " line " + line + ": " +
            problem + "; delete " + path.getParent() + " and start again to download the checkpoint anew");
    }
}
