package dev.keel.nexmark.queries;

import dev.keel.engine.program.ProgramBuilder;
import dev.keel.engine.program.ProgramDefinition;

import static dev.keel.nexmark.NexmarkSchemas.BID;

/**
 * Nexmark q19, auction top-10 price: the ten highest bids of each auction.
 * <pre>
 *   CREATE VIEW q19 AS
 *   SELECT auction, bidder, price, channel, url, date_time, extra
 *   FROM (SELECT *, ROW_NUMBER() OVER (PARTITION BY auction ORDER BY price DESC) AS rank_number FROM bid)
 *   WHERE rank_number &lt;= 10;
 * </pre>
 * Flink's version also returns {@code rank_number}; Keel's top-n emits the set of the top rows, not their
 * ranks (numbering them would re-emit every lower-ranked row when a bid enters the top ten). Bids at the same
 * price are ordered by their row bytes. Unbounded state (every bid per auction), as the query has no window.
 */
public final class Q19 implements ProgramDefinition
{
    public static final String NAME = "nexmark-q19";
    public static final String VIEW = "q19";
    public static final int TOP = 10;

    public void define(final ProgramBuilder program)
    {
        program.view(VIEW, program.table(NexmarkQueries.BID, BID)
            .topN(VIEW, new String[]{ "auction" }, "price", true, TOP));
    }
}
