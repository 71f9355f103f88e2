package dev.keel.engine.operators;

import dev.keel.engine.data.Column;
import dev.keel.engine.data.ColumnType;
import dev.keel.engine.data.Schema;
import dev.keel.engine.program.Stream;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;

import static dev.keel.engine.operators.ZSets.row;
import static org.junit.jupiter.api.Assertions.*;

/**
 * The shape of Nexmark q8 (people who registered and opened an auction in the same 10 s tumbling window):
 * window both sides, windowed join on (id, window_end), project, distinct. With in-order event time no row
 * is late, the result equals the batch definition, and the join's state holds only the open window.
 */
class WindowedJoinQ8Test
{
    static final long WINDOW = 10_000_000L;
    static final Schema PERSON = Schema.of(
        Column.of("id", ColumnType.INT64), Column.of("name", ColumnType.STRING),
        Column.of("date_time", ColumnType.TIMESTAMP));
    static final Schema AUCTION = Schema.of(
        Column.of("seller", ColumnType.INT64), Column.of("date_time", ColumnType.TIMESTAMP));
    static final Schema Q8 = Schema.of(
        Column.of("id", ColumnType.INT64), Column.of("name", ColumnType.STRING),
        Column.of("window_start", ColumnType.TIMESTAMP));

    @Property(tries = 10)
    void q8OverInOrderEvents(@ForAll final long seed)
    {
        final Random random = new Random(seed);
        try (Harness harness = new Harness(program ->
        {
            final Stream people = program.table("person", PERSON).window("pw", "date_time", WINDOW, WINDOW);
            final Stream auctions = program.table("auction", AUCTION).window("aw", "date_time", WINDOW, WINDOW);
            final Stream joined = people.windowedJoin("q8_join", auctions,
                new String[]{ "id", "window_end" }, new String[]{ "seller", "window_end" }, "window_end",
                "window_end", 0, JoinType.INNER, Q8,
                (p, a, out) -> out.copyColumn(0, p, 0).copyColumn(1, p, 1).copyColumn(2, p, 3), "1");
            program.view("q8", joined.distinct("q8"));
        }))
        {
            final List<List<Object>> people = new ArrayList<>();
            final List<List<Object>> auctions = new ArrayList<>();
            long now = 0;
            for (int step = 0; step < 60; step++)
            {
                final List<Change> newPeople = new ArrayList<>();
                final List<Change> newAuctions = new ArrayList<>();
                for (int i = random.nextInt(4); i > 0; i--)
                {
                    now += random.nextInt(1_500_000);
                    final List<Object> person = row((long)random.nextInt(8), "p" + random.nextInt(3), now);
                    people.add(person);
                    newPeople.add(new Change(person, 1));
                    if (random.nextBoolean())
                    {
                        final List<Object> auction = row((long)random.nextInt(8), now);
                        auctions.add(auction);
                        newAuctions.add(new Change(auction, 1));
                    }
                }
                final Map<String, List<Change>> inputs = new HashMap<>();
                inputs.put("person", newPeople);
                inputs.put("auction", newAuctions);
                harness.step(inputs);

                final Set<String> sellerWindows = new HashSet<>();
                auctions.forEach(a -> sellerWindows.add(a.get(0) + "@" + Math.floorDiv((Long)a.get(1), WINDOW)));
                final Map<List<Object>, Long> expected = new HashMap<>();
                people.forEach(p ->
                {
                    final long window = Math.floorDiv((Long)p.get(2), WINDOW);
                    if (sellerWindows.contains(p.get(0) + "@" + window))
                    {
                        expected.put(row(p.get(0), p.get(1), window * WINDOW), 1L);
                    }
                });
                harness.assertView("q8", expected);
            }
            final JoinOperator join = (JoinOperator)harness.program().operators().stream()
                .filter(o -> o.name().equals("q8_join")).findFirst().orElseThrow();
            assertEquals(0, join.lateRecords());
            final long lastWindowEnd = (Math.floorDiv(now, WINDOW) + 1) * WINDOW;
            final Set<List<Object>> open = new HashSet<>();
            people.stream().filter(p -> Math.floorDiv((Long)p.get(2), WINDOW) * WINDOW + WINDOW == lastWindowEnd)
                .forEach(p -> open.add(row("p", p.get(0))));
            auctions.stream().filter(a -> Math.floorDiv((Long)a.get(1), WINDOW) * WINDOW + WINDOW == lastWindowEnd)
                .forEach(a -> open.add(row("a", a.get(0))));
            assertEquals(open.size(), join.indexedKeys(), "only the last window's keys are held");
        }
    }
}
