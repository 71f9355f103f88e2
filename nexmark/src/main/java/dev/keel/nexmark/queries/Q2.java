package dev.keel.nexmark.queries;

import dev.keel.engine.data.Column;
import dev.keel.engine.data.ColumnType;
import dev.keel.engine.data.Schema;
import dev.keel.engine.program.ProgramBuilder;
import dev.keel.engine.program.ProgramDefinition;

import static dev.keel.nexmark.NexmarkSchemas.*;

/**
 * Nexmark q2, selection: the bids of a chosen set of auctions.
 * <pre>
 *   CREATE VIEW q2 AS SELECT auction, price FROM bid WHERE MOD(auction, 123) = 0;
 * </pre>
 * A multiset (two bids of the same auction at the same price are two rows). Append-only, in input order.
 */
public final class Q2 implements ProgramDefinition
{
    public static final String NAME = "nexmark-q2";
    public static final String VIEW = "q2";
    public static final long MODULUS = 123;

    public static final Schema SCHEMA = Schema.of(
        Column.of("auction", ColumnType.INT64),
        Column.of("price", ColumnType.INT64));

    public void define(final ProgramBuilder program)
    {
        program.view(VIEW, program.table(NexmarkQueries.BID, BID)
            .filter("q2_selected", row -> row.getLong(BID_AUCTION) % MODULUS == 0, "1")
            .map(VIEW, SCHEMA, (in, out) -> out.copyColumn(0, in, BID_AUCTION).copyColumn(1, in, BID_PRICE), "1"));
    }
}
