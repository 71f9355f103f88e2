package dev.keel.nexmark.queries;

import dev.keel.engine.program.ProgramBuilder;
import dev.keel.engine.program.ProgramDefinition;

import static dev.keel.nexmark.NexmarkSchemas.BID;

/**
 * Nexmark q18, find last bid: the latest bid of each bidder in each auction.
 * <pre>
 *   CREATE VIEW q18 AS
 *   SELECT auction, bidder, price, channel, url, date_time, extra
 *   FROM (SELECT *, ROW_NUMBER() OVER (PARTITION BY bidder, auction ORDER BY date_time DESC) AS rank_number
 *         FROM bid)
 *   WHERE rank_number &lt;= 1;
 * </pre>
 * A top-1 per (bidder, auction); bids at the same date_time are ordered by their row bytes (deterministic;
 * SQL leaves the choice open). The view replaces a group's row when a later bid arrives. Its state keeps every
 * bid of the group (the top-n operator keeps the group's rows so that it can handle retractions), as the query
 * has no window.
 */
public final class Q18 implements ProgramDefinition
{
    public static final String NAME = "nexmark-q18";
    public static final String VIEW = "q18";

    public void define(final ProgramBuilder program)
    {
        program.view(VIEW, program.table(NexmarkQueries.BID, BID)
            .topN(VIEW, new String[]{ "bidder", "auction" }, "date_time", true, 1));
    }
}
