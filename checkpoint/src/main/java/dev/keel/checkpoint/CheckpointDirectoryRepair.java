package dev.keel.checkpoint;

import dev.keel.engine.KeelException;
import dev.keel.engine.storage.StorageBackend;
import org.agrona.ExpandableArrayBuffer;
import org.agrona.concurrent.UnsafeBuffer;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.function.Supplier;

/**
 * Reads the checkpoint directory's catalog, CURRENT and manifests into a {@link CatalogState}, refusing the
 * states recovery cannot prove safe, and (at open, not on a reload) repairing the ones it can: CURRENT missing
 * or behind the catalog's newest entry is moved forward; temp files and files no retained manifest references
 * are deleted, unless a retained manifest is unreadable (then its references are unknown and nothing is).
 * <p>
 * Refused, naming the file and {@code keel checkpoint verify}: a missing catalog next to checkpoint
 * directories, a corrupt catalog or CURRENT, CURRENT naming a checkpoint outside the catalog, a manifest
 * referencing a missing file. Runs on the thread that opens or reloads the store, before or between commits.
 */
final class CheckpointDirectoryRepair
{
    private static final System.Logger LOGGER = System.getLogger(FileCheckpointStore.class.getName());

    private final StorageBackend backend;
    private final Path dir;
    private final ExpandableArrayBuffer encodeBuffer = new ExpandableArrayBuffer(256);

    CheckpointDirectoryRepair(final StorageBackend backend, final Path dir)
    {
        this.backend = backend;
        this.dir = dir;
    }

    /**
     * @param repair true at open (write CURRENT, delete garbage), false on a reload (read and check only: files
     *               may have been added from outside, e.g. by a standby's pull).
     * @return the catalog as found.
     */
    CatalogState load(final boolean repair) throws IOException
    {
        final byte[] catalogBytes = backend.read(CheckpointFormat.CATALOG);
        final Path catalogPath = dir.resolve(CheckpointFormat.CATALOG);
        if (null == catalogBytes)
        {
            final List<String> dirs = subdirectories();
            if (!dirs.isEmpty())
            {
                throw refuse("CHECKPOINT_CATALOG_MISSING", catalogPath + " is missing but checkpoint directories " +
                    "exist (" + trimSlash(dirs.get(0)) + (dirs.size() > 1 ? " and " + (dirs.size() - 1) +
                    " more" : "") + "); refusing to guess which are committed");
            }
            final CatalogState empty = new CatalogState(List.of(), Map.of(), Map.of());
            if (repair)
            {
                deleteTempFiles();
                final int length = Catalog.encode(List.of(), encodeBuffer);
                backend.writeDurably(CheckpointFormat.CATALOG, encodeBuffer.byteArray(), 0, length);
            }
            return empty;
        }
        final List<Catalog.Entry> catalog = decodeOrRefuse(
            () -> Catalog.decode(new UnsafeBuffer(catalogBytes), catalogPath.toString()));
        final Path currentPath = dir.resolve(CheckpointFormat.CURRENT);
        final byte[] currentBytes = backend.read(CheckpointFormat.CURRENT);
        int currentIndex = -1;
        if (null != currentBytes)
        {
            final UUID current = decodeOrRefuse(
                () -> Catalog.decodeCurrent(new UnsafeBuffer(currentBytes), currentPath.toString()));
            for (int i = 0; i < catalog.size(); i++)
            {
                if (catalog.get(i).id().equals(current))
                {
                    currentIndex = i;
                }
            }
            if (currentIndex < 0)
            {
                throw refuse("CHECKPOINT_CURRENT_UNKNOWN", currentPath + " names checkpoint " + current +
                    ", which the catalog does not list");
            }
        }
        final Map<UUID, Manifest> manifests = new LinkedHashMap<>();
        final Map<UUID, String> unreadable = new LinkedHashMap<>();
        for (final Catalog.Entry entry : catalog)
        {
            readManifest(entry.id(), manifests, unreadable);
        }
        final CatalogState state = new CatalogState(catalog, manifests, unreadable);
        if (!repair)
        {
            return state;
        }
        if (currentIndex < catalog.size() - 1)
        {
            // A catalog entry exists only once its manifest is durable and the commit was requested (all output
            // of its steps delivered), so moving the pointer forward is safe; the crash hit between catalog and
            // CURRENT. Nothing is deleted for it.
            final Catalog.Entry newest = state.newest();
            LOGGER.log(System.Logger.Level.WARNING, currentPath + (null == currentBytes ? " is missing" :
                " is behind the catalog") + ": moving it forward to " + newest.id() + " (step " + newest.step() + ")");
            final int length = Catalog.encodeCurrent(newest, encodeBuffer);
            backend.writeDurably(CheckpointFormat.CURRENT, encodeBuffer.byteArray(), 0, length);
        }
        deleteTempFiles();
        if (unreadable.isEmpty())
        {
            for (final String name : unreferenced(state.referencedNames()))
            {
                backend.delete(name);
            }
        }
        else
        {
            LOGGER.log(System.Logger.Level.WARNING, "not removing unreferenced checkpoint files in " + dir +
                " because some manifests are unreadable: " + unreadable.values());
        }
        return state;
    }

