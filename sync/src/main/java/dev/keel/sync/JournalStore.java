package dev.keel.sync;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;

import static java.lang.System.Logger.Level.INFO;

/**
 * The journal chunks in the bucket: {@code <prefix>/journal/<checkpoint id>/<start>-<end>.kjc}, the positions
 * 19-digit zero-padded so that names sort by position. Each checkpoint has its own group: the chunks hold the
 * steps after it, so a chunk is deleted with the checkpoint it follows and a reader never needs another group.
 * Runs on the sync's worker thread.
 */
final class JournalStore
{
    static final String JOURNAL_DIR = "journal/";
    private static final String SUFFIX = ".kjc";
    private static final System.Logger LOGGER = RemoteReader.LOGGER;

    private final BucketPath bucket;
    private final RemoteReader reader;
    private final RemoteWriter writer;
    private final ProgressTracker progress;

    JournalStore(final BucketPath bucket, final RemoteReader reader, final RemoteWriter writer,
        final ProgressTracker progress)
    {
        this.bucket = bucket;
        this.reader = reader;
        this.writer = writer;
        this.progress = progress;
    }

    static String chunkName(final long startPosition, final long endPosition)
    {
        return String.format("%019d-%019d%s", startPosition, endPosition, SUFFIX);
    }

    String groupPrefix(final UUID checkpoint)
    {
        return bucket.key(JOURNAL_DIR + checkpoint + "/");
    }

    /** Reads the next chunk from {@code source} and uploads it; null when there was nothing new. */
    JournalChunk ship(final UUID checkpoint, final long fromPosition, final JournalSource source)
    {
        final JournalChunk chunk = source.readFrom(fromPosition);
        if (null == chunk)
        {
            return null;
        }
        if (chunk.startPosition() != fromPosition)
        {
            throw new IllegalStateException("journal source returned a chunk from " + chunk.startPosition() +
                " when asked for " + fromPosition);
        }
        writer.putNow(groupPrefix(checkpoint) + chunkName(chunk.startPosition(), chunk.endPosition()),
            chunk.bytes());
        progress.bytesUploaded.addAndGet(chunk.bytes().length);
        LOGGER.log(INFO, () -> "shipped journal [" + chunk.startPosition() + ", " + chunk.endPosition() + ") (" +
            chunk.recordCount() + " steps, " + chunk.bytes().length + " bytes) after checkpoint " + checkpoint +
            " to " + bucket);
        return chunk;
    }

    /**
     * Downloads every chunk of a checkpoint's group, in position order, and checks they form one range.
     *
     * @return the chunks; empty when none was shipped.
     */
    List<JournalChunk> pull(final UUID checkpoint)
    {
        final String prefix = groupPrefix(checkpoint);
        final Map<String, Long> listed = reader.listNow(prefix);
        final List<String> names = new ArrayList<>();
        for (final String name : listed.keySet())
        {
            if (name.endsWith(SUFFIX) && name.length() == 39 + SUFFIX.length())
            {
                names.add(name);
            }
        }
        names.sort(null);
        final List<JournalChunk> chunks = new ArrayList<>(names.size());
        long expected = -1;
        for (int i = 0; i < names.size(); i++)
        {
            final String name = names.get(i);
            final long start = Long.parseLong(name.substring(0, 19));
            final long end = Long.parseLong(name.substring(20, 39));
            if (i + 1 < names.size() && names.get(i + 1).startsWith(name.substring(0, 20)))
            {
                // the same range shipped again after an upload that failed but landed: take the longest
                continue;
            }
            if (expected >= 0 && start != expected)
            {
                throw SyncErrors.error(SyncErrors.JOURNAL_GAP, "the journal shipped after checkpoint " +
                    checkpoint + " to " + bucket + " has a gap: " + reader.url(prefix) + " ends at position " +
                    expected + " but the next chunk starts at " + start + "; the steps in between are lost");
            }
            final RemoteReader.Blob blob = reader.getNow(prefix + name);
            if (null == blob)
            {
                throw SyncErrors.error(SyncErrors.REMOTE_FILE_MISSING, reader.url(prefix + name) + " was listed " +
                    "but is gone");
            }
            chunks.add(new JournalChunk(start, end, -1, blob.bytes()));
            progress.bytesDownloaded.addAndGet(blob.bytes().length);
            expected = end;
        }
        return chunks;
    }

    /** Deletes the chunk groups of retired checkpoints; returns the keys that could not be deleted. */
    List<String> deleteGroups(final List<UUID> retired)
    {
        final List<String> keys = new ArrayList<>();
        for (final UUID id : retired)
        {
            final String prefix = groupPrefix(id);
            for (final String name : reader.listNow(prefix).keySet())
            {
                keys.add(prefix + name);
            }
        }
        return keys.isEmpty() ? List.of() : writer.deleteAllNow(keys);
    }
}
