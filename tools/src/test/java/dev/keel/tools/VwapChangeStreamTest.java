package dev.keel.tools;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.*;

/**
 * The failover tests' change-stream check on hand-made streams: a stream with coarser steps than one trade each
 * passes; a transaction written twice, a lost trade, a stray delete or a stream that stops early fails.
 */
class VwapChangeStreamTest
{
    @TempDir
    Path dir;

    @Test
    void acceptsAnyStepBoundariesAndRejectsDuplicatesLossesAndStrayDeletes() throws Exception
    {
        final Path trades = Files.writeString(dir.resolve("trades.json"),
            "{\"id\":1,\"symbol\":\"A\",\"price\":10,\"qty\":2}\n" +
            "{\"id\":2,\"symbol\":\"A\",\"price\":20,\"qty\":1}\n" +
            "{\"id\":3,\"symbol\":\"B\",\"price\":5,\"qty\":4}\n" +
            "{\"id\":4,\"symbol\":\"A\",\"price\":15,\"qty\":3}\n");
        final String a1 = row("A", 1, 2, 20, 10, 10);
        final String a2 = row("A", 2, 3, 40, 10, 20);
        final String a3 = row("A", 3, 6, 85, 10, 20);
        final String b1 = row("B", 1, 4, 20, 5, 5);

        // one trade per step, the insert before the delete within a step
        VwapChangeStream.assertExactlyOnce(List.of(ins(a1), ins(a2), del(a1), ins(b1), ins(a3), del(a2)), trades,
            "fine");
        // two steps: trades 1-2, then 3-4, delete first
        VwapChangeStream.assertExactlyOnce(List.of(ins(a2), del(a2), ins(a3), ins(b1)), trades, "coarse");

        final List<String> twice = new ArrayList<>(List.of(ins(a1), del(a1), ins(a2), del(a1), ins(a2)));
        twice.addAll(List.of(del(a2), ins(a3), ins(b1)));
        assertThrows(AssertionError.class, () -> VwapChangeStream.assertExactlyOnce(twice, trades, "twice"));
        final List<String> sameStepTwice = List.of(ins(a1), ins(a2), del(a1), ins(a2), del(a2), ins(a3), del(a2),
            ins(b1));
        assertThrows(AssertionError.class,
            () -> VwapChangeStream.assertExactlyOnce(sameStepTwice, trades, "a transaction written twice"));
        final String lost = row("A", 2, 5, 65, 10, 15); // trades 1 and 4 without 2
        assertThrows(AssertionError.class,
            () -> VwapChangeStream.assertExactlyOnce(List.of(ins(a1), del(a1), ins(lost), ins(b1)), trades, "lost"));
        assertThrows(AssertionError.class,
            () -> VwapChangeStream.assertExactlyOnce(List.of(ins(a3), del(a2), ins(b1)), trades, "stray delete"));
        assertThrows(AssertionError.class,
            () -> VwapChangeStream.assertExactlyOnce(List.of(ins(a2), ins(b1)), trades, "stops early"));
    }

    private static String row(final String symbol, final long trades, final long volume, final long notional,
        final long low, final long high)
    {
        return "{\"symbol\":\"" + symbol + "\",\"trades\":" + trades + ",\"volume\":" + volume + ",\"notional\":" +
            notional + ",\"low\":" + low + ",\"high\":" + high + "}";
    }

    private static String ins(final String row)
    {
        return "{\"insert\":" + row + "}";
    }

    private static String del(final String row)
    {
        return "{\"delete\":" + row + "}";
    }
}
