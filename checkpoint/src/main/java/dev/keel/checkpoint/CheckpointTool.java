package dev.keel.checkpoint;

import dev.keel.engine.KeelException;
import dev.keel.engine.storage.FileStorageBackend;
import dev.keel.engine.storage.StorageDirectory;
import org.agrona.concurrent.UnsafeBuffer;

import java.io.IOException;
import java.io.PrintStream;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;

/**
 * Read-only admin tools over {@code <storage>/checkpoints}, called by the CLI ({@code keel checkpoint list|verify
 * --storage PATH}). They never create, change or delete a file.
 */
public final class CheckpointTool
{
    private CheckpointTool()
    {
    }

    /**
     * Prints the retained checkpoints, oldest first, marking the one CURRENT names.
     *
     * @return true if the catalog could be read.
     */
    public static boolean list(final Path storage, final PrintStream out)
    {
        final Path dir = storage.resolve(StorageDirectory.CHECKPOINTS_DIR);
        final List<Catalog.Entry> catalog;
        final UUID current;
        try
        {
            final UnsafeBuffer bytes = readAll(dir.resolve(CheckpointFormat.CATALOG));
            if (null == bytes)
            {
                out.println(dir.resolve(CheckpointFormat.CATALOG) + ": missing");
                return false;
            }
            catalog = Catalog.decode(bytes, dir.resolve(CheckpointFormat.CATALOG).toString());
            final UnsafeBuffer currentBytes = readAll(dir.resolve(CheckpointFormat.CURRENT));
            current = null == currentBytes ? null :
                Catalog.decodeCurrent(currentBytes, dir.resolve(CheckpointFormat.CURRENT).toString());
        }
        catch (final IOException | KeelException ex)
        {
            out.println("ERROR " + ex.getMessage());
            return false;
        }
        out.println(catalog.size() + " checkpoint(s) in " + dir);
        for (final Catalog.Entry entry : catalog)
        {
            final Path manifestPath = dir.resolve(entry.id().toString()).resolve(CheckpointFormat.MANIFEST);
            String detail;
            try
            {
                final UnsafeBuffer bytes = readAll(manifestPath);
                if (null == bytes)
                {
                    detail = "manifest missing";
                }
                else
                {
                    final Manifest manifest = Manifest.decode(bytes, manifestPath.toString());
                    detail = "journal " + manifest.metadata.journalPosition() + ", pages " +
                        manifest.referencedPages() + ", files " + manifest.files.size() + ", own bytes " +
                        manifest.ownBytes() + ", total bytes " + manifest.totalBytes();
                }
            }
            catch (final IOException | KeelException ex)
            {
                detail = "manifest unreadable: " + ex.getMessage();
            }
            out.println((entry.id().equals(current) ? "* " : "  ") + entry.id() + " step " + entry.step() +
                " tx " + entry.transactionId() + " at " + Instant.ofEpochMilli(entry.wallClockMillis()) + ", " +
                detail);
        }
        return true;
    }

    /**
     * Checks everything: catalog, CURRENT, every manifest, every referenced file's existence, size and header
     * checksum, and every page's CRC32C. Prints one line per problem with file and offset.
     *
     * @return true if no problem was found.
     */
    public static boolean verify(final Path storage, final PrintStream out)
    {
        final Path dir = storage.resolve(StorageDirectory.CHECKPOINTS_DIR);
        final Verifier verifier = new Verifier(dir, out);
        try
        {
            verifier.run();
        }
        catch (final IOException ex)
        {
            verifier.problem(dir + ": " + ex);
        }
        out.println(verifier.problems == 0 ? "OK: " + dir + " verified" :
            "FAILED: " + verifier.problems + " problem(s) in " + dir);
        return verifier.problems == 0;
    }

    private static final class Verifier
    {
        private final Path dir;
        private final PrintStream out;
        private final Map<String, PageFiles.Header> checkedFiles = new HashMap<>();
        private final Set<String> referenced = new HashSet<>();
        private int problems;

        Verifier(final Path dir, final PrintStream out)
        {
            this.dir = dir;
            this.out = out;
        }

