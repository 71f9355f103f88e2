package dev.keel.nexmark.queries;

import dev.keel.engine.data.Column;
import dev.keel.engine.data.ColumnType;
import dev.keel.engine.data.Schema;
import dev.keel.engine.program.ProgramBuilder;
import dev.keel.engine.program.ProgramDefinition;

import static dev.keel.nexmark.NexmarkSchemas.*;

/**
 * Nexmark q1, currency conversion: every bid with its price converted from dollars to euros.
 * <pre>
 *   CREATE VIEW q1 AS
 *   SELECT auction, bidder, price * 908 / 1000 AS price, date_time, extra FROM bid;
 * </pre>
 * BIGINT arithmetic (truncation toward zero), as Flink's {@code 0.908 * price} cast back to BIGINT for the
 * positive prices of Nexmark. Append-only, in input order.
 */
public final class Q1 implements ProgramDefinition
{
    public static final String NAME = "nexmark-q1";
    public static final String VIEW = "q1";

    public static final Schema SCHEMA = Schema.of(
        Column.of("auction", ColumnType.INT64),
        Column.of("bidder", ColumnType.INT64),
        Column.of("price", ColumnType.INT64),
        Column.of("date_time", ColumnType.TIMESTAMP),
        Column.of("extra", ColumnType.STRING));

    public void define(final ProgramBuilder program)
    {
        program.view(VIEW, program.table(NexmarkQueries.BID, BID).map(VIEW, SCHEMA,
            (in, out) -> out
                .copyColumn(0, in, BID_AUCTION)
                .copyColumn(1, in, BID_BIDDER)
                .putLong(2, in.getLong(BID_PRICE) * 908 / 1000)
                .copyColumn(3, in, BID_DATE_TIME)
                .copyColumn(4, in, BID_EXTRA),
            "1"));
    }
}
