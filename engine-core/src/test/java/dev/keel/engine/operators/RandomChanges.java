package dev.keel.engine.operators;

import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.function.Function;

/**
 * Random deltas for one input table, keeping the integrated input (the reference's view of the table):
 * inserts of fresh random rows, retractions of rows inserted earlier (never below zero overall), and
 * for Z-set tables weights of magnitude above one and rows inserted and retracted within the same step
 * (in random order, so weights go transiently negative inside a step).
 */
final class RandomChanges
{
    private final Random random;
    private final Function<Random, List<Object>> rows;
    private final boolean zset;
    private final Map<List<Object>, Long> live = new HashMap<>();

    RandomChanges(final Random random, final boolean zset, final Function<Random, List<Object>> rows)
    {
        this.random = random;
        this.zset = zset;
        this.rows = rows;
    }

    /** The integrated input after the changes handed out so far. */
    Map<List<Object>, Long> live()
    {
        return live;
    }

    List<Change> next(final int inserts, final int deletes)
    {
        final List<Change> changes = new ArrayList<>();
        for (int i = 0; i < inserts; i++)
        {
            final long weight = zset ? 1 + random.nextInt(3) : 1;
            changes.add(new Change(rows.apply(random), weight));
        }
        if (!live.isEmpty())
        {
            final List<List<Object>> candidates = new ArrayList<>(live.keySet());
            candidates.sort(Harnesses.ROW_ORDER); // HashMap order is not seeded: keep runs reproducible
            final Map<List<Object>, Long> retracted = new HashMap<>();
            for (int i = 0; i < deletes; i++)
            {
                final List<Object> row = candidates.get(random.nextInt(candidates.size()));
                final long available = live.get(row) - retracted.getOrDefault(row, 0L);
                if (available > 0)
                {
                    final long weight = zset ? 1 + random.nextInt((int)Math.min(available, 3)) : 1;
                    retracted.merge(row, weight, Long::sum);
                    changes.add(new Change(row, -weight));
                }
            }
        }
        if (zset && random.nextInt(3) == 0)
        {
            final List<Object> churn = rows.apply(random);
            final long weight = 1 + random.nextInt(2);
            changes.add(new Change(churn, weight));
            changes.add(new Change(churn, -weight));
        }
        Collections.shuffle(changes, random);
        for (final Change change : changes)
        {
            ZSets.add(live, change.row(), change.weight());
        }
        return changes;
    }
}
