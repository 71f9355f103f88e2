package dev.keel.checkpoint;

import dev.keel.engine.spi.LoadedCheckpoint;
import dev.keel.engine.spi.PendingCheckpoint;
import dev.keel.engine.state.PagedArena;

import java.nio.file.Path;
import java.util.Optional;
import java.util.Random;

/**
 * Child JVM of {@link CheckpointCrashTest}: restores the latest checkpoint if any, then runs deterministic steps
 * forever, checkpointing every third step while it keeps mutating (copy-on-write), until it is killed.
 */
public final class CrashChild
{
    static final int RECORDS = 4096;
    static final int RECORD_LENGTH = 4096;
    static final int WRITES_PER_STEP = 24;

    private CrashChild()
    {
    }

    public static void main(final String[] args) throws Exception
    {
        final Path storage = Path.of(args[0]);
        final long seed = Long.parseLong(args[1]);
        final PagedArena arena = new PagedArena(64, false);
        final long[] addresses = allocate(arena);
        long step = 0;
        try (FileCheckpointStore store = new FileCheckpointStore(new FileCheckpointStore.Context().storageDir(storage)))
        {
            final Optional<LoadedCheckpoint> loaded = store.loadLatest();
            if (loaded.isPresent())
            {
                store.restoreInto(loaded.get(), arena);
                step = loaded.get().metadata().step();
            }
            System.out.println("started at step " + step);
            System.out.flush();
            PendingCheckpoint pending = null;
            PagedArena.Snapshot snapshot = null;
            while (true)
            {
                step++;
                applyStep(arena, addresses, seed, step);
                if (null != pending)
                {
                    if (null != pending.failure())
                    {
                        throw new IllegalStateException("checkpoint failed", pending.failure());
                    }
                    if (pending.isWritten())
                    {
                        snapshot.close();
                        CheckpointTestSupport.commit(pending);
                        pending = null;
                    }
                }
                else if (step % 3 == 0)
                {
                    snapshot = arena.freeze();
                    pending = store.begin(CheckpointTestSupport.metadata(step, new byte[0]), snapshot);
                }
                Thread.sleep(0, 200_000);
            }
        }
    }

    static long[] allocate(final PagedArena arena)
    {
        final long[] addresses = new long[RECORDS];
        for (int i = 0; i < RECORDS; i++)
        {
            addresses[i] = arena.allocateZeroed(RECORD_LENGTH);
        }
        return addresses;
    }

    static long value(final long step, final int record)
    {
        return step * 1_000_003L + record;
    }

    static void applyStep(final PagedArena arena, final long[] addresses, final long seed, final long step)
    {
        final Random random = new Random(seed * 1_000_003L + step);
        for (int j = 0; j < WRITES_PER_STEP; j++)
        {
            final int i = random.nextInt(RECORDS);
            final long value = value(step, i);
            arena.putLong(addresses[i], value);
            arena.putLong(addresses[i] + RECORD_LENGTH / 2, ~value);
            arena.putLong(addresses[i] + RECORD_LENGTH - 8, value * 31);
        }
    }

    /** Expected first long of every record after {@code steps} steps. */
    static long[] model(final long seed, final long steps)
    {
        final long[] values = new long[RECORDS];
        for (long step = 1; step <= steps; step++)
        {
            final Random random = new Random(seed * 1_000_003L + step);
            for (int j = 0; j < WRITES_PER_STEP; j++)
            {
                final int i = random.nextInt(RECORDS);
                values[i] = value(step, i);
            }
        }
        return values;
    }
}
