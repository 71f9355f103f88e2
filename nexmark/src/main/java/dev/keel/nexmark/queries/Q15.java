package dev.keel.nexmark.queries;

import dev.keel.engine.data.Schema;
import dev.keel.engine.program.ProgramBuilder;
import dev.keel.engine.program.ProgramDefinition;

/**
 * Nexmark q15, bidding statistics report: per UTC day, bids, bidders and auctions, overall and by price range.
 * <pre>
 *   CREATE VIEW q15 AS
 *   SELECT DATE_FORMAT(date_time, 'yyyy-MM-dd') AS day,
 *       count(*) AS total_bids,
 *       count(*) FILTER (WHERE price &lt; 10000) AS rank1_bids,
 *       count(*) FILTER (WHERE price &gt;= 10000 AND price &lt; 1000000) AS rank2_bids,
 *       count(*) FILTER (WHERE price &gt;= 1000000) AS rank3_bids,
 *       count(DISTINCT bidder) AS total_bidders,
 *       count(DISTINCT bidder) FILTER (WHERE price &lt; 10000) AS rank1_bidders,
 *       count(DISTINCT bidder) FILTER (WHERE price &gt;= 10000 AND price &lt; 1000000) AS rank2_bidders,
 *       count(DISTINCT bidder) FILTER (WHERE price &gt;= 1000000) AS rank3_bidders,
 *       count(DISTINCT auction) AS total_auctions,
 *       count(DISTINCT auction) FILTER (WHERE price &lt; 10000) AS rank1_auctions,
 *       count(DISTINCT auction) FILTER (WHERE price &gt;= 10000 AND price &lt; 1000000) AS rank2_auctions,
 *       count(DISTINCT auction) FILTER (WHERE price &gt;= 1000000) AS rank3_auctions
 *   FROM bid
 *   GROUP BY DATE_FORMAT(date_time, 'yyyy-MM-dd');
 * </pre>
 * Built by {@link BidStatistics} (COUNT DISTINCT as two window aggregates over the day).
 */
public final class Q15 implements ProgramDefinition
{
    public static final String NAME = "nexmark-q15";
    public static final String VIEW = "q15";
    public static final Schema SCHEMA = BidStatistics.schema(false);

    private final long lateness;

    /** Bids in event-time order (the generator's default). */
    public Q15()
    {
        this(0);
    }

    /**
     * @param lateness how far (micros) a bid's date_time may fall behind the latest one seen in earlier steps
     *                 and still count; later bids are dropped.
     */
    public Q15(final long lateness)
    {
        this.lateness = QuerySupport.lateness("q15", lateness);
    }

    public void define(final ProgramBuilder program)
    {
        BidStatistics.define(program, VIEW, false, lateness);
    }
}
