package dev.keel.engine.examples;

import dev.keel.engine.data.Column;
import dev.keel.engine.data.ColumnType;
import dev.keel.engine.data.Schema;
import dev.keel.engine.operators.Agg;
import dev.keel.engine.program.ProgramBuilder;
import dev.keel.engine.program.ProgramDefinition;
import dev.keel.engine.program.Stream;

/**
 * Per-symbol trade statistics over an append-only trades table: the view {@code vwap} has columns
 * {@code symbol, trades, volume, notional, low, high} (VWAP = notional / volume). Because the table is
 * append-only, min and max keep only the running extreme per symbol.
 */
public final class TradesVwap implements ProgramDefinition
{
    public static final String NAME = "trades-vwap";
    public static final String TABLE = "trades";
    public static final String VIEW = "vwap";

    public static final Schema TRADES = Schema.of(
        Column.of("id", ColumnType.INT64),
        Column.of("symbol", ColumnType.STRING),
        Column.of("price", ColumnType.INT64),
        Column.of("qty", ColumnType.INT64),
        Column.of("ts", ColumnType.INT64));

    private static final Schema PRICED = Schema.of(
        Column.of("symbol", ColumnType.STRING),
        Column.of("price", ColumnType.INT64),
        Column.of("qty", ColumnType.INT64),
        Column.of("notional", ColumnType.INT64));

    public void define(final ProgramBuilder program)
    {
        final Stream trades = program.table(TABLE, TRADES);
        final int symbol = TRADES.require("symbol");
        final int price = TRADES.require("price");
        final int qty = TRADES.require("qty");
        final Stream priced = trades.map("priced", PRICED,
            (in, out) -> out
                .copyColumn(0, in, symbol)
                .putLong(1, in.getLong(price))
                .putLong(2, in.getLong(qty))
                .putLong(3, in.getLong(price) * in.getLong(qty)),
            "1");
        program.view(VIEW, priced.aggregate(VIEW, new String[]{ "symbol" },
            Agg.count("trades"),
            Agg.sum("qty", "volume"),
            Agg.sum("notional", "notional"),
            Agg.min("price", "low"),
            Agg.max("price", "high")));
    }
}
