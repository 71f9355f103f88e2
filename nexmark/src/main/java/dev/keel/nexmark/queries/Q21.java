package dev.keel.nexmark.queries;

import dev.keel.engine.data.Column;
import dev.keel.engine.data.ColumnType;
import dev.keel.engine.data.RowView;
import dev.keel.engine.data.Schema;
import dev.keel.engine.program.ProgramBuilder;
import dev.keel.engine.program.ProgramDefinition;
import org.agrona.DirectBuffer;

import static dev.keel.nexmark.NexmarkSchemas.*;

/**
 * Nexmark q21, add channel id: a channel id for bids of the four known channels, or taken from the URL.
 * <pre>
 *   CREATE VIEW q21 AS
 *   SELECT auction, bidder, price, channel,
 *       CASE
 *           WHEN lower(channel) = 'apple' THEN '0'
 *           WHEN lower(channel) = 'google' THEN '1'
 *           WHEN lower(channel) = 'facebook' THEN '2'
 *           WHEN lower(channel) = 'baidu' THEN '3'
 *           ELSE REGEXP_EXTRACT(url, '(&amp;|^)channel_id=([^&amp;]*)', 2)
 *       END AS channel_id
 *   FROM bid
 *   WHERE REGEXP_EXTRACT(url, '(&amp;|^)channel_id=([^&amp;]*)', 2) IS NOT NULL
 *      OR lower(channel) IN ('apple', 'google', 'facebook', 'baidu');
 * </pre>
 * The regular expression is evaluated by hand, without allocating: the first {@code channel_id=} at the start
 * of the URL or right after an {@code &amp;}, up to the next {@code &amp;} or the end. Append-only, input order.
 */
public final class Q21 implements ProgramDefinition
{
    public static final String NAME = "nexmark-q21";
    public static final String VIEW = "q21";

    public static final Schema SCHEMA = Schema.of(
        Column.of("auction", ColumnType.INT64),
        Column.of("bidder", ColumnType.INT64),
        Column.of("price", ColumnType.INT64),
        Column.of("channel", ColumnType.STRING),
        Column.of("channel_id", ColumnType.STRING));

    private static final byte[][] KNOWN = {
        QuerySupport.ascii("apple"), QuerySupport.ascii("google"), QuerySupport.ascii("facebook"),
        QuerySupport.ascii("baidu") };
    private static final byte[][] KNOWN_IDS = {
        QuerySupport.ascii("0"), QuerySupport.ascii("1"), QuerySupport.ascii("2"), QuerySupport.ascii("3") };
    private static final byte[] KEY = QuerySupport.ascii("channel_id=");

    public void define(final ProgramBuilder program)
    {
        program.view(VIEW, program.table(NexmarkQueries.BID, BID)
            .filter("q21_has_id", row -> known(row) >= 0 || channelIdStart(row) >= 0, "1")
            .map(VIEW, SCHEMA, (in, out) ->
            {
                out.copyColumn(0, in, BID_AUCTION)
                    .copyColumn(1, in, BID_BIDDER)
                    .copyColumn(2, in, BID_PRICE)
                    .copyColumn(3, in, BID_CHANNEL);
                final int known = known(in);
                if (known >= 0)
                {
                    out.putBytes(4, KNOWN_IDS[known]);
                }
                else
                {
                    final DirectBuffer buffer = in.buffer();
                    final int start = channelIdStart(in);
                    final int end = in.varOffset(BID_URL) + in.varLength(BID_URL);
                    int stop = start;
                    while (stop < end && buffer.getByte(stop) != '&')
                    {
                        stop++;
                    }
                    out.putBytes(4, buffer, start, stop - start);
                }
            },
            "1"));
    }

    private static int known(final RowView row)
    {
        for (int i = 0; i < KNOWN.length; i++)
        {
            if (QuerySupport.equalsIgnoreAsciiCase(row, BID_CHANNEL, KNOWN[i]))
            {
                return i;
            }
        }
        return -1;
    }

    /** Buffer offset of the id after the first {@code channel_id=} at the start or after '&amp;', or -1. */
    private static int channelIdStart(final RowView row)
    {
        final DirectBuffer buffer = row.buffer();
        final int start = row.varOffset(BID_URL);
        final int end = start + row.varLength(BID_URL);
        for (int i = start; i + KEY.length <= end; i++)
        {
            if (i != start && buffer.getByte(i - 1) != '&')
            {
                continue;
            }
            int k = 0;
            while (k < KEY.length && buffer.getByte(i + k) == KEY[k])
            {
                k++;
            }
            if (k == KEY.length)
            {
                return i + KEY.length;
            }
        }
        return -1;
    }
}
