package dev.keel.nexmark.queries;

import dev.keel.engine.data.Column;
import dev.keel.engine.data.ColumnType;
import dev.keel.engine.data.Schema;
import dev.keel.engine.operators.Agg;
import dev.keel.engine.operators.JoinType;
import dev.keel.engine.program.ProgramBuilder;
import dev.keel.engine.program.Stream;
import org.agrona.concurrent.UnsafeBuffer;

import java.util.ArrayList;
import java.util.List;

import static dev.keel.nexmark.NexmarkSchemas.*;
import static dev.keel.nexmark.queries.QuerySupport.DAY;

/**
 * The daily bid statistics of q15 (per day) and q16 (per channel and day): bid counts by price range and the
 * numbers of distinct bidders and auctions, overall and by price range. Keel has no COUNT(DISTINCT), so each
 * {@code COUNT(DISTINCT x) FILTER (WHERE range)} is taken in two window aggregates over the day:
 * <ol>
 *   <li>per (group, x, day): how many of x's bids fall in each price range (the sums of 0/1 columns);</li>
 *   <li>per (group, day): the sum over the x of "x has a bid in the range" (1 if the first sum is positive). A
 *   change of the first stage's row retracts x's old 0/1 flags and inserts the new ones, so the sums stay
 *   exact.</li>
 * </ol>
 * The plain counts are one more window aggregate, and the three per-day rows are joined on (group, day) by
 * windowed joins. Every stage frees the state of closed days: the window aggregates with the query's lateness
 * (the second stage keys on the first stage's window_start, which receives changes as long as the first stage's
 * day is open, so the same lateness), and the joins with one day more, since their watermark is the latest
 * day <em>start</em> seen.
 */
final class BidStatistics
{
    private static final String[] COUNT_COLUMNS = {
        "total_bids", "rank1_bids", "rank2_bids", "rank3_bids",
        "total_bidders", "rank1_bidders", "rank2_bidders", "rank3_bidders",
        "total_auctions", "rank1_auctions", "rank2_auctions", "rank3_auctions" };

    private BidStatistics()
    {
    }

    /**
     * Output schema: [channel], day, [minute], then the twelve counts.
     *
     * @param perChannel q16's grouping (channel, day) and its {@code minute} column; else q15's (day).
     */
    static Schema schema(final boolean perChannel)
    {
        final List<Column> columns = new ArrayList<>();
        if (perChannel)
        {
            columns.add(Column.of("channel", ColumnType.STRING));
        }
        columns.add(Column.of("day", ColumnType.STRING));
        if (perChannel)
        {
            columns.add(Column.of("minute", ColumnType.STRING));
        }
        for (final String name : COUNT_COLUMNS)
        {
            columns.add(Column.of(name, ColumnType.INT64));
        }
        return new Schema(columns);
    }

