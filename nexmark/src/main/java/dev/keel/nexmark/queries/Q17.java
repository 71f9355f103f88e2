package dev.keel.nexmark.queries;

import dev.keel.engine.data.Column;
import dev.keel.engine.data.ColumnType;
import dev.keel.engine.data.Schema;
import dev.keel.engine.operators.Agg;
import dev.keel.engine.program.ProgramBuilder;
import dev.keel.engine.program.ProgramDefinition;
import dev.keel.engine.program.Stream;
import org.agrona.concurrent.UnsafeBuffer;

import static dev.keel.nexmark.NexmarkSchemas.*;
import static dev.keel.nexmark.queries.QuerySupport.DAY;

/**
 * Nexmark q17, auction statistics report: per auction and day, bid counts by price range and price statistics.
 * <pre>
 *   CREATE VIEW q17 AS
 *   SELECT auction, DATE_FORMAT(date_time, 'yyyy-MM-dd') AS day,
 *       count(*) AS total_bids,
 *       count(*) FILTER (WHERE price &lt; 10000) AS rank1_bids,
 *       count(*) FILTER (WHERE price &gt;= 10000 AND price &lt; 1000000) AS rank2_bids,
 *       count(*) FILTER (WHERE price &gt;= 1000000) AS rank3_bids,
 *       min(price) AS min_price, max(price) AS max_price, avg(price) AS avg_price, sum(price) AS sum_price
 *   FROM bid
 *   GROUP BY auction, DATE_FORMAT(date_time, 'yyyy-MM-dd');
 * </pre>
 * The day (UTC) is a one-day tumbling window, so the group state is freed when the day closes (with the query's
 * lateness); {@code COUNT(*) FILTER} is the sum of a 0/1 column; {@code avg_price} is the BIGINT AVG,
 * {@code sum_price / total_bids} truncated. min/max take the append-only fast path. Each step replaces the rows
 * of the groups it touched.
 */
public final class Q17 implements ProgramDefinition
{
    public static final String NAME = "nexmark-q17";
    public static final String VIEW = "q17";

    public static final Schema SCHEMA = Schema.of(
        Column.of("auction", ColumnType.INT64),
        Column.of("day", ColumnType.STRING),
        Column.of("total_bids", ColumnType.INT64),
        Column.of("rank1_bids", ColumnType.INT64),
        Column.of("rank2_bids", ColumnType.INT64),
        Column.of("rank3_bids", ColumnType.INT64),
        Column.of("min_price", ColumnType.INT64),
        Column.of("max_price", ColumnType.INT64),
        Column.of("avg_price", ColumnType.INT64),
        Column.of("sum_price", ColumnType.INT64));

    private static final Schema RANKED = Schema.of(
        Column.of("auction", ColumnType.INT64),
        Column.of("date_time", ColumnType.TIMESTAMP),
        Column.of("price", ColumnType.INT64),
        Column.of("rank1", ColumnType.INT64),
        Column.of("rank2", ColumnType.INT64),
        Column.of("rank3", ColumnType.INT64));

    private final long lateness;

    /** Bids in event-time order (the generator's default). */
    public Q17()
    {
        this(0);
    }

    /**
     * @param lateness how far (micros) a bid's date_time may fall behind the latest one seen in earlier steps
     *                 and still count; later bids are dropped.
     */
    public Q17(final long lateness)
    {
        this.lateness = QuerySupport.lateness("q17", lateness);
    }

    public void define(final ProgramBuilder program)
    {
        final Stream ranked = program.table(NexmarkQueries.BID, BID).map("q17_ranked", RANKED,
            (in, out) ->
            {
                final long price = in.getLong(BID_PRICE);
                out.copyColumn(0, in, BID_AUCTION)
                    .copyColumn(1, in, BID_DATE_TIME)
                    .putLong(2, price)
                    .putLong(3, price < 10_000 ? 1 : 0)
                    .putLong(4, price >= 10_000 && price < 1_000_000 ? 1 : 0)
                    .putLong(5, price >= 1_000_000 ? 1 : 0);
            },
            "1");
        final Stream daily = ranked.windowAggregate("q17_daily", "date_time", DAY, DAY, lateness,
            new String[]{ "auction" },
            Agg.count("total_bids"), Agg.sum("rank1", "rank1_bids"), Agg.sum("rank2", "rank2_bids"),
            Agg.sum("rank3", "rank3_bids"), Agg.min("price", "min_price"), Agg.max("price", "max_price"),
            Agg.sum("price", "sum_price"));
        final Schema in = daily.schema();
        final int windowStart = in.require("window_start");
        final int auction = in.require("auction");
        final int total = in.require("total_bids");
        final int rank1 = in.require("rank1_bids");
        final int rank2 = in.require("rank2_bids");
        final int rank3 = in.require("rank3_bids");
        final int min = in.require("min_price");
        final int max = in.require("max_price");
        final int sum = in.require("sum_price");
        final UnsafeBuffer day = new UnsafeBuffer(new byte[10]);
        program.view(VIEW, daily.map(VIEW, SCHEMA,
            (row, out) ->
            {
                QuerySupport.formatDate(row.getLong(windowStart), day);
                out.copyColumn(0, row, auction)
                    .putBytes(1, day, 0, 10)
                    .copyColumn(2, row, total)
                    .copyColumn(3, row, rank1)
                    .copyColumn(4, row, rank2)
                    .copyColumn(5, row, rank3)
                    .copyColumn(6, row, min)
                    .copyColumn(7, row, max)
                    .putLong(8, row.getLong(sum) / row.getLong(total))
                    .copyColumn(9, row, sum);
            },
            "1"));
    }
}
