package dev.keel.checkpoint;

import java.security.SecureRandom;
import java.util.SplittableRandom;
import java.util.UUID;

/**
 * Random (version 4) UUIDs for the checkpoints of one store, drawn on the owner thread at {@code begin}, i.e.
 * inside the circuit's checkpoint stall. {@link UUID#randomUUID()} takes a lock and a {@link SecureRandom} read
 * per id, which costs tens of microseconds in code that runs once a checkpoint (never compiled); ids need to be
 * unique, not unpredictable, so one seed from {@link SecureRandom} per store and a {@link SplittableRandom} after
 * it give the same 122 random bits for a few nanoseconds. Owner thread only.
 */
final class CheckpointIds
{
    private final SplittableRandom random = new SplittableRandom(new SecureRandom().nextLong());

    /** @return a new version 4, IETF variant UUID. */
    UUID next()
    {
        final long most = (random.nextLong() & 0xFFFF_FFFF_FFFF_0FFFL) | 0x0000_0000_0000_4000L;
        final long least = (random.nextLong() & 0x3FFF_FFFF_FFFF_FFFFL) | 0x8000_0000_0000_0000L;
        return new UUID(most, least);
    }
}
