package dev.keel.nexmark.queries;

import dev.keel.engine.data.Column;
import dev.keel.engine.data.ColumnType;
import dev.keel.engine.data.Schema;
import dev.keel.engine.program.ProgramBuilder;
import dev.keel.engine.program.ProgramDefinition;
import org.agrona.concurrent.UnsafeBuffer;

import static dev.keel.nexmark.NexmarkSchemas.*;

/**
 * Nexmark q10, log to file system: every bid with its UTC day and minute, the columns Flink's q10 partitions
 * its file sink by.
 * <pre>
 *   INSERT INTO fs_sink   -- PARTITIONED BY (dt, hm)
 *   SELECT auction, bidder, price, date_time, extra,
 *          DATE_FORMAT(date_time, 'yyyy-MM-dd') AS dt, DATE_FORMAT(date_time, 'HH:mm') AS hm
 *   FROM bid;
 * </pre>
 * This is the query; writing one file directory per (dt, hm) partition is the job of the output connector,
 * and Keel's file output writes one file per endpoint (no partitioned file sink yet). Append-only, input order.
 */
public final class Q10 implements ProgramDefinition
{
    public static final String NAME = "nexmark-q10";
    public static final String VIEW = "q10";

    public static final Schema SCHEMA = Schema.of(
        Column.of("auction", ColumnType.INT64),
        Column.of("bidder", ColumnType.INT64),
        Column.of("price", ColumnType.INT64),
        Column.of("date_time", ColumnType.TIMESTAMP),
        Column.of("extra", ColumnType.STRING),
        Column.of("dt", ColumnType.STRING),
        Column.of("hm", ColumnType.STRING));

    public void define(final ProgramBuilder program)
    {
        final UnsafeBuffer text = new UnsafeBuffer(new byte[16]);
        program.view(VIEW, program.table(NexmarkQueries.BID, BID).map(VIEW, SCHEMA,
            (in, out) ->
            {
                final long dateTime = in.getLong(BID_DATE_TIME);
                out.copyColumn(0, in, BID_AUCTION)
                    .copyColumn(1, in, BID_BIDDER)
                    .copyColumn(2, in, BID_PRICE)
                    .copyColumn(3, in, BID_DATE_TIME)
                    .copyColumn(4, in, BID_EXTRA);
                QuerySupport.formatDate(dateTime, text);
                out.putBytes(5, text, 0, 10);
                QuerySupport.formatHourMinute(dateTime, text);
                out.putBytes(6, text, 0, 5);
            },
            "1"));
    }
}
