package dev.keel.nexmark.queries;

import dev.keel.engine.data.Column;
import dev.keel.engine.data.ColumnType;
import dev.keel.engine.data.Schema;
import dev.keel.engine.program.ProgramBuilder;
import dev.keel.engine.program.ProgramDefinition;

import static dev.keel.nexmark.NexmarkSchemas.*;
import static dev.keel.nexmark.queries.QuerySupport.HOUR;

/**
 * Nexmark q14, calculation: expensive bids in euros, classified by time of day, with a user function.
 * <pre>
 *   CREATE VIEW q14 AS
 *   SELECT auction, bidder, 0.908 * price AS price,
 *       CASE
 *           WHEN HOUR(date_time) &gt;= 8 AND HOUR(date_time) &lt;= 18 THEN 'dayTime'
 *           WHEN HOUR(date_time) &lt;= 6 OR HOUR(date_time) &gt;= 20 THEN 'nightTime'
 *           ELSE 'otherTime'
 *       END AS bid_time_type,
 *       date_time, extra, count_char(extra, 'c') AS c_counts
 *   FROM bid
 *   WHERE 0.908 * price &gt; 1000000 AND 0.908 * price &lt; 50000000;
 * </pre>
 * {@code price} is a DOUBLE (FLOAT64), {@code HOUR} is the hour of the day in UTC, {@code count_char} counts
 * the occurrences of a character. Append-only, in input order.
 */
public final class Q14 implements ProgramDefinition
{
    public static final String NAME = "nexmark-q14";
    public static final String VIEW = "q14";

    public static final Schema SCHEMA = Schema.of(
        Column.of("auction", ColumnType.INT64),
        Column.of("bidder", ColumnType.INT64),
        Column.of("price", ColumnType.FLOAT64),
        Column.of("bid_time_type", ColumnType.STRING),
        Column.of("date_time", ColumnType.TIMESTAMP),
        Column.of("extra", ColumnType.STRING),
        Column.of("c_counts", ColumnType.INT64));

    private static final byte[] DAY_TIME = QuerySupport.ascii("dayTime");
    private static final byte[] NIGHT_TIME = QuerySupport.ascii("nightTime");
    private static final byte[] OTHER_TIME = QuerySupport.ascii("otherTime");

    public void define(final ProgramBuilder program)
    {
        program.view(VIEW, program.table(NexmarkQueries.BID, BID)
            .filter("q14_price", row ->
            {
                final double euros = 0.908 * row.getLong(BID_PRICE);
                return euros > 1_000_000 && euros < 50_000_000;
            },
            "1")
            .map(VIEW, SCHEMA, (in, out) ->
            {
                final long hour = Math.floorMod(Math.floorDiv(in.getLong(BID_DATE_TIME), HOUR), 24);
                final byte[] type = hour >= 8 && hour <= 18 ? DAY_TIME :
                    (hour <= 6 || hour >= 20 ? NIGHT_TIME : OTHER_TIME);
                out.copyColumn(0, in, BID_AUCTION)
                    .copyColumn(1, in, BID_BIDDER)
                    .putDouble(2, 0.908 * in.getLong(BID_PRICE))
                    .putBytes(3, type)
                    .copyColumn(4, in, BID_DATE_TIME)
                    .copyColumn(5, in, BID_EXTRA)
                    .putLong(6, QuerySupport.countChar(in, BID_EXTRA, (byte)'c'));
            },
            "1"));
    }
}
