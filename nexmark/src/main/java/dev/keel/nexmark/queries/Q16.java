package dev.keel.nexmark.queries;

import dev.keel.engine.data.Schema;
import dev.keel.engine.program.ProgramBuilder;
import dev.keel.engine.program.ProgramDefinition;

/**
 * Nexmark q16, channel statistics report: q15 per channel and UTC day, with the day's latest minute.
 * <pre>
 *   CREATE VIEW q16 AS
 *   SELECT channel, DATE_FORMAT(date_time, 'yyyy-MM-dd') AS day,
 *       max(DATE_FORMAT(date_time, 'HH:mm')) AS minute,
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
 *   GROUP BY channel, DATE_FORMAT(date_time, 'yyyy-MM-dd');
 * </pre>
 * {@code max(DATE_FORMAT(date_time, 'HH:mm'))} within one day is the {@code HH:mm} of the day's latest
 * date_time (the format is monotonic within a day), so it is a running maximum of date_time, formatted. Built
 * by {@link BidStatistics}.
 */
public final class Q16 implements ProgramDefinition
{
    public static final String NAME = "nexmark-q16";
    public static final String VIEW = "q16";
    public static final Schema SCHEMA = BidStatistics.schema(true);

    private final long lateness;

    /** Bids in event-time order (the generator's default). */
    public Q16()
    {
        this(0);
    }

    /**
     * @param lateness how far (micros) a bid's date_time may fall behind the latest one seen in earlier steps
     *                 and still count; later bids are dropped.
     */
    public Q16(final long lateness)
    {
        this.lateness = QuerySupport.lateness("q16", lateness);
    }

    public void define(final ProgramBuilder program)
    {
        BidStatistics.define(program, VIEW, true, lateness);
    }
}
