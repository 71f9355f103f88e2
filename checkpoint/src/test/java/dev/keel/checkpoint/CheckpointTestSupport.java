package dev.keel.checkpoint;

import dev.keel.engine.spi.CheckpointMetadata;
import dev.keel.engine.spi.PendingCheckpoint;
import dev.keel.engine.state.PagedArena;
import org.agrona.DirectBuffer;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.TreeMap;
import java.util.stream.Stream;
import java.util.zip.CRC32C;

import static org.junit.jupiter.api.Assertions.assertEquals;

final class CheckpointTestSupport
{
    private CheckpointTestSupport()
    {
    }

    static CheckpointMetadata metadata(final long step, final byte[] programMeta)
    {
        final Map<String, Long> inputs = new LinkedHashMap<>();
        inputs.put("orders", step * 100);
        inputs.put("quotes", step * 7);
        final Map<String, CheckpointMetadata.OutputPosition> outputs = new LinkedHashMap<>();
        outputs.put("positions", new CheckpointMetadata.OutputPosition(step * 3, step));
        return new CheckpointMetadata(0xFEEDL, step, step + 1000, step * 4096, inputs, outputs, programMeta,
            "exactly_once", 1_700_000_000_000L + step);
    }

    /** Waits (bounded) for the writer; fails on a write error. No JUnit here: the crash child uses it too. */
    static void awaitWritten(final PendingCheckpoint pending)
    {
        final long deadline = System.nanoTime() + 30_000_000_000L;
        while (!pending.isWritten())
        {
            if (null != pending.failure())
            {
                throw new AssertionError("checkpoint write failed", pending.failure());
            }
            if (System.nanoTime() > deadline)
            {
                throw new AssertionError("checkpoint " + pending.id() + " not written within 30 s");
            }
            Thread.onSpinWait();
        }
    }

    /**
     * Requests the commit and waits (bounded) until it is durable, as the circuit does over several duty cycles;
     * rethrows a commit failure. No JUnit here: the crash child uses it too.
     */
    static java.util.UUID commit(final PendingCheckpoint pending)
    {
        pending.requestCommit();
        return awaitCommitted(pending);
    }

    /** Waits (bounded) until a requested commit is durable; rethrows its failure. */
    static java.util.UUID awaitCommitted(final PendingCheckpoint pending)
    {
        final long deadline = System.nanoTime() + 30_000_000_000L;
        while (!pending.isCommitted())
        {
            final Throwable failure = pending.failure();
            if (failure instanceof RuntimeException)
            {
                throw (RuntimeException)failure;
            }
            if (null != failure)
            {
                throw new AssertionError("checkpoint commit failed", failure);
            }
            if (System.nanoTime() > deadline)
            {
                throw new AssertionError("checkpoint " + pending.id() + " not committed within 30 s");
            }
            Thread.onSpinWait();
        }
        return pending.id();
    }

    /** Freezes, writes and commits one checkpoint. */
    static java.util.UUID checkpoint(
        final FileCheckpointStore store, final PagedArena arena, final long step, final byte[] programMeta)
    {
        final PagedArena.Snapshot snapshot = arena.freeze();
        final PendingCheckpoint pending = store.begin(metadata(step, programMeta), snapshot);
        awaitWritten(pending);
        snapshot.close();
        return commit(pending);
    }

    /** Asserts that two arenas hold the same pages and allocator state. */
    static void assertSameArena(final PagedArena expected, final PagedArena actual)
    {
        assertEquals(expected.pageCount(), actual.pageCount(), "page count");
        assertEquals(expected.allocatedBytes(), actual.allocatedBytes(), "allocated bytes");
        for (int page = 1; page < expected.pageCount(); page++)
        {
            assertEquals(pageCrc(expected, page), pageCrc(actual, page), "content of page " + page);
        }
    }

    static long pageCrc(final PagedArena arena, final int page)
    {
        final DirectBuffer buffer = arena.pageOf((long)page << PagedArena.PAGE_SHIFT);
        final byte[] bytes = new byte[PagedArena.PAGE_SIZE];
        buffer.getBytes(0, bytes);
        final CRC32C crc = new CRC32C();
        crc.update(bytes);
        return crc.getValue();
    }

    /** Path (relative) to size + CRC of every file under {@code root}, for "nothing changed" checks. */
    static Map<String, String> fingerprintTree(final Path root) throws IOException
    {
        final Map<String, String> result = new TreeMap<>();
        try (Stream<Path> paths = Files.walk(root))
        {
            for (final Path path : (Iterable<Path>)paths::iterator)
            {
                final String name = root.relativize(path).toString();
                if (Files.isDirectory(path))
                {
                    result.put(name + "/", "dir");
                }
                else
                {
                    final CRC32C crc = new CRC32C();
                    crc.update(Files.readAllBytes(path));
                    result.put(name, Files.size(path) + ":" + crc.getValue() + ":" + Files.getLastModifiedTime(path));
                }
            }
        }
        return result;
    }
}
