package dev.keel.nexmark.queries;

import dev.keel.engine.data.Column;
import dev.keel.engine.data.ColumnType;
import dev.keel.engine.data.Schema;
import dev.keel.engine.operators.Agg;
import dev.keel.engine.operators.JoinType;
import dev.keel.engine.program.ProgramBuilder;
import dev.keel.engine.program.ProgramDefinition;
import dev.keel.engine.program.Stream;

import java.util.ArrayList;
import java.util.List;

import static dev.keel.nexmark.NexmarkSchemas.*;

/**
 * Nexmark q9, winning bids: each auction with its winning bid.
 * <pre>
 *   CREATE VIEW q9 AS
 *   SELECT id, item_name, description, initial_bid, reserve, date_time, expires, seller, category, extra,
 *          auction, bidder, price, bid_date_time, bid_extra
 *   FROM (
 *       SELECT A.*, B.auction, B.bidder, B.price, B.date_time AS bid_date_time, B.extra AS bid_extra,
 *           ROW_NUMBER() OVER (PARTITION BY A.id ORDER BY B.price DESC, B.date_time ASC) AS rownum
 *       FROM auction A, bid B
 *       WHERE A.id = B.auction AND B.date_time BETWEEN A.date_time AND A.expires
 *   )
 *   WHERE rownum &lt;= 1;
 * </pre>
 * Keel's top-n orders by one column, so the two-column order is taken in two stages: the highest valid price
 * per auction (a running maximum over the append-only join), the valid bids at that price (a join on
 * (id, price)), and among those the earliest (top-1 by bid_date_time). Bids tied on both price and date_time
 * are ordered by their row bytes. As in q4, an open auction shows its current winner; the row of an auction
 * is final once event time passes its {@code expires}. Unbounded state, as the query has no window.
 */
public final class Q9 implements ProgramDefinition
{
    public static final String NAME = "nexmark-q9";
    public static final String VIEW = "q9";

    public static final Schema SCHEMA;

    static
    {
        final List<Column> columns = new ArrayList<>(AUCTION.columns());
        columns.add(Column.of("auction", ColumnType.INT64));
        columns.add(Column.of("bidder", ColumnType.INT64));
        columns.add(Column.of("price", ColumnType.INT64));
        columns.add(Column.of("bid_date_time", ColumnType.TIMESTAMP));
        columns.add(Column.of("bid_extra", ColumnType.STRING));
        SCHEMA = new Schema(columns);
    }

    private static final int BIDDER = AUCTION_EXTRA + 2;
    private static final int PRICE = AUCTION_EXTRA + 3;
    private static final int BID_TIME = AUCTION_EXTRA + 4;

    public void define(final ProgramBuilder program)
    {
        final Stream auctions = program.table(NexmarkQueries.AUCTION, AUCTION);
        final Stream bids = program.table(NexmarkQueries.BID, BID);
        final Stream valid = auctions.join("q9_auction_bid", bids,
            new String[]{ "id" }, new String[]{ "auction" }, JoinType.INNER, SCHEMA,
            (auction, bid, out) ->
            {
                for (int i = 0; i <= AUCTION_EXTRA; i++)
                {
                    out.copyColumn(i, auction, i);
                }
                out.copyColumn(AUCTION_EXTRA + 1, bid, BID_AUCTION)
                    .copyColumn(BIDDER, bid, BID_BIDDER)
                    .copyColumn(PRICE, bid, BID_PRICE)
                    .copyColumn(BID_TIME, bid, BID_DATE_TIME)
                    .copyColumn(AUCTION_EXTRA + 5, bid, BID_EXTRA);
            },
            "1")
            .filter("q9_between", row ->
            {
                final long bidTime = row.getLong(BID_TIME);
                return bidTime >= row.getLong(AUCTION_DATE_TIME) && bidTime <= row.getLong(AUCTION_EXPIRES);
            },
            "1");
        final Stream highest = valid.aggregate("q9_highest", new String[]{ "id" }, Agg.max("price", "max_price"));
        final Stream atHighest = valid.join("q9_at_highest", highest,
            new String[]{ "id", "price" }, new String[]{ "id", "max_price" }, JoinType.INNER, SCHEMA,
            (bid, max, out) ->
            {
                for (int i = 0; i < SCHEMA.columnCount(); i++)
                {
                    out.copyColumn(i, bid, i);
                }
            },
            "1");
        program.view(VIEW, atHighest.topN(VIEW, new String[]{ "id" }, "bid_date_time", false, 1));
    }
}
