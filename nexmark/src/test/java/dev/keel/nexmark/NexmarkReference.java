package dev.keel.nexmark;

import dev.keel.nexmark.NexmarkEvents.Auction;
import dev.keel.nexmark.NexmarkEvents.Bid;
import dev.keel.nexmark.NexmarkEvents.Person;
import dev.keel.nexmark.NexmarkEvents.Tables;

import java.time.Instant;
import java.time.ZoneOffset;
import java.time.ZonedDateTime;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Reference results of Nexmark queries (q0-q10, q14-q22) over a finite input: plain Java over
 * {@link NexmarkEvents} records, written for clarity, independent of Keel's operators, to check Keel programs
 * against. Each query returns
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

    /** q6 row: a seller and the truncated average final price of its last (up to) 10 won auctions. */
    public record Q6Row(long seller, long avgPrice)
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

    /** q9 row: an auction and its winning bid. */
    public record Q9Row(Auction auction, Bid bid)
    {
    }

    /** q10 row: a bid with its UTC day {@code yyyy-MM-dd} and minute {@code HH:mm}. */
    public record Q10Row(long auction, long bidder, long price, long dateTime, String extra, String dt, String hm)
    {
    }

    /** q14 row: an expensive bid in euros, with its time-of-day class and the count of 'c' in extra. */
    public record Q14Row(long auction, long bidder, double price, String bidTimeType, long dateTime, String extra,
        long cCounts)
    {
    }

    /**
     * q15/q16 row: a channel (null for q15), a UTC day, the latest minute of the day's bids (null for q15), and
     * the counts of bids, distinct bidders and distinct auctions, each overall and per price range.
     */
    public record BidStatisticsRow(String channel, String day, String minute, long totalBids, long rank1Bids,
        long rank2Bids, long rank3Bids, long totalBidders, long rank1Bidders, long rank2Bidders, long rank3Bidders,
        long totalAuctions, long rank1Auctions, long rank2Auctions, long rank3Auctions)
    {
    }

    /** q17 row: statistics of one auction's bids on one day. */
    public record Q17Row(long auction, String day, long totalBids, long rank1Bids, long rank2Bids, long rank3Bids,
        long minPrice, long maxPrice, long avgPrice, long sumPrice)
    {
    }

    /** q20 row: a bid with its (category 10) auction. */
    public record Q20Row(Bid bid, Auction auction)
    {
    }

    /** q21 row: a bid with its channel id. */
    public record Q21Row(long auction, long bidder, long price, String channel, String channelId)
    {
    }

    /** q22 row: a bid with the URL's path pieces 3, 4, 5 (null when absent). */
    public record Q22Row(long auction, long bidder, long price, String channel, String dir1, String dir2,
        String dir3)
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
     * q6, average selling price by seller (Beam's definition): the auctions with a winner as in {@link #q4}
     * (largest valid bid, at or above the reserve), every auction counting as closed; per seller, its 10 such
     * auctions that expire last, and the BIGINT average (truncated) of their final prices. Sorted by seller.
     *
     * @throws IllegalStateException if the 10th and 11th auction of a seller expire at the same instant: the
     *                               definition does not settle which one counts.
     */
    public static List<Q6Row> q6(final Tables tables)
    {
        final Map<Long, List<Bid>> bidsByAuction = new HashMap<>();
        for (final Bid bid : tables.bids())
        {
            bidsByAuction.computeIfAbsent(bid.auction(), id -> new ArrayList<>()).add(bid);
        }
        final Map<Long, List<long[]>> bySeller = new TreeMap<>();
        for (final Auction auction : tables.auctions())
        {
            final long finalPrice = bidsByAuction.getOrDefault(auction.id(), List.of()).stream()
                .filter(b -> b.dateTime() >= auction.dateTime() && b.dateTime() <= auction.expires())
                .mapToLong(Bid::price).max().orElse(Long.MIN_VALUE);
            if (finalPrice != Long.MIN_VALUE && finalPrice >= auction.reserve())
            {
                bySeller.computeIfAbsent(auction.seller(), s -> new ArrayList<>())
                    .add(new long[]{ auction.expires(), finalPrice });
            }
        }
        final List<Q6Row> rows = new ArrayList<>();
        bySeller.forEach((seller, won) ->
        {
            won.sort(Comparator.<long[]>comparingLong(w -> w[0]).reversed());
            if (won.size() > 10 && won.get(9)[0] == won.get(10)[0])
            {
                throw new IllegalStateException("seller " + seller + ": 10th and 11th auctions expire together");
            }
            final List<long[]> last = won.subList(0, Math.min(10, won.size()));
            rows.add(new Q6Row(seller, last.stream().mapToLong(w -> w[1]).sum() / last.size()));
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

    /**
     * q9, winning bids: for each auction with at least one bid {@code B} with {@code B.auction = A.id} and
     * {@code A.date_time <= B.date_time <= A.expires}, the bid with the highest price, the earliest date_time
     * among equal prices (Flink's {@code ROW_NUMBER() OVER (PARTITION BY A.id ORDER BY B.price DESC,
     * B.date_time ASC) = 1}). Bids tied on both are all returned (SQL picks one arbitrarily; a test input with
     * such ties cannot be compared row for row). No reserve condition, as Flink's SQL. Sorted by auction id.
     */
    public static List<Q9Row> q9(final Tables tables)
    {
        final Map<Long, List<Bid>> bidsByAuction = new HashMap<>();
        for (final Bid bid : tables.bids())
        {
            bidsByAuction.computeIfAbsent(bid.auction(), id -> new ArrayList<>()).add(bid);
        }
        final List<Q9Row> rows = new ArrayList<>();
        for (final Auction auction : tables.auctions())
        {
            final List<Bid> valid = new ArrayList<>();
            for (final Bid bid : bidsByAuction.getOrDefault(auction.id(), List.of()))
            {
                if (bid.dateTime() >= auction.dateTime() && bid.dateTime() <= auction.expires())
                {
                    valid.add(bid);
                }
            }
            if (valid.isEmpty())
            {
                continue;
            }
            final Comparator<Bid> order = Comparator.comparingLong(Bid::price).reversed()
                .thenComparingLong(Bid::dateTime);
            valid.sort(order);
            for (final Bid bid : valid)
            {
                if (order.compare(bid, valid.get(0)) == 0)
                {
                    rows.add(new Q9Row(auction, bid));
                }
            }
        }
        rows.sort(Comparator.comparingLong(row -> row.auction().id()));
        return rows;
    }

    /** q10, log to file system: every bid with {@code dt} and {@code hm} of its date_time in UTC. Input order. */
    public static List<Q10Row> q10(final Tables tables)
    {
        final List<Q10Row> rows = new ArrayList<>();
        for (final Bid bid : tables.bids())
        {
            final ZonedDateTime time = Instant.EPOCH.plus(bid.dateTime(), ChronoUnit.MICROS)
                .atZone(ZoneOffset.UTC);
            final String minute = String.format(Locale.ROOT, "%02d:%02d", time.getHour(), time.getMinute());
            rows.add(new Q10Row(bid.auction(), bid.bidder(), bid.price(), bid.dateTime(), bid.extra(),
                time.toLocalDate().toString(), minute));
        }
        return rows;
    }

    /**
     * q14, calculation: every bid with {@code 0.908 * price} (a double) strictly between 1 000 000 and
     * 50 000 000, with that converted price, {@code bid_time_type} from the UTC hour of date_time ('dayTime'
     * for 8..18, 'nightTime' for 0..6 and 20..23, 'otherTime' for 7 and 19) and the number of 'c' characters in
     * extra. Input order.
     */
    public static List<Q14Row> q14(final Tables tables)
    {
        final List<Q14Row> rows = new ArrayList<>();
        for (final Bid bid : tables.bids())
        {
            final double price = 0.908 * bid.price();
            if (price > 1_000_000 && price < 50_000_000)
            {
                final int hour = Instant.EPOCH.plus(bid.dateTime(), ChronoUnit.MICROS)
                    .atZone(ZoneOffset.UTC).getHour();
                final String type = hour >= 8 && hour <= 18 ? "dayTime" :
                    (hour <= 6 || hour >= 20 ? "nightTime" : "otherTime");
                rows.add(new Q14Row(bid.auction(), bid.bidder(), price, type, bid.dateTime(), bid.extra(),
                    bid.extra().chars().filter(c -> c == 'c').count()));
            }
        }
        return rows;
    }

    /**
     * q17, auction statistics: per auction and UTC day ({@code yyyy-MM-dd}) of date_time, the number of bids,
     * the numbers with price below 10 000, in [10 000, 1 000 000) and at or above 1 000 000, and min, max,
     * BIGINT average (truncated) and sum of the prices. Sorted by auction, then day.
     */
    public static List<Q17Row> q17(final Tables tables)
    {
        final Map<List<Object>, List<Bid>> groups = new HashMap<>();
        for (final Bid bid : tables.bids())
        {
            final String day = Instant.EPOCH.plus(bid.dateTime(), ChronoUnit.MICROS)
                .atZone(ZoneOffset.UTC).toLocalDate().toString();
            groups.computeIfAbsent(List.of(bid.auction(), day), key -> new ArrayList<>()).add(bid);
        }
        final List<Q17Row> rows = new ArrayList<>();
        groups.forEach((key, bids) ->
        {
            final long sum = bids.stream().mapToLong(Bid::price).sum();
            rows.add(new Q17Row((Long)key.get(0), (String)key.get(1), bids.size(),
                bids.stream().filter(b -> b.price() < 10_000).count(),
                bids.stream().filter(b -> b.price() >= 10_000 && b.price() < 1_000_000).count(),
                bids.stream().filter(b -> b.price() >= 1_000_000).count(),
                bids.stream().mapToLong(Bid::price).min().orElseThrow(),
                bids.stream().mapToLong(Bid::price).max().orElseThrow(),
                sum / bids.size(), sum));
        });
        rows.sort(Comparator.comparingLong(Q17Row::auction).thenComparing(Q17Row::day));
        return rows;
    }

    /**
     * q15, bidding statistics: per UTC day of date_time, the number of bids, of distinct bidders and of distinct
     * auctions, each overall and restricted to the bids with price below 10 000, in [10 000, 1 000 000) and at or
     * above 1 000 000 ({@code COUNT(DISTINCT x) FILTER (WHERE range)}). Sorted by day.
     */
    public static List<BidStatisticsRow> q15(final Tables tables)
    {
        return bidStatistics(tables, false);
    }

    /**
     * q16, channel statistics: q15 per (channel, day), with {@code minute}, the largest {@code HH:mm} of the
     * group's bids. Sorted by channel, then day.
     */
    public static List<BidStatisticsRow> q16(final Tables tables)
    {
        return bidStatistics(tables, true);
    }

    private static List<BidStatisticsRow> bidStatistics(final Tables tables, final boolean perChannel)
    {
        final Map<List<String>, List<Bid>> groups = new TreeMap<>(
            Comparator.<List<String>, String>comparing(key -> key.get(0)).thenComparing(key -> key.get(1)));
        for (final Bid bid : tables.bids())
        {
            final String day = Instant.EPOCH.plus(bid.dateTime(), ChronoUnit.MICROS).atZone(ZoneOffset.UTC)
                .toLocalDate().toString();
            groups.computeIfAbsent(List.of(perChannel ? bid.channel() : "", day), key -> new ArrayList<>()).add(bid);
        }
        final List<BidStatisticsRow> rows = new ArrayList<>();
        groups.forEach((key, bids) ->
        {
            final long[] counts = new long[12];
            for (int range = 0; range < 4; range++)
            {
                final int r = range;
                final List<Bid> inRange = bids.stream().filter(b -> r == 0 || rank(b.price()) == r).toList();
                counts[range] = inRange.size();
                counts[4 + range] = inRange.stream().map(Bid::bidder).distinct().count();
                counts[8 + range] = inRange.stream().map(Bid::auction).distinct().count();
            }
            final long lastTime = bids.stream().mapToLong(Bid::dateTime).max().orElseThrow();
            final ZonedDateTime last = Instant.EPOCH.plus(lastTime, ChronoUnit.MICROS).atZone(ZoneOffset.UTC);
            rows.add(new BidStatisticsRow(perChannel ? key.get(0) : null, key.get(1),
                perChannel ? String.format(Locale.ROOT, "%02d:%02d", last.getHour(), last.getMinute()) : null,
                counts[0], counts[1], counts[2], counts[3], counts[4], counts[5], counts[6], counts[7],
                counts[8], counts[9], counts[10], counts[11]));
        });
        return rows;
    }

    /** The price range of q15-q17: 1 below 10 000, 2 below 1 000 000, 3 from there. */
    private static int rank(final long price)
    {
        return price < 10_000 ? 1 : (price < 1_000_000 ? 2 : 3);
    }

    /**
     * q18, last bid: per (bidder, auction), the bid with the latest date_time ({@code ROW_NUMBER() OVER
     * (PARTITION BY bidder, auction ORDER BY date_time DESC) = 1}). Bids tied on date_time are all returned (SQL
     * picks one arbitrarily). Sorted by bidder, auction, then input order.
     */
    public static List<Bid> q18(final Tables tables)
    {
        final Map<List<Long>, List<Bid>> latest = new TreeMap<>(
            Comparator.<List<Long>>comparingLong(key -> key.get(0)).thenComparingLong(key -> key.get(1)));
        for (final Bid bid : tables.bids())
        {
            final List<Bid> current = latest.computeIfAbsent(List.of(bid.bidder(), bid.auction()),
                key -> new ArrayList<>());
            if (!current.isEmpty() && bid.dateTime() > current.get(0).dateTime())
            {
                current.clear();
            }
            if (current.isEmpty() || bid.dateTime() == current.get(0).dateTime())
            {
                current.add(bid);
            }
        }
        final List<Bid> rows = new ArrayList<>();
        latest.values().forEach(rows::addAll);
        return rows;
    }

    /**
     * q19, top-10 price: per auction, its bids ranked by price, highest first ({@code ROW_NUMBER() OVER
     * (PARTITION BY auction ORDER BY price DESC) <= 10}), without the rank column. Bids tied with the tenth
     * price are all returned (SQL picks among them arbitrarily). Sorted by auction, then price descending,
     * then input order.
     */
    public static List<Bid> q19(final Tables tables)
    {
        final Map<Long, List<Bid>> byAuction = new TreeMap<>();
        for (final Bid bid : tables.bids())
        {
            byAuction.computeIfAbsent(bid.auction(), id -> new ArrayList<>()).add(bid);
        }
        final List<Bid> rows = new ArrayList<>();
        byAuction.values().forEach(bids ->
        {
            bids.sort(Comparator.comparingLong(Bid::price).reversed());
            for (int i = 0; i < bids.size(); i++)
            {
                if (i < 10 || bids.get(i).price() == bids.get(9).price())
                {
                    rows.add(bids.get(i));
                }
            }
        });
        return rows;
    }

    /**
     * q20, expand bid with auction: every bid joined with its auction when the auction's category is 10 (an
     * inner join: bids of unknown auctions produce nothing). Multiset, in bid input order.
     */
    public static List<Q20Row> q20(final Tables tables)
    {
        final Map<Long, List<Auction>> auctions = new HashMap<>();
        for (final Auction auction : tables.auctions())
        {
            if (auction.category() == 10)
            {
                auctions.computeIfAbsent(auction.id(), id -> new ArrayList<>()).add(auction);
            }
        }
        final List<Q20Row> rows = new ArrayList<>();
        for (final Bid bid : tables.bids())
        {
            for (final Auction auction : auctions.getOrDefault(bid.auction(), List.of()))
            {
                rows.add(new Q20Row(bid, auction));
            }
        }
        return rows;
    }

    /**
     * q21, channel id: bids whose lower-cased channel is apple, google, facebook or baidu (ids '0' to '3'), or
     * else whose URL matches {@code (&|^)channel_id=([^&]*)} (java.util.regex {@code find}; the id is group 2);
     * other bids are dropped. Input order.
     */
    public static List<Q21Row> q21(final Tables tables)
    {
        final Pattern pattern = Pattern.compile("(&|^)channel_id=([^&]*)");
        final List<String> known = List.of("apple", "google", "facebook", "baidu");
        final List<Q21Row> rows = new ArrayList<>();
        for (final Bid bid : tables.bids())
        {
            final int index = known.indexOf(bid.channel().toLowerCase(Locale.ROOT));
            final Matcher matcher = pattern.matcher(bid.url());
            final String id = index >= 0 ? String.valueOf(index) : (matcher.find() ? matcher.group(2) : null);
            if (null != id)
            {
                rows.add(new Q21Row(bid.auction(), bid.bidder(), bid.price(), bid.channel(), id));
            }
        }
        return rows;
    }

    /**
     * q22, URL directories: every bid with pieces 3, 4 and 5 (from 0) of its URL split at every '/' (empty
     * pieces kept, Flink's SPLIT_INDEX), null where the URL has fewer pieces. Input order.
     */
    public static List<Q22Row> q22(final Tables tables)
    {
        final List<Q22Row> rows = new ArrayList<>();
        for (final Bid bid : tables.bids())
        {
            final String[] pieces = bid.url().split("/", -1);
            rows.add(new Q22Row(bid.auction(), bid.bidder(), bid.price(), bid.channel(),
                pieces.length > 3 ? pieces[3] : null, pieces.length > 4 ? pieces[4] : null,
                pieces.length > 5 ? pieces[5] : null));
        }
        return rows;
    }

    public static long tumble(final long dateTime)
    {
        return Math.floorDiv(dateTime, TUMBLE) * TUMBLE;
    }
}
