package dev.keel.engine.storage;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.util.List;

/**
 * Files addressed by relative name ({@code catalog}, {@code <uuid>/manifest}), after Feldera's
 * {@code StorageBackend}: whatever the checkpoint store and the checkpoint requests keep as metadata goes through
 * one of these, so that the same code runs on a local directory ({@link FileStorageBackend}), in memory
 * ({@link MemoryStorageBackend}, for tests of any module) and, later, on what the sync module pulls into a
 * standby's directory.
 * <p>
 * <b>Names</b>: relative, {@code '/'}-separated, no empty, {@code .} or {@code ..} segment; a name ending in
 * {@code '/'} denotes a directory (in {@link #list} results and for {@link #delete}). Directories exist
 * implicitly: creating {@code a/b} creates {@code a/}.
 * <p>
 * <b>The one durable commit protocol</b> ({@link Writer#commit()}): the content goes to
 * {@code name}{@value #TEMP_SUFFIX}, which is fsynced, renamed over {@code name}, and the directory is fsynced.
 * After a crash {@code name} holds either the old or the new content, never a mix; a leftover
 * {@value #TEMP_SUFFIX} file is garbage for its owner to remove. Nothing else in Keel may hand-roll this.
 * <p>
 * Implementations are thread-safe: the checkpoint writer, the circuit and request threads share one.
 * Errors are {@link IOException}s naming the file; callers add what they were doing.
 */
public interface StorageBackend
{
    /** Suffix of the temporary file of {@link Writer#commit()}; such leftovers are garbage after a crash. */
    String TEMP_SUFFIX = ".tmp";

    /**
     * @return the local directory the names are relative to, or null if the files are not on a local file
     * system (then no one may bypass the backend with {@code java.nio.file}).
     */
    Path fileSystemPath();

    /**
     * @param name a file or a directory (ending in {@code '/'}).
     * @return whether it exists.
     */
    boolean exists(String name) throws IOException;

    /**
     * @return the size of a file in bytes.
     * @throws java.nio.file.NoSuchFileException naming the file if it does not exist.
     */
    long size(String name) throws IOException;

    /**
     * Reads a whole (small) file.
     *
     * @return its content, or null if there is no such file.
     */
    byte[] read(String name) throws IOException;

    /**
     * Reads from {@code offset} until {@code dst} is full or the file ends.
     *
     * @return bytes read (less than {@code dst.remaining()} only at the end of the file).
     * @throws java.nio.file.NoSuchFileException naming the file if it does not exist.
     */
    int read(String name, long offset, ByteBuffer dst) throws IOException;

    /**
     * Starts writing {@code name} (creating its directories). Nothing is visible under {@code name} until
     * {@link Writer#commit()}; closing without committing removes the temporary file.
     */
    Writer create(String name) throws IOException;

    /**
     * Durably replaces {@code name} with {@code content[offset, offset + length)}: {@link #create}, one write,
     * {@link Writer#commit()}.
     */
    default void writeDurably(final String name, final byte[] content, final int offset, final int length)
        throws IOException
    {
        try (Writer writer = create(name))
        {
            writer.write(ByteBuffer.wrap(content, offset, length));
            writer.commit();
        }
    }

    /**
     * Lists a directory's direct entries, sorted: files by name, subdirectories by name with a trailing
     * {@code '/'}, each relative to the backend's root ({@code "a/b"}, {@code "a/c/"}).
     *
     * @param directory {@code ""} for the root, else a directory name with or without the trailing {@code '/'}.
     * @return the entries; empty if the directory does not exist.
     */
    List<String> list(String directory) throws IOException;

    /**
     * Deletes a file, or an empty directory (name ending in {@code '/'}); nothing if it does not exist.
     *
     * @throws java.nio.file.DirectoryNotEmptyException naming the directory if it is not empty.
     */
    void delete(String name) throws IOException;

    /**
     * Makes a directory's entries (files created, renamed or deleted in it) durable; files written outside
     * {@link #create} (page files written with direct I/O) need it after their own fsync.
     *
     * @param directory {@code ""} for the root, else a directory name.
     */
    void syncDirectory(String directory) throws IOException;

    /**
     * A file being written; see {@link StorageBackend#create}. Not thread-safe: one thread writes it.
     */
    interface Writer extends AutoCloseable
    {
        /** Appends the remaining bytes of {@code src}. */
        void write(ByteBuffer src) throws IOException;

        /** The durable commit protocol: fsync, rename over the name, fsync the directory. Once. */
        void commit() throws IOException;

        /** Removes the temporary file unless committed; idempotent. */
        @Override
        void close() throws IOException;
    }

    /**
     * Checks a name against the rules above.
     *
     * @return the name.
     * @throws IllegalArgumentException naming the name and the rule it breaks.
     */
    static String checkName(final String name)
    {
        if (null == name || name.isEmpty() || name.startsWith("/") || name.contains("\\"))
        {
            throw new IllegalArgumentException("storage name '" + name + "' is not a relative '/'-separated name");
        }
        final String body = name.endsWith("/") ? name.substring(0, name.length() - 1) : name;
        for (final String segment : body.split("/", -1))
        {
            if (segment.isEmpty() || ".".equals(segment) || "..".equals(segment))
            {
                throw new IllegalArgumentException("storage name '" + name + "' has an empty, '.' or '..' segment");
            }
        }
        return name;
    }

    /** @return {@code directory} as a prefix: {@code ""} for the root, else with one trailing {@code '/'}. */
    static String directoryPrefix(final String directory)
    {
        if (directory.isEmpty())
        {
            return "";
        }
        checkName(directory);
        return directory.endsWith("/") ? directory : directory + "/";
    }
}
