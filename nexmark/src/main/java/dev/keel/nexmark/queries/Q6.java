package dev.keel.nexmark.queries;

import dev.keel.engine.data.Column;
import dev.keel.engine.data.ColumnType;
import dev.keel.engine.data.Schema;
import dev.keel.engine.operators.Agg;
import dev.keel.engine.operators.JoinType;
import dev.keel.engine.program.ProgramBuilder;
import dev.keel.engine.program.ProgramDefinition;
import dev.keel.engine.program.Stream;

import static dev.keel.nexmark.NexmarkSchemas.*;

/**
 * Nexmark q6, average selling price by seller: per seller, the average final price of its last 10 closed
 * auctions (Beam's definition; the last auctions are those that expire last).
 * <pre>
 *   CREATE VIEW q6 AS
 *   SELECT seller, AVG(final) AS avg_price
 *   FROM (
 *       SELECT seller, final,
 *           ROW_NUMBER() OVER (PARTITION BY seller ORDER BY expires DESC) AS recency
 *       FROM (
 *           SELECT A.id, A.seller, A.expires, A.reserve, MAX(B.price) AS final
 *           FROM auction A, bid B
 *           WHERE A.id = B.auction AND B.date_time BETWEEN A.date_time AND A.expires
 *           GROUP BY A.id, A.seller, A.expires, A.reserve
 *       ) W
 *       WHERE W.final &gt;= W.reserve
 *   ) R
 *   WHERE recency &lt;= 10
 *   GROUP BY seller;
 * </pre>
 * Flink's (unsupported) SQL writes {@code AVG(price) OVER (PARTITION BY seller ORDER BY date_time ROWS BETWEEN
 * 10 PRECEDING AND CURRENT ROW)}, an over-window Keel lacks; as a view its latest row per seller is the average
 * over a window of rows, which is what the top-10 per seller followed by an aggregate computes (Flink's frame
 * has 11 rows; Beam's definition, used here, says 10). Winners and "closed" are as in {@link Q4}: the reserve
 * must be met, and an open auction counts with its current highest valid bid, so the view equals the
 * definition once every auction has closed. Auctions of a seller expiring at the same instant are ordered by
 * their row bytes. {@code avg_price} is the BIGINT AVG (truncated).
 */
public final class Q6 implements ProgramDefinition
{
    public static final String NAME = "nexmark-q6";
    public static final String VIEW = "q6";
    public static final int LAST = 10;

    public static final Schema SCHEMA = Schema.of(
        Column.of("seller", ColumnType.INT64),
        Column.of("avg_price", ColumnType.INT64));

    private static final Schema AUCTION_BID = Schema.of(
        Column.of("id", ColumnType.INT64),
        Column.of("seller", ColumnType.INT64),
        Column.of("expires", ColumnType.TIMESTAMP),
        Column.of("reserve", ColumnType.INT64),
        Column.of("price", ColumnType.INT64),
        Column.of("valid", ColumnType.BOOL));

    public void define(final ProgramBuilder program)
    {
        final Stream auctions = program.table(NexmarkQueries.AUCTION, AUCTION);
        final Stream bids = program.table(NexmarkQueries.BID, BID);
        final int valid = AUCTION_BID.require("valid");
        final Stream winners = auctions.join("q6_auction_bid", bids,
            new String[]{ "id" }, new String[]{ "auction" }, JoinType.INNER, AUCTION_BID,
            (auction, bid, out) ->
            {
                final long bidTime = bid.getLong(BID_DATE_TIME);
                out.copyColumn(0, auction, AUCTION_ID)
                    .copyColumn(1, auction, AUCTION_SELLER)
                    .copyColumn(2, auction, AUCTION_EXPIRES)
                    .copyColumn(3, auction, AUCTION_RESERVE)
                    .copyColumn(4, bid, BID_PRICE)
                    .putBool(5, bidTime >= auction.getLong(AUCTION_DATE_TIME) &&
                        bidTime <= auction.getLong(AUCTION_EXPIRES));
            },
            "1")
            .filter("q6_between", row -> row.getBool(valid), "1")
            .aggregate("q6_final", new String[]{ "id", "seller", "expires", "reserve" }, Agg.max("price", "final"));
        final int reserve = winners.schema().require("reserve");
        final int finalPrice = winners.schema().require("final");
        final Stream perSeller = winners
            .filter("q6_winner", row -> row.getLong(finalPrice) >= row.getLong(reserve), "1")
            .topN("q6_last", new String[]{ "seller" }, "expires", true, LAST)
            .aggregate("q6_seller", new String[]{ "seller" }, Agg.sum("final", "total"), Agg.count("auctions"));
        final int total = perSeller.schema().require("total");
        final int count = perSeller.schema().require("auctions");
        program.view(VIEW, perSeller.map(VIEW, SCHEMA,
            (in, out) -> out.copyColumn(0, in, 0).putLong(1, in.getLong(total) / in.getLong(count)),
            "1"));
    }
}
