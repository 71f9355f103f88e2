package dev.keel.nexmark.queries;

import dev.keel.engine.data.Column;
import dev.keel.engine.data.ColumnType;
import dev.keel.engine.data.Schema;
import dev.keel.engine.operators.JoinType;
import dev.keel.engine.program.ProgramBuilder;
import dev.keel.engine.program.ProgramDefinition;
import dev.keel.engine.program.Stream;

import static dev.keel.nexmark.NexmarkSchemas.*;

/**
 * Nexmark q20, expand bid with auction: every bid of a category-10 auction, with the auction's columns.
 * <pre>
 *   CREATE VIEW q20 AS
 *   SELECT auction, bidder, price, channel, url, B.date_time, B.extra,
 *          item_name, description, initial_bid, reserve, A.date_time AS auction_date_time, expires, seller,
 *          category, A.extra AS auction_extra
 *   FROM bid AS B INNER JOIN auction AS A ON B.auction = A.id
 *   WHERE A.category = 10;
 * </pre>
 * The auctions are filtered before the join. An inner join of append-only inputs: append-only. Unbounded
 * state (every bid and every category-10 auction), as the query has no window.
 */
public final class Q20 implements ProgramDefinition
{
    public static final String NAME = "nexmark-q20";
    public static final String VIEW = "q20";
    public static final long CATEGORY = 10;

    public static final Schema SCHEMA = Schema.of(
        Column.of("auction", ColumnType.INT64),
        Column.of("bidder", ColumnType.INT64),
        Column.of("price", ColumnType.INT64),
        Column.of("channel", ColumnType.STRING),
        Column.of("url", ColumnType.STRING),
        Column.of("date_time", ColumnType.TIMESTAMP),
        Column.of("extra", ColumnType.STRING),
        Column.of("item_name", ColumnType.STRING),
        Column.of("description", ColumnType.STRING),
        Column.of("initial_bid", ColumnType.INT64),
        Column.of("reserve", ColumnType.INT64),
        Column.of("auction_date_time", ColumnType.TIMESTAMP),
        Column.of("expires", ColumnType.TIMESTAMP),
        Column.of("seller", ColumnType.INT64),
        Column.of("category", ColumnType.INT64),
        Column.of("auction_extra", ColumnType.STRING));

    public void define(final ProgramBuilder program)
    {
        final Stream bids = program.table(NexmarkQueries.BID, BID);
        final Stream auctions = program.table(NexmarkQueries.AUCTION, AUCTION)
            .filter("q20_category", row -> row.getLong(AUCTION_CATEGORY) == CATEGORY, "1");
        program.view(VIEW, bids.join(VIEW, auctions,
            new String[]{ "auction" }, new String[]{ "id" }, JoinType.INNER, SCHEMA,
            (bid, auction, out) ->
            {
                for (int i = 0; i <= BID_EXTRA; i++)
                {
                    out.copyColumn(i, bid, i);
                }
                for (int i = AUCTION_ITEM_NAME; i <= AUCTION_EXTRA; i++)
                {
                    out.copyColumn(BID_EXTRA + i, auction, i);
                }
            },
            "1"));
    }
}
