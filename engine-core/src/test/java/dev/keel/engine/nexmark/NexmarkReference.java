package dev.keel.engine.nexmark;

import dev.keel.engine.nexmark.NexmarkEvents.Auction;
import dev.keel.engine.nexmark.NexmarkEvents.Bid;
import dev.keel.engine.nexmark.NexmarkEvents.Person;
import dev.keel.engine.nexmark.NexmarkEvents.Tables;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;

/**
 * Reference results of Nexmark queries over a finite input: plain Java over {@link NexmarkEvents} records,
 * written for clarity, independent of Keel's operators, to check Keel programs against. Each query returns
 * the <em>final</em> result (the view after all input) as a list in a documented sort order; duplicates are
 * kept where the query is a multiset.
 * <p>
 * Conventions for all queries:
 * <ul>
 *   <li>Times are TIMESTAMP micros since the epoch; durations below are in micros.</li>
 *   <li>Windows are aligned to the epoch: the tumbling window of {@code t} with size {@code w} starts at
 *   {@code floorDiv(t, w) * w}; it contains {@code [start, start + w)} (half-open).</li>
 *   <li>The hopping windows of {@code t} (size 10 s, hop 2 s) are the five windows
 *   {@code [s, s + 10 s)} with {@code s = floorDiv(t, 2 s) * 2 s - k * 2 s}, {@code k = 0..4}.</li>
 *   <li>Only windows containing at least one input row exist.</li>
 *   <li>Result columns are those of Flink's Nexmark SQL, except that q5 and q7 also keep the window (start,
 *   and end for q5), which the SQL projects away: project them away to compare with a view that does not
 *   have them (the result is then a multiset).</li>
 * </ul>
 */
public final class NexmarkReference
{
    public static final long SECOND = 1_000_000L;
    public static final long TUMBLE = 10 * SECOND;
    public static final long HOP_SIZE = 10 * SECOND;
    public static final long HOP_SLIDE = 2 * SECOND;

    /** q1 row: {@code SELECT auction, bidder, price * 908 / 1000 AS price, date_time, extra FROM bid}. */
    public record Q1Row(long auction, long bidder, long price, long dateTime, String extra)
    {
    }

    /** q2 row: {@code SELECT auction, price FROM bid WHERE auction % 123 = 0}. */
    public record Q2Row(long auction, long price)
    {
    }

    /** q3 row: person name, city, state and the auction id. */
    public record Q3Row(String name, String city, String state, long id)
    {
    }

    /**
     * q4 row: a category with the sum and count of its winning prices. {@link #average()} is the SQL
     * {@code AVG} of a BIGINT column, truncated toward zero (as Feldera's and Flink's BIGINT AVG).
     */
    public record Q4Row(long category, long sum, long count)
    {
        public long average()
        {
            return sum / count;
        }

        public double exactAverage()
        {
            return (double)sum / count;
        }
    }

    /** q5 row: a hopping window, an auction with the window's largest bid count, and that count. */
    public record Q5Row(long windowStart, long windowEnd, long auction, long num)
    {
    }

    /** q7 row: the tumbling window start and a bid whose price is the window's maximum. */
    public record Q7Row(long windowStart, long auction, long price, long bidder, long dateTime, String extra)
    {
    }

    /** q8 row: a person who registered and opened an auction in the same tumbling window. */
    public record Q8Row(long id, String name, long windowStart)
    {
    }

    private NexmarkReference()
    {
    }

    /** q0, pass-through: every bid, in input order. */
    public static List<Bid> q0(final Tables tables)
    {
        return new ArrayList<>(tables.bids());
    }

    /**
     * q1, currency conversion: every bid with {@code price} replaced by {@code price * 908 / 1000} in BIGINT
     * arithmetic (truncation toward zero; prices are positive, so this equals {@code CAST(0.908 * price AS
     * BIGINT)}); columns as Flink's q1 (auction, bidder, price, date_time, extra). Input order.
     */
    public static List<Q1Row> q1(final Tables tables)
    {
        final List<Q1Row> rows = new ArrayList<>();
        for (final Bid bid : tables.bids())
        {
            rows.add(new Q1Row(bid.auction(), bid.bidder(), bid.price() * 908 / 1000, bid.dateTime(), bid.extra()));
        }
        return rows;
    }

