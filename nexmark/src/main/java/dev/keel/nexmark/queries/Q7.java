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
import static dev.keel.nexmark.queries.QuerySupport.SECOND;

/**
 * Nexmark q7, highest bid: the bids at the highest price of each 10 s tumbling window.
 * <pre>
 *   CREATE VIEW q7 AS
 *   SELECT B.auction, B.price, B.bidder, B.date_time, B.extra
 *   FROM TABLE(TUMBLE(TABLE bid, DESCRIPTOR(date_time), INTERVAL '10' SECOND)) B
 *   JOIN (
 *       SELECT MAX(price) AS maxprice, window_start
 *       FROM TABLE(TUMBLE(TABLE bid, DESCRIPTOR(date_time), INTERVAL '10' SECOND))
 *       GROUP BY window_start, window_end
 *   ) M
 *   ON B.window_start = M.window_start AND B.price = M.maxprice;
 * </pre>
 * A bid belongs to the half-open window {@code [start, start + 10 s)}; Flink's older formulation joins on
 * {@code date_time BETWEEN window_end - 10 s AND window_end}, which also admits a bid stamped exactly at
 * {@code window_end} with the previous window's maximum; that corner is deliberately not reproduced (as in the
 * reference). All bids tied at the maximum are kept (a multiset).
 * <p>
 * The maximum is a window aggregate over the append-only bids (running maximum, state freed when the window
 * closes); the join of windowed bids with the maxima is a windowed join on window_start that frees both
 * indexes of closed windows. When a window's maximum rises, the bids joined with the old maximum are retracted.
 */
public final class Q7 implements ProgramDefinition
{
    public static final String NAME = "nexmark-q7";
    public static final String VIEW = "q7";
    public static final long WINDOW = 10 * SECOND;

    public static final Schema SCHEMA = Schema.of(
        Column.of("auction", ColumnType.INT64),
        Column.of("price", ColumnType.INT64),
        Column.of("bidder", ColumnType.INT64),
        Column.of("date_time", ColumnType.TIMESTAMP),
        Column.of("extra", ColumnType.STRING));

    private final long lateness;

    /** Bids in event-time order (the generator's default). */
    public Q7()
    {
        this(0);
    }

    /**
     * @param lateness how far (micros) a bid's date_time may fall behind the latest one seen in earlier steps
     *                 and still count; later bids are dropped.
     */
    public Q7(final long lateness)
    {
        this.lateness = QuerySupport.lateness("q7", lateness);
    }

    public void define(final ProgramBuilder program)
    {
        final Stream bids = program.table(NexmarkQueries.BID, BID);
        final Stream maxima = bids.windowAggregate("q7_max", "date_time", WINDOW, WINDOW, lateness,
            new String[0], Agg.max("price", "maxprice"));
        final Stream windowed = bids.window("q7_window", "date_time", WINDOW, WINDOW);
        program.view(VIEW, windowed.windowedJoin(VIEW, maxima,
            new String[]{ "window_start", "price" }, new String[]{ "window_start", "maxprice" }, "window_start",
            "window_start", lateness, JoinType.INNER, SCHEMA,
            (bid, max, out) -> out
                .copyColumn(0, bid, BID_AUCTION)
                .copyColumn(1, bid, BID_PRICE)
                .copyColumn(2, bid, BID_BIDDER)
                .copyColumn(3, bid, BID_DATE_TIME)
                .copyColumn(4, bid, BID_EXTRA),
            "1"));
    }
}
