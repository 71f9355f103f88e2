package dev.keel.sync;

import java.nio.file.Path;
import java.util.Objects;

/**
 * One immutable file of a committed checkpoint, named relative to the local storage root
 * ({@code checkpoints/<uuid>/pages-0000.dat}).
 * <p>
 * A name identifies its content for the lifetime of the storage: a checkpoint never rewrites a file another
 * checkpoint references. That is what lets a push skip files the bucket already has and a pull skip files the
 * local root already has; a remote or local file with the same name and another size is reported, not
 * silently replaced.
 * <p>
 * A <em>commit marker</em> (the checkpoint's manifest) is what makes the checkpoint visible to the local store:
 * it is uploaded after the data files and, on pull, written after every other file of the checkpoint.
 *
 * @param name         relative name, {@code /}-separated, without {@code .} or {@code ..} segments.
 * @param size         length in bytes.
 * @param commitMarker true for the manifest that commits the checkpoint locally.
 */
public record LocalFile(String name, long size, boolean commitMarker)
{
    /**
     * Validate the name and size.
     */
    public LocalFile
    {
        Objects.requireNonNull(name, "name");
        if (size < 0)
        {
            throw new IllegalArgumentException("file " + name + ": negative size " + size);
        }
        validateName(name);
    }

    /**
     * A data file.
     *
     * @param name relative name.
     * @param size length in bytes.
     * @return the file.
     */
    public static LocalFile data(final String name, final long size)
    {
        return new LocalFile(name, size, false);
    }

    /**
     * A commit marker (manifest).
     *
     * @param name relative name.
     * @param size length in bytes.
     * @return the file.
     */
    public static LocalFile marker(final String name, final long size)
    {
        return new LocalFile(name, size, true);
    }

    static void validateName(final String name)
    {
        if (name.isEmpty() || name.startsWith("/") || name.endsWith("/") || name.indexOf('\\') >= 0)
        {
            throw new IllegalArgumentException("file name " + quoted(name) +
                ": must be a relative /-separated path, not empty, without a leading or trailing /");
        }
        for (final String segment : name.split("/", -1))
        {
            if (segment.isEmpty() || ".".equals(segment) || "..".equals(segment))
            {
                throw new IllegalArgumentException("file name " + quoted(name) +
                    ": empty, . and .. segments are not allowed");
            }
        }
        for (int i = 0; i < name.length(); i++)
        {
            if (Character.isISOControl(name.charAt(i)))
            {
                throw new IllegalArgumentException("file name " + quoted(name) + ": control characters are not allowed");
            }
        }
    }

    /**
     * The local path of {@code name} under {@code root}, refusing a name that escapes it.
     */
    static Path resolve(final Path root, final String name)
    {
        final Path normalizedRoot = root.toAbsolutePath().normalize();
        final Path path = normalizedRoot.resolve(name).normalize();
        if (!path.startsWith(normalizedRoot))
        {
            throw SyncErrors.error(SyncErrors.LOCAL_IO, "file name " + name + " escapes the local root " + root);
        }
        return path;
    }

    private static String quoted(final String s)
    {
        return "\"" + s.replace("\n", "\\n").replace("\r", "\\r") + "\"";
    }
}
