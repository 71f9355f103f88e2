package dev.keel.checkpoint;

import dev.keel.engine.state.PagedArena;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;

/**
 * Writes the golden checkpoint directory of a format version (run once per released version, then committed
 * under {@code src/test/resources/golden/v<N>/}): {@code java -cp ... dev.keel.checkpoint.GoldenFiles <storage>}.
 * {@link GoldenFilesTest} checks that it keeps loading.
 */
public final class GoldenFiles
{
    static final byte[] PROGRAM_META = "golden program meta v1".getBytes(StandardCharsets.UTF_8);
    static final int PAGES = 3;

    private GoldenFiles()
    {
    }

    /** Arena content at the first (step 1) and second (step 2) checkpoint. */
    static PagedArena build(final boolean second)
    {
        final PagedArena arena = new PagedArena(4, false);
        for (int i = 0; i < PAGES; i++)
        {
            final long address = arena.allocateZeroed(PagedArena.PAGE_SIZE);
            arena.putLong(address, 1000 + i);
            arena.putLong(address + PagedArena.PAGE_SIZE - 8, 2000 + i);
        }
        if (second)
        {
            arena.putLong(2L << PagedArena.PAGE_SHIFT, 4242);
        }
        return arena;
    }

    public static void main(final String[] args)
    {
        final Path storage = Path.of(args[0]);
        final PagedArena arena = build(false);
        try (FileCheckpointStore store = new FileCheckpointStore(new FileCheckpointStore.Context()
            .storageDir(storage).pagesPerFile(2)))
        {
            CheckpointTestSupport.checkpoint(store, arena, 1, PROGRAM_META);
            arena.putLong(2L << PagedArena.PAGE_SHIFT, 4242);
            CheckpointTestSupport.checkpoint(store, arena, 2, PROGRAM_META);
        }
    }
}
