package dev.keel.nexmark.queries;

import dev.keel.engine.data.Column;
import dev.keel.engine.data.ColumnType;
import dev.keel.engine.data.Schema;
import dev.keel.engine.operators.Agg;
import dev.keel.engine.operators.JoinType;
import dev.keel.engine.program.ProgramBuilder;
import dev.keel.engine.program.ProgramDefinition;
import dev.keel.engine.program.Stream;

import static dev.keel.nexmark.queries.QuerySupport.SECOND;

/**
 * Nexmark q5, hot items: the auctions with the most bids in each hopping window of 10 s every 2 s.
 * <pre>
 *   CREATE VIEW q5 AS
 *   SELECT AuctionBids.window_start, AuctionBids.window_end, AuctionBids.auction, AuctionBids.num
 *   FROM (
 *       SELECT auction, count(*) AS num, window_start, window_end
 *       FROM TABLE(HOP(TABLE bid, DESCRIPTOR(date_time), INTERVAL '2' SECOND, INTERVAL '10' SECOND))
 *       GROUP BY auction, window_start, window_end
 *   ) AS AuctionBids
 *   JOIN (
 *       SELECT max(CountBids.num) AS maxn, CountBids.window_start, CountBids.window_end
 *       FROM (
 *           SELECT count(*) AS num, window_start, window_end
 *           FROM TABLE(HOP(TABLE bid, DESCRIPTOR(date_time), INTERVAL '2' SECOND, INTERVAL '10' SECOND))
 *           GROUP BY auction, window_start, window_end
 *       ) AS CountBids
 *       GROUP BY CountBids.window_start, CountBids.window_end
 *   ) AS MaxBids
 *   ON AuctionBids.window_start = MaxBids.window_start AND AuctionBids.window_end = MaxBids.window_end
 *      AND AuctionBids.num &gt;= MaxBids.maxn;
 * </pre>
 * {@code num >= maxn} is {@code num = maxn}, so the join is an equi-join on (window_start, num); all auctions
 * tied at the maximum are kept. Every stage frees the state of closed windows:
 * <ul>
 *   <li>bid counts per (auction, hopping window): a window aggregate with the query's lateness;</li>
 *   <li>the largest count per window: a window aggregate over the counts, bucketing {@code window_start} into
 *   tumbling windows of one hop (each bucket is one hopping window); the counts of a hopping window keep
 *   changing until it closes, up to {@code size - hop} after the latest window start, hence the lateness
 *   {@code lateness + size - hop};</li>
 *   <li>the join of counts with maxima: a windowed join on window_start with the same lateness.</li>
 * </ul>
 */
public final class Q5 implements ProgramDefinition
{
    public static final String NAME = "nexmark-q5";
    public static final String VIEW = "q5";
    public static final long SIZE = 10 * SECOND;
    public static final long HOP = 2 * SECOND;

    public static final Schema SCHEMA = Schema.of(
        Column.of("window_start", ColumnType.TIMESTAMP),
        Column.of("window_end", ColumnType.TIMESTAMP),
        Column.of("auction", ColumnType.INT64),
        Column.of("num", ColumnType.INT64));

    private final long lateness;

    /** Bids in event-time order (the generator's default). */
    public Q5()
    {
        this(0);
    }

    /**
     * @param lateness how far (micros) a bid's date_time may fall behind the latest one seen in earlier steps
     *                 and still count; later bids are dropped.
     */
    public Q5(final long lateness)
    {
        this.lateness = QuerySupport.lateness("q5", lateness);
    }

    public void define(final ProgramBuilder program)
    {
        final Stream counts = program.table(NexmarkQueries.BID, dev.keel.nexmark.NexmarkSchemas.BID)
            .windowAggregate("q5_counts", "date_time", SIZE, HOP, lateness, new String[]{ "auction" },
                Agg.count("num"));
        final Stream maxima = counts.windowAggregate("q5_max", "window_start", HOP, HOP, lateness + SIZE - HOP,
            new String[0], Agg.max("num", "maxn"));
        final Schema countSchema = counts.schema();
        final int auction = countSchema.require("auction");
        final int windowStart = countSchema.require("window_start");
        final int windowEnd = countSchema.require("window_end");
        final int num = countSchema.require("num");
        program.view(VIEW, counts.windowedJoin(VIEW, maxima,
            new String[]{ "window_start", "num" }, new String[]{ "window_start", "maxn" }, "window_start",
            "window_start", lateness + SIZE - HOP, JoinType.INNER, SCHEMA,
            (count, max, out) -> out
                .copyColumn(0, count, windowStart)
                .copyColumn(1, count, windowEnd)
                .copyColumn(2, count, auction)
                .copyColumn(3, count, num),
            "1"));
    }
}