        void problem(final String message)
        {
            problems++;
            out.println("ERROR " + message);
        }

        void run() throws IOException
        {
            if (!Files.isDirectory(dir))
            {
                problem(dir + ": not a directory");
                return;
            }
            final Path catalogPath = dir.resolve(CheckpointFormat.CATALOG);
            final UnsafeBuffer catalogBytes = readAll(catalogPath);
            final List<Catalog.Entry> catalog = new ArrayList<>();
            if (null == catalogBytes)
            {
                problem(catalogPath + ": missing");
            }
            else
            {
                try
                {
                    catalog.addAll(Catalog.decode(catalogBytes, catalogPath.toString()));
                }
                catch (final KeelException ex)
                {
                    problem(ex.getMessage());
                }
            }
            final Path currentPath = dir.resolve(CheckpointFormat.CURRENT);
            final UnsafeBuffer currentBytes = readAll(currentPath);
            if (null == currentBytes)
            {
                if (!catalog.isEmpty())
                {
                    out.println("WARN " + currentPath + ": missing; open points it at the newest catalog entry");
                }
            }
            else
            {
                try
                {
                    final UUID current = Catalog.decodeCurrent(currentBytes, currentPath.toString());
                    int index = -1;
                    for (int i = 0; i < catalog.size(); i++)
                    {
                        if (catalog.get(i).id().equals(current))
                        {
                            index = i;
                        }
                    }
                    if (index < 0)
                    {
                        problem(currentPath + ": names " + current + ", which the catalog does not list");
                    }
                    else if (index < catalog.size() - 1)
                    {
                        out.println("WARN " + currentPath + " is " + (catalog.size() - 1 - index) +
                            " catalog entr(ies) behind; open moves it forward to the newest");
                    }
                }
                catch (final KeelException ex)
                {
                    problem(ex.getMessage());
                }
            }
            for (final Catalog.Entry entry : catalog)
            {
                verifyCheckpoint(entry);
            }
            reportUnreferenced();
        }

        private void verifyCheckpoint(final Catalog.Entry entry) throws IOException
        {
            final Path manifestPath = dir.resolve(entry.id().toString()).resolve(CheckpointFormat.MANIFEST);
            referenced.add(entry.id() + "/" + CheckpointFormat.MANIFEST);
            final UnsafeBuffer bytes = readAll(manifestPath);
            if (null == bytes)
            {
                problem(manifestPath + ": missing (checkpoint " + entry.id() + ", step " + entry.step() + ")");
                return;
            }
            final Manifest manifest;
            try
            {
                manifest = Manifest.decode(bytes, manifestPath.toString());
            }
            catch (final KeelException ex)
            {
                problem(ex.getMessage());
                return;
            }
            if (!manifest.id.equals(entry.id()) || manifest.metadata.step() != entry.step())
            {
                problem(manifestPath + ": is checkpoint " + manifest.id + " step " + manifest.metadata.step() +
                    ", the catalog says " + entry.id() + " step " + entry.step());
            }
            final boolean[] covered = new boolean[Math.max(manifest.pageCount, 1)];
            for (final FileRef file : manifest.files)
            {
                referenced.add(file.name);
                final PageFiles.Header header = verifyFile(file);
                for (int i = 0; i < file.pageCount(); i++)
                {
                    final int page = file.pageIds[i];
                    if (page <= 0 || page >= manifest.pageCount)
                    {
                        problem(manifestPath + ": page " + page + " in " + file.name + " outside 1.." +
                            (manifest.pageCount - 1));
                        continue;
                    }
                    covered[page] = true;
                    if (null != header && !headerHas(header, page, file.offsets[i], file.crcs[i]))
                    {
                        problem(dir.resolve(file.name) + ": page " + page + " at offset " + file.offsets[i] +
                            " (crc " + Integer.toHexString(file.crcs[i]) + ") referenced by " + manifestPath +
                            " is not in the file's header");
                    }
                }
            }
            for (int page = 1; page < manifest.pageCount; page++)
            {
                if (!covered[page])
                {
                    problem(manifestPath + ": no file holds page " + page);
                }
            }
            out.println("checked " + entry.id() + " step " + entry.step() + ": " + manifest.referencedPages() +
                " pages in " + manifest.files.size() + " file(s)");
        }

