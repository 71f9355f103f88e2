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
 * Nexmark q4, average closing price per category.
 * <pre>
 *   CREATE VIEW q4 AS
 *   SELECT Q.category, AVG(Q.final) AS avg
 *   FROM (
 *       SELECT MAX(B.price) AS final, A.category, A.reserve
 *       FROM auction A, bid B
 *       WHERE A.id = B.auction AND B.date_time BETWEEN A.date_time AND A.expires
 *       GROUP BY A.id, A.category, A.reserve
 *   ) Q
 *   WHERE Q.final &gt;= Q.reserve
 *   GROUP BY Q.category;
 * </pre>
 * <b>Closed auctions.</b> Only bids stamped within {@code [date_time, expires]} count, so the final price of an
 * auction is settled as soon as event time passes its {@code expires}: no later bid can change it. The view is
 * therefore, at every step, the result <em>as if every auction closed now</em> (an open auction contributes its
 * current highest valid bid, exactly as in Flink's and Feldera's q4), and the row of a closed auction never
 * changes again. At the end of the input every auction is closed and the view equals Beam's definition (the
 * reference's {@code q4(tables)}). The reserve condition is Beam's (a winner needs a price at or above the
 * reserve); Flink's SQL lacks it. Emitting <em>only</em> closed auctions while the input runs needs a filter
 * on {@code expires < watermark} that re-evaluates as the watermark moves (Feldera's temporal filter), an
 * operator Keel lacks.
 * <p>
 * {@code avg} is the BIGINT {@code AVG} of SQL: {@code sum / count} truncated toward zero. The winning price
 * per auction takes the append-only fast path (running maximum over an append-only join); the per-category
 * sum and count see the winners' retractions as prices rise. The join state is unbounded, as the query has
 * no window.
 */
public final class Q4 implements ProgramDefinition
{
    public static final String NAME = "nexmark-q4";
    public static final String VIEW = "q4";

    public static final Schema SCHEMA = Schema.of(
        Column.of("category", ColumnType.INT64),
        Column.of("avg", ColumnType.INT64));

    private static final Schema AUCTION_BID = Schema.of(
        Column.of("id", ColumnType.INT64),
        Column.of("category", ColumnType.INT64),
        Column.of("reserve", ColumnType.INT64),
        Column.of("price", ColumnType.INT64),
        Column.of("valid", ColumnType.BOOL));

    public void define(final ProgramBuilder program)
    {
        final Stream auctions = program.table(NexmarkQueries.AUCTION, AUCTION);
        final Stream bids = program.table(NexmarkQueries.BID, BID);
        final Stream joined = auctions.join("q4_auction_bid", bids,
            new String[]{ "id" }, new String[]{ "auction" }, JoinType.INNER, AUCTION_BID,
            (auction, bid, out) ->
            {
                final long bidTime = bid.getLong(BID_DATE_TIME);
                out.copyColumn(0, auction, AUCTION_ID)
                    .copyColumn(1, auction, AUCTION_CATEGORY)
                    .copyColumn(2, auction, AUCTION_RESERVE)
                    .copyColumn(3, bid, BID_PRICE)
                    .putBool(4, bidTime >= auction.getLong(AUCTION_DATE_TIME) &&
                        bidTime <= auction.getLong(AUCTION_EXPIRES));
            },
            "1");
        final int valid = AUCTION_BID.require("valid");
        final Stream finals = joined
            .filter("q4_between", row -> row.getBool(valid), "1")
            .aggregate("q4_final", new String[]{ "id", "category", "reserve" }, Agg.max("price", "final"));
        final int reserve = finals.schema().require("reserve");
        final int finalPrice = finals.schema().require("final");
        final Stream perCategory = finals
            .filter("q4_winner", row -> row.getLong(finalPrice) >= row.getLong(reserve), "1")
            .aggregate("q4_category", new String[]{ "category" }, Agg.sum("final", "total"), Agg.count("auctions"));
        final int total = perCategory.schema().require("total");
        final int count = perCategory.schema().require("auctions");
        program.view(VIEW, perCategory.map(VIEW, SCHEMA,
            (in, out) -> out.copyColumn(0, in, 0).putLong(1, in.getLong(total) / in.getLong(count)),
            "1"));
    }
}
