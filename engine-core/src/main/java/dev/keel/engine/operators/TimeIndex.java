package dev.keel.engine.operators;

import dev.keel.engine.data.Hashing;
import dev.keel.engine.state.IndexedZSet;
import dev.keel.engine.state.MetaBuffer;
import dev.keel.engine.state.PagedArena;
import dev.keel.engine.state.Stateful;
import org.agrona.DirectBuffer;
import org.agrona.ExpandableDirectByteBuffer;
import org.agrona.concurrent.UnsafeBuffer;

import java.nio.ByteOrder;

/**
 * Groups of an {@link IndexedZSet} (a join side's index) listed by the event time that is part of their
 * key, so that the groups at or below a watermark can be freed. Entries are added when a group is created
 * and not removed when it empties: a stale entry only costs a failed lookup when its time closes.
 * Closing scans this index's slot table, and only when the smallest listed time is at or below the
 * watermark, which for windowed inputs is once per window.
 */
final class TimeIndex implements Stateful
{
    private static final ByteOrder LE = ByteOrder.LITTLE_ENDIAN;

    private final PagedArena arena;
    private final IndexedZSet times;
    private final IndexedZSet target;
    private final UnsafeBuffer timeKey = new UnsafeBuffer(new byte[8]);
    private final ExpandableDirectByteBuffer closing = new ExpandableDirectByteBuffer(256);
    private long minTime = Long.MAX_VALUE;

    TimeIndex(final PagedArena arena, final IndexedZSet target)
    {
        this.arena = arena;
        this.target = target;
        this.times = new IndexedZSet(arena, 0, 256, 1024);
    }

    /** Lists a group of the target, just created, under its time. */
    void added(final long time, final DirectBuffer key, final int keyOffset, final int keyLength)
    {
        timeKey.putLong(0, time, LE);
        times.add(timeKey, 0, 8, Hashing.hash(timeKey, 0, 8), key, keyOffset, keyLength, 1);
        minTime = Math.min(minTime, time);
    }

    /** Frees every target group whose time is at or below {@code watermark}. */
    void close(final long watermark)
    {
        if (minTime > watermark)
        {
            return;
        }
        int count = 0;
        long remainingMin = Long.MAX_VALUE;
        for (long slot = 0, slots = times.groupSlots(); slot < slots; slot++)
        {
            final long group = times.groupAt(slot);
            if (group != 0)
            {
                final long time = arena.getLong(times.groupKeyAddress(group));
                if (time <= watermark)
                {
                    closing.putLong(count * 8, time, LE);
                    count++;
                }
                else
                {
                    remainingMin = Math.min(remainingMin, time);
                }
            }
        }
        for (int i = 0; i < count; i++)
        {
            closeTime(closing.getLong(i * 8, LE));
        }
        minTime = remainingMin;
    }

    private void closeTime(final long time)
    {
        timeKey.putLong(0, time, LE);
        final long timeHash = Hashing.hash(timeKey, 0, 8);
        final long group = times.findGroup(timeKey, 0, 8, timeHash);
        for (long entry = times.firstEntry(group); entry != 0; entry = times.nextEntry(entry))
        {
            final long key = times.entryValueAddress(entry);
            final DirectBuffer page = arena.pageOf(key);
            final int offset = PagedArena.offset(key);
            final int length = times.entryValueLength(entry);
            final long keyHash = Hashing.hash(page, offset, length);
            final long targetGroup = target.findGroup(page, offset, length, keyHash);
            if (targetGroup != 0)
            {
                target.removeGroup(targetGroup, keyHash);
            }
        }
        times.removeGroup(group, timeHash);
    }

    public void saveMeta(final MetaBuffer meta)
    {
        times.saveMeta(meta);
        meta.putLong(minTime);
    }

    public void loadMeta(final MetaBuffer meta)
    {
        times.loadMeta(meta);
        minTime = meta.getLong();
    }
}
