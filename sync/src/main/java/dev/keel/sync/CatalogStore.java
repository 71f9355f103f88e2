package dev.keel.sync;

import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * The remote layout's metadata as one writer sees it: the owner marker, the catalog with the ETag it was read or
 * written with, and the listing of {@code files/}. Owned by the sync thread, except {@link #remoteFileUploaded},
 * which upload completions call.
 * <p>
 * The catalog is the commit point and is only ever replaced with {@code If-Match: <ETag>}; a lost race
 * invalidates the cached index so the next push reads the bucket again.
 */
final class CatalogStore
{
    private static final String OWNER_MAGIC = "KEEL-SYNC-OWNER 1";

    private final SyncContext ctx;
    private final SyncSettings settings;
    private final BucketPath bucket;
    private final RemoteReader reader;
    private final RemoteWriter writer;
    private final SyncStatuses statuses;

    private boolean ownerVerified;
    private Map<String, Long> remoteFiles;
    private Catalog catalog;
    private String catalogETag;

    /**
     * @param writer null on a read-only instance: then only {@link #readCatalog()} and {@link #fileKey} are used.
     */
    CatalogStore(
        final SyncContext ctx,
        final BucketPath bucket,
        final RemoteReader reader,
        final RemoteWriter writer,
        final SyncStatuses statuses)
    {
        this.ctx = ctx;
        this.settings = ctx.settings();
        this.bucket = bucket;
        this.reader = reader;
        this.writer = writer;
        this.statuses = statuses;
    }

    /**
     * The catalog read by {@link #ensureIndex()} or written last.
     */
    Catalog catalog()
    {
        return catalog;
    }

    /**
     * Size of a file under {@code files/} as listed or uploaded, or null when the bucket does not have it.
     */
    synchronized Long remoteSize(final String name)
    {
        return remoteFiles.get(name);
    }

    synchronized void remoteFileUploaded(final String name, final long size)
    {
        remoteFiles.put(name, size);
    }

    synchronized void remoteFileDeleted(final String name)
    {
        remoteFiles.remove(name);
    }

    void ensureOwner()
    {
        if (ownerVerified)
        {
            return;
        }
        final String key = bucket.key(S3CheckpointSync.OWNER_OBJECT);
        final byte[] marker = (OWNER_MAGIC + "\nowner " + ctx.ownerId() + "\ncreated " + ctx.clock().instant() + "\n")
            .getBytes(StandardCharsets.UTF_8);
        if (!writer.putIfAbsentNow(key, marker))
        {
            final RemoteReader.Blob existing = writer.getNow(key);
            final String owner = null == existing ? null : parseOwner(existing.bytes());
            if (!ctx.ownerId().equals(owner))
            {
                throw SyncErrors.error(SyncErrors.OWNER_CONFLICT, "bucket " + bucket.name() + " prefix \"" +
                    bucket.prefix() + "\" is owned by \"" + owner + "\" (" + reader.url(key) + "); this node is \"" +
                    ctx.ownerId() + "\" and refuses to write there. Use another prefix, or delete " +
                    reader.url(key) + " once \"" + owner + "\" no longer writes");
            }
        }
        ownerVerified = true;
    }

    private static String parseOwner(final byte[] bytes)
    {
        for (final String line : new String(bytes, StandardCharsets.UTF_8).split("\n"))
        {
            if (line.startsWith("owner "))
            {
                return line.substring("owner ".length());
            }
        }
        return "<unreadable owner marker>";
    }

    void ensureIndex()
    {
        if (null != remoteFiles && null != catalog)
        {
            return;
        }
        final RemoteReader.Blob blob = reader.getNow(bucket.key(S3CheckpointSync.CATALOG_OBJECT));
        final Map<String, Long> listed = reader.listNow(bucket.key(S3CheckpointSync.FILES_DIR));
        if (null == blob)
        {
            catalog = new Catalog(ctx.ownerId(), 0, List.of());
            catalogETag = null;
        }
        else
        {
            catalog = decodeCatalog(blob.bytes());
            catalogETag = blob.eTag();
            if (!catalog.checkpoints.isEmpty())
            {
                statuses.seedLastSuccessful(catalog.checkpoints.get(0).id());
            }
        }
        remoteFiles = new HashMap<>(listed);
    }

    void invalidateIndex()
    {
        remoteFiles = null;
        catalog = null;
        catalogETag = null;
    }

    void writeCatalog(final Catalog next)
    {
        final String key = bucket.key(S3CheckpointSync.CATALOG_OBJECT);
        final byte[] bytes = next.encode();
        String eTag = writer.putConditionalNow(key, bytes, catalogETag);
        if (null == eTag)
        {
            // A retried attempt may have been applied before its answer was lost: then the catalog is ours.
            final RemoteReader.Blob current = writer.getNow(key);
            if (null != current && Arrays.equals(current.bytes(), bytes))
            {
                eTag = current.eTag();
            }
            else
            {
                final long generation = catalog.generation;
                invalidateIndex();
                throw SyncErrors.error(SyncErrors.CATALOG_CONFLICT, reader.url(key) + " changed since this node " +
                    "read it (generation " + generation + "): another writer or a manual edit. Uploaded files stay; " +
                    "the next push reads the catalog again");
            }
        }
        catalog = next;
        catalogETag = eTag;
    }

    Catalog readCatalog()
    {
        final String key = bucket.key(S3CheckpointSync.CATALOG_OBJECT);
        final RemoteReader.Blob blob = reader.getNow(key);
        if (null == blob)
        {
            if (reader.anyObjectNow())
            {
                throw SyncErrors.error(SyncErrors.CATALOG_MISSING, reader.url(key) + " does not exist but " + bucket +
                    " holds other objects: the catalog was deleted or a push never completed. Refusing to treat " +
                    "this as \"no checkpoint\"; restore the catalog or empty the prefix");
            }
            return null;
        }
        return decodeCatalog(blob.bytes());
    }

    Catalog decodeCatalog(final byte[] bytes)
    {
        try
        {
            return Catalog.decode(bytes, reader.url(bucket.key(S3CheckpointSync.CATALOG_OBJECT)));
        }
        catch (final IllegalArgumentException ex)
        {
            throw SyncErrors.error(SyncErrors.CATALOG_CORRUPT, ex.getMessage(), ex, settings);
        }
    }

    String fileKey(final String name)
    {
        return bucket.key(S3CheckpointSync.FILES_DIR + name);
    }
}
