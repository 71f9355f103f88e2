package dev.keel.nexmark;

import dev.keel.engine.data.ZSetBatch;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.IntRange;

import java.util.ArrayList;
import java.util.List;
import java.util.Random;

import static org.junit.jupiter.api.Assertions.*;

/**
 * Whatever way a run is cut into polls (record bounds, stop positions, restarts at journaled positions), an
 * endpoint produces exactly its table's events of the index range, in index order: the property exactly-once
 * recovery relies on.
 */
class NexmarkReplayPropertyTest
{
    private static final long EVENTS = 3000;

    @Property(tries = 40)
    void anyCutIntoPollsAndRestartsYieldsTheSameRecords(
        @ForAll final long seed,
        @ForAll @IntRange(min = 0, max = 2) final int tableOrdinal,
        @ForAll @IntRange(min = 1, max = 9) final int group,
        @ForAll final boolean lockstep,
        @ForAll @IntRange(min = 0, max = Integer.MAX_VALUE) final int schedule)
    {
        final NexmarkTable table = NexmarkTable.ofOrdinal(tableOrdinal);
        final NexmarkSettings settings = NexmarkSettings.builder().seed(seed).maxEvents(EVENTS)
            .outOfOrderGroupSize(group).lockstep(lockstep).build();

        final List<String> whole;
        try (NexmarkInputEndpoint endpoint = NexmarkInputEndpoint.create("nx", table, settings))
        {
            endpoint.open(0);
            final ZSetBatch batch = new ZSetBatch(table.schema());
            endpoint.poll(batch, Integer.MAX_VALUE, Long.MAX_VALUE);
            assertTrue(endpoint.endOfInput());
            whole = NexmarkEvents.rows(batch);
        }

        final Random random = new Random(schedule);
        final List<String> pieces = new ArrayList<>();
        final ZSetBatch batch = new ZSetBatch(table.schema());
        long position = 0;
        NexmarkInputEndpoint endpoint = NexmarkInputEndpoint.create("nx", table, settings);
        endpoint.open(0);
        while (!endpoint.endOfInput())
        {
            if (random.nextInt(10) == 0)
            {
                endpoint.close();
                endpoint = NexmarkInputEndpoint.create("nx", table, settings);
                endpoint.open(position);
            }
            final long stopAt = random.nextBoolean() ? Long.MAX_VALUE : position + random.nextInt(200);
            batch.clear();
            final int count = endpoint.poll(batch, 1 + random.nextInt(150), stopAt);
            assertEquals(count, batch.size());
            assertTrue(endpoint.position() <= Math.min(stopAt, EVENTS));
            assertTrue(endpoint.position() >= position);
            position = endpoint.position();
            pieces.addAll(NexmarkEvents.rows(batch));
        }
        endpoint.close();
        assertEquals(whole, pieces);
    }
}