        private static boolean headerHas(final PageFiles.Header header, final int page, final long offset,
            final int crc)
        {
            for (int i = 0; i < header.pageIds().length; i++)
            {
                if (header.pageIds()[i] == page)
                {
                    return header.offsets()[i] == offset && header.crcs()[i] == crc;
                }
            }
            return false;
        }

        private PageFiles.Header verifyFile(final FileRef file) throws IOException
        {
            if (checkedFiles.containsKey(file.name))
            {
                return checkedFiles.get(file.name);
            }
            checkedFiles.put(file.name, null);
            final Path path = dir.resolve(file.name);
            try (FileChannel channel = FileChannel.open(path, StandardOpenOption.READ))
            {
                final long size = channel.size();
                if (size != file.size)
                {
                    problem(path + ": size " + size + ", expected " + file.size);
                }
                final PageFiles.Header header;
                try
                {
                    header = PageFiles.readHeader(channel, path.toString());
                }
                catch (final KeelException ex)
                {
                    problem(ex.getMessage());
                    return null;
                }
                if (header.checksum() != file.checksum)
                {
                    problem(path + ": header region [0, " + header.headerLength() + ") checksum " +
                        Integer.toHexString(header.checksum()) + ", expected " + Integer.toHexString(file.checksum));
                }
                final ByteBuffer page = ByteBuffer.allocateDirect(header.pageSize());
                for (int i = 0; i < header.pageIds().length; i++)
                {
                    final long offset = header.offsets()[i];
                    if (offset + header.pageSize() > size)
                    {
                        problem(path + ": page " + header.pageIds()[i] + " at offset " + offset + " is beyond the " +
                            "end of the file (" + size + " bytes, truncated)");
                        continue;
                    }
                    page.clear();
                    PageFiles.readFully(channel, page, offset, path.toString());
                    page.flip();
                    final int crc = PageFiles.crc32c(page);
                    if (crc != header.crcs()[i])
                    {
                        problem(path + ": page " + header.pageIds()[i] + " at offset " + offset + ": CRC32C " +
                            Integer.toHexString(crc) + ", expected " + Integer.toHexString(header.crcs()[i]));
                    }
                }
                checkedFiles.put(file.name, header);
                return header;
            }
            catch (final NoSuchFileException ex)
            {
                problem(path + ": missing");
                return null;
            }
        }

        private void reportUnreferenced() throws IOException
        {
            try (DirectoryStream<Path> entries = Files.newDirectoryStream(dir))
            {
                for (final Path entry : entries)
                {
                    final String name = entry.getFileName().toString();
                    if (Files.isDirectory(entry))
                    {
                        try (DirectoryStream<Path> files = Files.newDirectoryStream(entry))
                        {
                            for (final Path file : files)
                            {
                                if (!referenced.contains(name + "/" + file.getFileName()))
                                {
                                    out.println("INFO unreferenced " + file + " (removed on next open)");
                                }
                            }
                        }
                    }
                    else if (!name.equals(CheckpointFormat.CATALOG) && !name.equals(CheckpointFormat.CURRENT) &&
                        !name.equals(StorageDirectory.CHECKPOINT_REQUESTS_FILE) &&
                        !name.equals(StorageDirectory.CHECKPOINT_STATUSES_FILE))
                    {
                        out.println("INFO unreferenced " + entry + (name.endsWith(CheckpointFormat.TEMP_SUFFIX) ?
                            " (removed on next open)" : ""));
                    }
                }
            }
        }
    }

    /** Reads a metadata file as the store does, through its storage backend; null if missing. */
    private static UnsafeBuffer readAll(final Path file) throws IOException
    {
        final byte[] bytes = new FileStorageBackend(file.getParent()).read(file.getFileName().toString());
        return null == bytes ? null : new UnsafeBuffer(bytes);
    }
}