    static void define(final ProgramBuilder program, final String view, final boolean perChannel, final long lateness)
    {
        final Schema ranked = Schema.of(
            Column.of("channel", ColumnType.STRING),
            Column.of("auction", ColumnType.INT64),
            Column.of("bidder", ColumnType.INT64),
            Column.of("date_time", ColumnType.TIMESTAMP),
            Column.of("rank1", ColumnType.INT64),
            Column.of("rank2", ColumnType.INT64),
            Column.of("rank3", ColumnType.INT64));
        final Stream bids = program.table(NexmarkQueries.BID, BID).map(view + "_ranked", ranked,
            (in, out) ->
            {
                final long price = in.getLong(BID_PRICE);
                out.copyColumn(0, in, BID_CHANNEL)
                    .copyColumn(1, in, BID_AUCTION)
                    .copyColumn(2, in, BID_BIDDER)
                    .copyColumn(3, in, BID_DATE_TIME)
                    .putLong(4, price < 10_000 ? 1 : 0)
                    .putLong(5, price >= 10_000 && price < 1_000_000 ? 1 : 0)
                    .putLong(6, price >= 1_000_000 ? 1 : 0);
            },
            "1");
        final String[] group = perChannel ? new String[]{ "channel" } : new String[0];
        final int keys = group.length;

        final Stream counts = bids.windowAggregate(view + "_bids", "date_time", DAY, DAY, lateness, group,
            Agg.count("total"), Agg.sum("rank1", "r1"), Agg.sum("rank2", "r2"), Agg.sum("rank3", "r3"),
            Agg.max("date_time", "last_time"));
        final Stream bidders = distinctCounts(bids, view, "bidder", group, lateness);
        final Stream auctions = distinctCounts(bids, view, "auction", group, lateness);

        // counts: group.., window_start, window_end, total, r1, r2, r3, last_time; distinct: group.., window_start,
        // window_end, total, r1, r2, r3
        final String[] joinKeys = append(group, "window_start");
        final List<Column> withBidders = new ArrayList<>(counts.schema().columns());
        for (int i = 0; i < 4; i++)
        {
            withBidders.add(Column.of("bidders" + i, ColumnType.INT64));
        }
        final int countColumns = counts.schema().columnCount();
        final Stream first = counts.windowedJoin(view + "_with_bidders", bidders, joinKeys, joinKeys,
            "window_start", "window_start", lateness + DAY, JoinType.INNER, new Schema(withBidders),
            (c, b, out) ->
            {
                for (int i = 0; i < countColumns; i++)
                {
                    out.copyColumn(i, c, i);
                }
                for (int i = 0; i < 4; i++)
                {
                    out.copyColumn(countColumns + i, b, keys + 2 + i);
                }
            },
            "1");
        final Schema schema = schema(perChannel);
        final UnsafeBuffer text = new UnsafeBuffer(new byte[16]);
        final int windowStart = keys;
        final int lastTime = keys + 6;
        program.view(view, first.windowedJoin(view, auctions, joinKeys, joinKeys,
            "window_start", "window_start", lateness + DAY, JoinType.INNER, schema,
            (cb, a, out) ->
            {
                int column = 0;
                if (perChannel)
                {
                    out.copyColumn(column++, cb, 0);
                }
                QuerySupport.formatDate(cb.getLong(windowStart), text);
                out.putBytes(column++, text, 0, 10);
                if (perChannel)
                {
                    QuerySupport.formatHourMinute(cb.getLong(lastTime), text);
                    out.putBytes(column++, text, 0, 5);
                }
                for (int i = 0; i < 4; i++)
                {
                    out.copyColumn(column++, cb, keys + 2 + i);
                }
                for (int i = 0; i < 4; i++)
                {
                    out.copyColumn(column++, cb, countColumns + i);
                }
                for (int i = 0; i < 4; i++)
                {
                    out.copyColumn(column++, a, keys + 2 + i);
                }
            },
            "1"));
    }

    /** Per (group, day): distinct values of {@code column}, overall and with a bid in each price range. */
    private static Stream distinctCounts(
        final Stream bids, final String view, final String column, final String[] group, final long lateness)
    {
        final Stream perValue = bids.windowAggregate(view + "_per_" + column, "date_time", DAY, DAY, lateness,
            append(group, column), Agg.sum("rank1", "r1"), Agg.sum("rank2", "r2"), Agg.sum("rank3", "r3"));
        final List<Column> flagColumns = new ArrayList<>();
        for (final String key : group)
        {
            flagColumns.add(perValue.schema().column(perValue.schema().require(key)));
        }
        flagColumns.add(Column.of("window_start", ColumnType.TIMESTAMP));
        flagColumns.add(Column.of("any", ColumnType.INT64));
        flagColumns.add(Column.of("in1", ColumnType.INT64));
        flagColumns.add(Column.of("in2", ColumnType.INT64));
        flagColumns.add(Column.of("in3", ColumnType.INT64));
        final Schema in = perValue.schema();
        final int keys = group.length;
        final int windowStart = in.require("window_start");
        final int r1 = in.require("r1");
        final Stream flags = perValue.map(view + "_" + column + "_flags", new Schema(flagColumns),
            (row, out) ->
            {
                for (int i = 0; i < keys; i++)
                {
                    out.copyColumn(i, row, i);
                }
                out.copyColumn(keys, row, windowStart).putLong(keys + 1, 1);
                for (int i = 0; i < 3; i++)
                {
                    out.putLong(keys + 2 + i, row.getLong(r1 + i) > 0 ? 1 : 0);
                }
            },
            "1");
        return flags.windowAggregate(view + "_distinct_" + column, "window_start", DAY, DAY, lateness, group,
            Agg.sum("any", "total"), Agg.sum("in1", "r1"), Agg.sum("in2", "r2"), Agg.sum("in3", "r3"));
    }

    private static String[] append(final String[] columns, final String column)
    {
        final String[] result = new String[columns.length + 1];
        System.arraycopy(columns, 0, result, 0, columns.length);
        result[columns.length] = column;
        return result;
    }
}
