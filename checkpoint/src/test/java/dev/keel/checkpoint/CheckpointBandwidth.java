package dev.keel.checkpoint;

import dev.keel.engine.spi.LoadedCheckpoint;
import dev.keel.engine.spi.PendingCheckpoint;
import dev.keel.engine.state.PagedArena;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.ThreadLocalRandom;

/**
 * Measurement, not a test: checkpoint write bandwidth, freeze() stall and restore time for a given amount of
 * dirty state. {@code java -cp ... dev.keel.checkpoint.CheckpointBandwidth <dir> <MiB> [directIo=true] [runs=3]}.
 * The directory must not exist yet or be empty; it is left with the last checkpoints (delete it afterwards).
 */
public final class CheckpointBandwidth
{
    private CheckpointBandwidth()
    {
    }

    public static void main(final String[] args) throws Exception
    {
        final Path storage = Path.of(args[0]);
        final int mib = Integer.parseInt(args[1]);
        final boolean directIo = args.length < 3 || Boolean.parseBoolean(args[2]);
        final int runs = args.length < 4 ? 3 : Integer.parseInt(args[3]);
        final int pages = mib * 16;
        Files.createDirectories(storage);
        final PagedArena arena = new PagedArena(1024, true);
        final long[] addresses = new long[pages];
        for (int i = 0; i < pages; i++)
        {
            addresses[i] = arena.allocate(PagedArena.PAGE_SIZE);
        }
        final FileCheckpointStore.Context ctx = new FileCheckpointStore.Context().storageDir(storage)
            .directIo(directIo).retainedCheckpoints(1);
        try (FileCheckpointStore store = new FileCheckpointStore(ctx))
        {
            for (int run = 0; run < runs; run++)
            {
                for (int i = 0; i < pages; i++)
                {
                    for (int off = 0; off < PagedArena.PAGE_SIZE; off += 512)
                    {
                        arena.putLong(addresses[i] + off, ThreadLocalRandom.current().nextLong());
                    }
                }
                final long t0 = System.nanoTime();
                final PagedArena.Snapshot snapshot = arena.freeze();
                final long t1 = System.nanoTime();
                final PendingCheckpoint pending = store.begin(CheckpointTestSupport.metadata(run + 1, new byte[0]),
                    snapshot);
                final long t2 = System.nanoTime();
                while (!pending.isWritten())
                {
                    if (null != pending.failure())
                    {
                        throw new IllegalStateException(pending.failure());
                    }
                    Thread.onSpinWait();
                }
                final long t3 = System.nanoTime();
                snapshot.close();
                CheckpointTestSupport.commit(pending);
                final long t4 = System.nanoTime();
                final double bytes = (double)snapshot.pageCount() * PagedArena.PAGE_SIZE;
                System.out.printf("run %d: %d dirty pages (%.0f MiB), O_DIRECT=%s: freeze %.3f ms, begin %.3f ms, " +
                    "write+fsync %.1f ms = %.0f MB/s, commit %.2f ms, end to end %.0f MB/s%n",
                    run, snapshot.pageCount(), bytes / (1 << 20), store.directIoEnabled(), (t1 - t0) / 1e6,
                    (t2 - t1) / 1e6, (t3 - t2) / 1e6, bytes / ((t3 - t2) / 1e9) / 1e6, (t4 - t3) / 1e6,
                    bytes / ((t4 - t0) / 1e9) / 1e6);
            }
            final PagedArena fresh = new PagedArena(1024, true);
            for (int i = 0; i < pages; i++)
            {
                fresh.allocate(PagedArena.PAGE_SIZE);
            }
            final LoadedCheckpoint loaded = store.loadLatest().orElseThrow();
            final long r0 = System.nanoTime();
            store.restoreInto(loaded, fresh);
            final long r1 = System.nanoTime();
            System.out.printf("restore (page cache state as left by the write): %d pages in %.1f ms = %.0f MB/s%n",
                pages, (r1 - r0) / 1e6, (double)pages * PagedArena.PAGE_SIZE / ((r1 - r0) / 1e9) / 1e6);
        }
    }
}
