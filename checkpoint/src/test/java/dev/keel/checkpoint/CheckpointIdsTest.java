package dev.keel.checkpoint;

import org.junit.jupiter.api.Test;

import java.util.HashSet;
import java.util.Set;
import java.util.UUID;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

class CheckpointIdsTest
{
    @Test
    void idsAreVersion4UuidsThatRoundTripThroughTheirText()
    {
        final CheckpointIds ids = new CheckpointIds();
        final Set<UUID> seen = new HashSet<>();
        for (int i = 0; i < 10_000; i++)
        {
            final UUID id = ids.next();
            assertEquals(4, id.version(), id.toString());
            assertEquals(2, id.variant(), id.toString());
            assertEquals(id, UUID.fromString(id.toString()));
            assertTrue(seen.add(id), "duplicate " + id);
        }
    }

    @Test
    void twoStoresDrawDifferentIds()
    {
        final UUID first = new CheckpointIds().next();
        final UUID second = new CheckpointIds().next();
        assertTrue(!first.equals(second), first + " twice");
    }
}
