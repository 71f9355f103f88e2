package dev.keel.tools;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

import static org.junit.jupiter.api.Assertions.*;

/**
 * Checks a trades-vwap change stream (the file sink's JSON lines) against an uninterrupted run over the same
 * trades file: per symbol, the run with one trade per step makes the finest change stream, the aggregate after
 * each of the symbol's trades in input order; a run with any other step boundaries makes a subsequence of it.
 * So a stream is exactly once when, per symbol, each inserted aggregate is one of that sequence and comes strictly
 * after the one before (a trade lost or counted twice makes an aggregate no prefix has; a transaction written
 * twice repeats one), each delete retracts the live row, and the stream ends at the whole input's aggregates.
 * Within a step the sink writes a symbol's delete and insert in either order: an insert while a row is live must
 * be followed, for that symbol, by the delete of that row (the step's consolidation), nothing else.
 */
final class VwapChangeStream
{
    private static final ObjectMapper JSON = new ObjectMapper();

    private VwapChangeStream()
    {
    }

    /** symbol -> (aggregate -> its index in the symbol's sequence of an uninterrupted one-trade-per-step run). */
    static Map<String, Map<List<Long>, Integer>> reference(final Path trades) throws IOException
    {
        final Map<String, long[]> acc = new TreeMap<>();
        final Map<String, Map<List<Long>, Integer>> sequence = new TreeMap<>();
        for (final String line : Files.readAllLines(trades))
        {
            final JsonNode t = JSON.readTree(line);
            final String symbol = t.get("symbol").asText();
            final long price = t.get("price").asLong();
            final long qty = t.get("qty").asLong();
            final long[] a = acc.computeIfAbsent(symbol, s -> new long[]{ 0, 0, 0, Long.MAX_VALUE, Long.MIN_VALUE });
            a[0]++;
            a[1] += qty;
            a[2] += price * qty;
            a[3] = Math.min(a[3], price);
            a[4] = Math.max(a[4], price);
            final Map<List<Long>, Integer> bySymbol = sequence.computeIfAbsent(symbol, s -> new HashMap<>());
            bySymbol.put(List.of(a[0], a[1], a[2], a[3], a[4]), bySymbol.size());
        }
        return sequence;
    }

    /**
     * Asserts that {@code lines} are an exactly-once change stream of the whole of {@code trades}.
     *
     * @param what names the stream in failures.
     */
    static void assertExactlyOnce(final List<String> lines, final Path trades, final String what) throws IOException
    {
        final Map<String, Map<List<Long>, Integer>> reference = reference(trades);
        final Map<String, List<Long>> live = new TreeMap<>();
        final Map<String, List<Long>> retractNext = new HashMap<>();
        final Map<String, Integer> lastIndex = new HashMap<>();
        for (int i = 0; i < lines.size(); i++)
        {
            final JsonNode change = JSON.readTree(lines.get(i));
            final boolean insert = change.has("insert");
            final JsonNode row = insert ? change.get("insert") : change.get("delete");
            final String symbol = row.get("symbol").asText();
            final List<Long> value = List.of(row.get("trades").asLong(), row.get("volume").asLong(),
                row.get("notional").asLong(), row.get("low").asLong(), row.get("high").asLong());
            final String where = what + " line " + (i + 1) + " " + lines.get(i);
            final List<Long> pending = retractNext.remove(symbol);
            if (insert)
            {
                assertNull(pending, where + ": a second insert for " + symbol + " while " + pending + " and a newer " +
                    "row are live: a row written twice");
                final Integer index = reference.getOrDefault(symbol, Map.of()).get(value);
                assertNotNull(index, where + ": no prefix of the input has this aggregate: a trade was lost or " +
                    "counted twice");
                final int last = lastIndex.getOrDefault(symbol, -1);
                assertTrue(index > last, where + ": aggregate #" + index + " of " + symbol + " after #" + last +
                    ": a transaction written twice (or out of order)");
                lastIndex.put(symbol, index);
                final List<Long> previous = live.put(symbol, value);
                if (null != previous)
                {
                    retractNext.put(symbol, previous);
                }
            }
            else if (null != pending)
            {
                assertEquals(pending, value, where + ": the step inserted a new row for " + symbol + " but deletes " +
                    "another than the one it replaces");
            }
            else
            {
                assertEquals(live.get(symbol), value, where + ": delete of a row that is not live");
                live.remove(symbol);
            }
        }
        assertTrue(retractNext.isEmpty(), what + " ends inside a step: " + retractNext);
        assertEquals(RunCommandTest.aggregates(trades), live, what + " does not end at the whole input's aggregates");
    }
}