    /** q2, selection: (auction, price) of every bid with {@code auction % 123 == 0}. Input order, multiset. */
    public static List<Q2Row> q2(final Tables tables)
    {
        final List<Q2Row> rows = new ArrayList<>();
        for (final Bid bid : tables.bids())
        {
            if (bid.auction() % 123 == 0)
            {
                rows.add(new Q2Row(bid.auction(), bid.price()));
            }
        }
        return rows;
    }

    /**
     * q3, local item suggestion: {@code SELECT P.name, P.city, P.state, A.id FROM auction A JOIN person P ON
     * A.seller = P.id WHERE A.category = 10 AND P.state IN ('OR', 'ID', 'CA')}. An inner join: auctions of
     * sellers that are not (yet) in the person table produce nothing. Multiset, sorted by auction id, then
     * name, city, state.
     */
    public static List<Q3Row> q3(final Tables tables)
    {
        final Map<Long, List<Person>> personsById = new HashMap<>();
        for (final Person person : tables.persons())
        {
            if ("OR".equals(person.state()) || "ID".equals(person.state()) || "CA".equals(person.state()))
            {
                personsById.computeIfAbsent(person.id(), id -> new ArrayList<>()).add(person);
            }
        }
        final List<Q3Row> rows = new ArrayList<>();
        for (final Auction auction : tables.auctions())
        {
            if (auction.category() != 10)
            {
                continue;
            }
            for (final Person person : personsById.getOrDefault(auction.seller(), List.of()))
            {
                rows.add(new Q3Row(person.name(), person.city(), person.state(), auction.id()));
            }
        }
        rows.sort(Comparator.comparingLong(Q3Row::id).thenComparing(Q3Row::name).thenComparing(Q3Row::city)
            .thenComparing(Q3Row::state));
        return rows;
    }

    /** q4 at the end of input, where every auction counts as closed: {@link #q4(Tables, long)} with no cut-off. */
    public static List<Q4Row> q4(final Tables tables)
    {
        return q4(tables, Long.MAX_VALUE);
    }

    /**
     * q4, average closing price per category. For each auction {@code A} that is closed, i.e.
     * {@code A.expires < closedBefore}: its final price is the largest {@code B.price} of the bids with
     * {@code B.auction = A.id} and {@code A.date_time <= B.date_time <= A.expires} (SQL BETWEEN, both ends
     * inclusive). The auction has a winner when such bids exist and the final price is {@code >= A.reserve}
     * (the same as Beam's "some valid bid at or above the reserve"). Result: per category with at least one
     * winning auction, the sum and count of the final prices; sorted by category.
     * <p>
     * Flink's and Feldera's SQL q4 have neither the reserve nor the closed condition; with
     * {@code closedBefore = Long.MAX_VALUE} and every reserve at 0 this is their query.
     */
    public static List<Q4Row> q4(final Tables tables, final long closedBefore)
    {
        final Map<Long, List<Bid>> bidsByAuction = new HashMap<>();
        for (final Bid bid : tables.bids())
        {
            bidsByAuction.computeIfAbsent(bid.auction(), id -> new ArrayList<>()).add(bid);
        }
        final Map<Long, long[]> sumAndCount = new TreeMap<>();
        for (final Auction auction : tables.auctions())
        {
            if (auction.expires() >= closedBefore)
            {
                continue;
            }
            long finalPrice = Long.MIN_VALUE;
            for (final Bid bid : bidsByAuction.getOrDefault(auction.id(), List.of()))
            {
                if (bid.dateTime() >= auction.dateTime() && bid.dateTime() <= auction.expires())
                {
                    finalPrice = Math.max(finalPrice, bid.price());
                }
            }
            if (finalPrice != Long.MIN_VALUE && finalPrice >= auction.reserve())
            {
                final long[] entry = sumAndCount.computeIfAbsent(auction.category(), c -> new long[2]);
                entry[0] += finalPrice;
                entry[1]++;
            }
        }
        final List<Q4Row> rows = new ArrayList<>();
        sumAndCount.forEach((category, entry) -> rows.add(new Q4Row(category, entry[0], entry[1])));
        return rows;
    }

