package dev.keel.engine.operators;

import dev.keel.engine.data.Column;
import dev.keel.engine.data.ColumnType;
import dev.keel.engine.data.Schema;
import dev.keel.engine.examples.TradesVwap;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;

import static dev.keel.engine.operators.ZSets.row;
import static org.junit.jupiter.api.Assertions.*;

/** The example program: its view's columns and its per-symbol statistics against a reference. */
class TradesVwapTest
{
    @Test
    void viewHasTheDocumentedColumnsAndUsesRunningExtremes()
    {
        try (Harness harness = new Harness(new TradesVwap()))
        {
            assertEquals("trades-vwap", TradesVwap.NAME);
            final AggregateOperator vwap = (AggregateOperator)harness.program().view("vwap");
            assertEquals(Schema.of(
                Column.of("symbol", ColumnType.STRING),
                Column.of("trades", ColumnType.INT64),
                Column.of("volume", ColumnType.INT64),
                Column.of("notional", ColumnType.INT64),
                Column.of("low", ColumnType.INT64),
                Column.of("high", ColumnType.INT64)), vwap.outputSchema());
            assertTrue(vwap.runningExtremes(), "trades is append-only: min/max need no multiset");
        }
    }

    @Property(tries = 10)
    void statisticsPerSymbol(@ForAll final long seed)
    {
        final Random random = new Random(seed);
        final String[] symbols = { "AAPL", "MSFT", "ÉTÉ", "X" };
        final Map<String, List<long[]>> trades = new HashMap<>();
        try (Harness harness = new Harness(new TradesVwap()))
        {
            long id = 0;
            for (int step = 0; step < 30; step++)
            {
                final List<Change> changes = new ArrayList<>();
                for (int i = random.nextInt(10); i > 0; i--)
                {
                    final String symbol = symbols[random.nextInt(symbols.length)];
                    final long price = 90 + random.nextInt(20);
                    final long qty = 1 + random.nextInt(100);
                    changes.add(new Change(row(id++, symbol, price, qty, (long)step), 1));
                    trades.computeIfAbsent(symbol, s -> new ArrayList<>()).add(new long[]{ price, qty });
                }
                harness.step(TradesVwap.TABLE, changes);
                final Map<List<Object>, Long> expected = new HashMap<>();
                trades.forEach((symbol, list) -> expected.put(row(symbol, (long)list.size(),
                    list.stream().mapToLong(t -> t[1]).sum(),
                    list.stream().mapToLong(t -> t[0] * t[1]).sum(),
                    list.stream().mapToLong(t -> t[0]).min().getAsLong(),
                    list.stream().mapToLong(t -> t[0]).max().getAsLong()), 1L));
                harness.assertView(TradesVwap.VIEW, expected);
            }
        }
    }
}