    private void readManifest(final UUID id, final Map<UUID, Manifest> manifests, final Map<UUID, String> unreadable)
        throws IOException
    {
        final String name = id + "/" + CheckpointFormat.MANIFEST;
        final Path manifestPath = dir.resolve(name);
        try
        {
            final byte[] bytes = backend.read(name);
            if (null == bytes)
            {
                unreadable.put(id, manifestPath + " is missing");
                return;
            }
            final Manifest manifest = Manifest.decode(new UnsafeBuffer(bytes), manifestPath.toString());
            for (final FileRef file : manifest.files)
            {
                if (!backend.exists(file.name))
                {
                    throw refuse("CHECKPOINT_FILE_MISSING", manifestPath + " references " +
                        dir.resolve(file.name) + ", which is missing");
                }
            }
            manifests.put(id, manifest);
        }
        catch (final KeelException ex)
        {
            if (!"CHECKPOINT_CORRUPT".equals(ex.code()))
            {
                throw ex;
            }
            unreadable.put(id, ex.getMessage());
        }
    }

    /**
     * Files in checkpoint directories that {@code referenced} does not name, then the directories that are left
     * empty by deleting them (a directory after its files, so the list can be deleted in order). Top-level files
     * other than temp files are never listed: CURRENT, catalog, and the checkpoint requests' files live there.
     */
    List<String> unreferenced(final Set<String> referenced) throws IOException
    {
        final List<String> garbage = new ArrayList<>();
        for (final String sub : subdirectories())
        {
            boolean empty = true;
            for (final String file : backend.list(sub))
            {
                if (referenced.contains(file))
                {
                    empty = false;
                }
                else
                {
                    garbage.add(file);
                }
            }
            if (empty)
            {
                garbage.add(sub);
            }
        }
        return garbage;
    }

    private void deleteTempFiles() throws IOException
    {
        for (final String name : backend.list(""))
        {
            if (name.endsWith(CheckpointFormat.TEMP_SUFFIX))
            {
                backend.delete(name);
                LOGGER.log(System.Logger.Level.INFO, "removed leftover " + dir.resolve(name));
            }
        }
    }

    private List<String> subdirectories() throws IOException
    {
        final List<String> dirs = new ArrayList<>();
        for (final String name : backend.list(""))
        {
            if (name.endsWith("/"))
            {
                dirs.add(name);
            }
        }
        return dirs;
    }

    private static String trimSlash(final String directory)
    {
        return directory.substring(0, directory.length() - 1);
    }

    private KeelException refuse(final String code, final String message)
    {
        return new KeelException(KeelException.Category.STORAGE, code, message + "; " +
            CheckpointFormat.toolHint(dir));
    }

    private <T> T decodeOrRefuse(final Supplier<T> decode)
    {
        try
        {
            return decode.get();
        }
        catch (final KeelException ex)
        {
            throw refuse("CHECKPOINT_ROOT_CORRUPT", ex.getMessage());
        }
    }
}