    /**
     * q5, hot items: hopping windows of 10 s every 2 s over bid {@code date_time}; in each window, the bid
     * count per auction, and the auction(s) whose count equals the window's largest count (all of them on a
     * tie, as Flink's {@code num >= maxn} join). Sorted by window start, then auction.
     */
    public static List<Q5Row> q5(final Tables tables)
    {
        final Map<Long, Map<Long, Long>> countsByWindow = new TreeMap<>();
        final long windowsPerRow = HOP_SIZE / HOP_SLIDE;
        for (final Bid bid : tables.bids())
        {
            final long lastStart = Math.floorDiv(bid.dateTime(), HOP_SLIDE) * HOP_SLIDE;
            for (long k = 0; k < windowsPerRow; k++)
            {
                countsByWindow.computeIfAbsent(lastStart - k * HOP_SLIDE, s -> new TreeMap<>())
                    .merge(bid.auction(), 1L, Long::sum);
            }
        }
        final List<Q5Row> rows = new ArrayList<>();
        countsByWindow.forEach((start, counts) ->
        {
            final long max = counts.values().stream().mapToLong(Long::longValue).max().orElseThrow();
            counts.forEach((auction, count) ->
            {
                if (count == max)
                {
                    rows.add(new Q5Row(start, start + HOP_SIZE, auction, count));
                }
            });
        });
        return rows;
    }

    /**
     * q7, highest bid: for each 10 s tumbling window over bid {@code date_time}, every bid of that window whose
     * price equals the window's largest price (all of them on a tie). Membership is the half-open window;
     * Flink's and Feldera's SQL join on {@code date_time BETWEEN window_end - 10 s AND window_end}, which also
     * admits a bid stamped exactly at {@code window_end} with the previous window's maximum price; that corner
     * is deliberately not reproduced. Sorted by window start, then bid date_time, auction, bidder; multiset.
     */
    public static List<Q7Row> q7(final Tables tables)
    {
        final Map<Long, Long> maxPrice = new HashMap<>();
        for (final Bid bid : tables.bids())
        {
            maxPrice.merge(tumble(bid.dateTime()), bid.price(), Math::max);
        }
        final List<Q7Row> rows = new ArrayList<>();
        for (final Bid bid : tables.bids())
        {
            final long start = tumble(bid.dateTime());
            if (bid.price() == maxPrice.get(start))
            {
                rows.add(new Q7Row(start, bid.auction(), bid.price(), bid.bidder(), bid.dateTime(), bid.extra()));
            }
        }
        rows.sort(Comparator.comparingLong(Q7Row::windowStart).thenComparingLong(Q7Row::dateTime)
            .thenComparingLong(Q7Row::auction).thenComparingLong(Q7Row::bidder).thenComparing(Q7Row::extra));
        return rows;
    }

    /**
     * q8, monitor new users: the distinct (person id, name, window start) such that the person registered
     * ({@code person.date_time}) and opened an auction ({@code auction.seller = person.id},
     * {@code auction.date_time}) in the same 10 s tumbling window. A set, as Flink's GROUP BY on both sides;
     * sorted by window start, then id.
     */
    public static List<Q8Row> q8(final Tables tables)
    {
        final Set<String> sellerWindows = new TreeSet<>();
        for (final Auction auction : tables.auctions())
        {
            sellerWindows.add(auction.seller() + "@" + tumble(auction.dateTime()));
        }
        final Set<Q8Row> rows = new TreeSet<>(Comparator.comparingLong(Q8Row::windowStart)
            .thenComparingLong(Q8Row::id).thenComparing(Q8Row::name));
        for (final Person person : tables.persons())
        {
            final long start = tumble(person.dateTime());
            if (sellerWindows.contains(person.id() + "@" + start))
            {
                rows.add(new Q8Row(person.id(), person.name(), start));
            }
        }
        return new ArrayList<>(rows);
    }

    public static long tumble(final long dateTime)
    {
        return Math.floorDiv(dateTime, TUMBLE) * TUMBLE;
    }
}
