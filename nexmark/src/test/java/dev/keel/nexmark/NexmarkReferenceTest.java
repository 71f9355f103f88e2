package dev.keel.nexmark;

import dev.keel.nexmark.NexmarkEvents.Auction;
import dev.keel.nexmark.NexmarkEvents.Bid;
import dev.keel.nexmark.NexmarkEvents.Person;
import dev.keel.nexmark.NexmarkEvents.Tables;
import dev.keel.nexmark.NexmarkReference.Q1Row;
import dev.keel.nexmark.NexmarkReference.Q2Row;
import dev.keel.nexmark.NexmarkReference.Q3Row;
import dev.keel.nexmark.NexmarkReference.Q4Row;
import dev.keel.nexmark.NexmarkReference.Q5Row;
import dev.keel.nexmark.NexmarkReference.Q7Row;
import dev.keel.nexmark.NexmarkReference.BidStatisticsRow;
import dev.keel.nexmark.NexmarkReference.Q21Row;
import dev.keel.nexmark.NexmarkReference.Q22Row;
import dev.keel.nexmark.NexmarkReference.Q6Row;
import dev.keel.nexmark.NexmarkReference.Q8Row;
import dev.keel.nexmark.NexmarkReference.Q9Row;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;

import static dev.keel.nexmark.NexmarkReference.SECOND;
import static org.junit.jupiter.api.Assertions.*;

/**
 * The reference queries on small hand-made inputs whose results were worked out by hand, including the
 * corner cases their Javadoc settles (window edges, ties, inclusive BETWEEN, reserve, closing).
 */
class NexmarkReferenceTest
{
    /** A multiple of 10 s, so windows start at T0. */
    private static final long T0 = 1_000 * SECOND;

    private static long at(final double seconds)
    {
        return T0 + Math.round(seconds * SECOND);
    }

    private static Person person(final long id, final String state, final double seconds)
    {
        return new Person(id, "name" + id, "e@x.com", "0000 0000 0000 0000", "city" + id, state, at(seconds), "");
    }

    private static Auction auction(final long id, final long seller, final long category, final long reserve,
        final double seconds, final double expiresSeconds)
    {
        return new Auction(id, "item", "desc", 1, reserve, at(seconds), at(expiresSeconds), seller, category, "");
    }

    private static Bid bid(final long auction, final long price, final double seconds)
    {
        return new Bid(auction, 7, price, "Google", "https://www.nexmark.com/googl/item.htm?query=1", at(seconds),
            "x" + price);
    }

    private static Tables tables(final List<Person> persons, final List<Auction> auctions, final List<Bid> bids)
    {
        return new Tables(persons, auctions, bids);
    }

    @Test
    void q0PassesBidsThroughAndQ1ConvertsPricesWithTruncation()
    {
        final List<Bid> bids = List.of(bid(1, 1000, 1), bid(2, 999, 2), bid(3, 1, 3), bid(1, 1000, 1));
        final Tables input = tables(List.of(), List.of(), bids);
        assertEquals(bids, NexmarkReference.q0(input));
        assertEquals(List.of(
            new Q1Row(1, 7, 908, at(1), "x1000"),
            new Q1Row(2, 7, 907, at(2), "x999"),
            new Q1Row(3, 7, 0, at(3), "x1"),
            new Q1Row(1, 7, 908, at(1), "x1000")), NexmarkReference.q1(input));
    }

    @Test
    void q2KeepsAuctionsDivisibleBy123WithDuplicates()
    {
        final Tables input = tables(List.of(), List.of(),
            List.of(bid(123, 5, 1), bid(124, 6, 1), bid(246, 7, 2), bid(123, 5, 3), bid(0, 1, 4)));
        assertEquals(List.of(new Q2Row(123, 5), new Q2Row(246, 7), new Q2Row(123, 5), new Q2Row(0, 1)),
            NexmarkReference.q2(input));
    }

    @Test
    void q3JoinsCategoryTenAuctionsWithSellersInOregonIdahoCalifornia()
    {
        final Tables input = tables(
            List.of(person(1, "OR", 0), person(2, "WA", 0), person(3, "CA", 0), person(4, "ID", 0)),
            List.of(
                auction(13, 3, 10, 0, 1, 2),
                auction(10, 1, 10, 0, 1, 2),
                auction(11, 2, 10, 0, 1, 2),
                auction(12, 3, 11, 0, 1, 2),
                auction(14, 99, 10, 0, 1, 2),
                auction(15, 4, 10, 0, 1, 2)),
            List.of());
        assertEquals(List.of(
            new Q3Row("name1", "city1", "OR", 10),
            new Q3Row("name3", "city3", "CA", 13),
            new Q3Row("name4", "city4", "ID", 15)), NexmarkReference.q3(input));
    }

    @Test
    void q4AveragesWinningPricesOfClosedAuctionsPerCategory()
    {
        final Tables input = tables(List.of(),
            List.of(
                auction(1, 100, 10, 100, 0, 10),
                auction(2, 100, 10, 1000, 0, 10),
                auction(3, 100, 10, 0, 2, 10),
                auction(4, 100, 11, 0, 0, 10),
                auction(5, 100, 11, 0, 0, 100)),
            List.of(
                bid(1, 50, 1),
                bid(1, 150, 10),     // at expires: BETWEEN is inclusive
                bid(1, 500, 11),     // after expires
                bid(1, 400, -1),     // before the auction opened
                bid(2, 900, 5),      // below the reserve
                bid(3, 251, 2),      // at the opening instant
                bid(5, 70, 50)));
        assertEquals(List.of(new Q4Row(10, 401, 2), new Q4Row(11, 70, 1)), NexmarkReference.q4(input));
        assertEquals(200, NexmarkReference.q4(input).get(0).average(), "AVG of BIGINT truncates 200.5");
        assertEquals(200.5, NexmarkReference.q4(input).get(0).exactAverage());
        // auction 5 expires at 100 s: not closed before 100 s, closed before 100.000001 s
        assertEquals(List.of(new Q4Row(10, 401, 2)), NexmarkReference.q4(input, at(100)));
        assertEquals(List.of(new Q4Row(10, 401, 2), new Q4Row(11, 70, 1)),
            NexmarkReference.q4(input, at(100) + 1));
    }

    @Test
    void q5FindsTheAuctionsWithMostBidsPerHoppingWindowKeepingTies()
    {
        final Tables input = tables(List.of(), List.of(),
            List.of(bid(1, 1, 1), bid(1, 1, 3), bid(2, 1, 1.5), bid(2, 1, 9), bid(2, 1, 11)));
        assertEquals(List.of(
            new Q5Row(at(-8), at(2), 1, 1),
            new Q5Row(at(-8), at(2), 2, 1),
            new Q5Row(at(-6), at(4), 1, 2),
            new Q5Row(at(-4), at(6), 1, 2),
            new Q5Row(at(-2), at(8), 1, 2),
            new Q5Row(at(0), at(10), 1, 2),
            new Q5Row(at(0), at(10), 2, 2),
            new Q5Row(at(2), at(12), 2, 2),
            new Q5Row(at(4), at(14), 2, 2),
            new Q5Row(at(6), at(16), 2, 2),
            new Q5Row(at(8), at(18), 2, 2),
            new Q5Row(at(10), at(20), 2, 1)), NexmarkReference.q5(input));
    }

    @Test
    void q7ReturnsEveryBidAtItsTumblingWindowsMaximumPrice()
    {
        final Tables input = tables(List.of(), List.of(),
            List.of(bid(1, 5, 1), bid(2, 9, 3), bid(3, 9, 2), bid(4, 3, 4), bid(5, 9, 10), bid(6, 2, 15)));
        assertEquals(List.of(
            new Q7Row(at(0), 3, 9, 7, at(2), "x9"),
            new Q7Row(at(0), 2, 9, 7, at(3), "x9"),
            // at exactly 10 s: only in the second window, although Flink's BETWEEN would also match the first
            new Q7Row(at(10), 5, 9, 7, at(10), "x9")), NexmarkReference.q7(input));
    }

    @Test
    void q8FindsPeopleWhoRegisteredAndOpenedAnAuctionInTheSameWindow()
    {
        final Tables input = tables(
            List.of(person(1, "OR", 1), person(2, "WA", 9), person(3, "CA", 12), person(4, "ID", 3)),
            List.of(
                auction(10, 1, 10, 0, 5, 50),
                auction(11, 1, 10, 0, 6, 50),      // a second auction: still one row
                auction(12, 2, 10, 0, 10, 50),     // the next window
                auction(13, 3, 10, 0, 19.999999, 50),
                auction(14, 5, 10, 0, 2, 50)),     // no such person
            List.of());
        assertEquals(List.of(new Q8Row(1, "name1", at(0)), new Q8Row(3, "name3", at(10))),
            NexmarkReference.q8(input));
    }

    @Test
    void q9PicksTheHighestValidBidAndTheEarliestOnATie()
    {
        final Auction first = auction(1, 100, 10, 0, 0, 10);
        final Auction second = auction(2, 100, 10, 0, 0, 10);
        final Tables input = tables(List.of(), List.of(first, second, auction(3, 100, 10, 0, 0, 10)), List.of(
            bid(1, 50, 1), bid(1, 80, 3), bid(1, 80, 2), bid(1, 999, 11),
            bid(2, 70, 5), bid(3, 60, -1)));
        assertEquals(List.of(new Q9Row(first, bid(1, 80, 2)), new Q9Row(second, bid(2, 70, 5))),
            NexmarkReference.q9(input));
    }

    @Test
    void q6AveragesTheLastTenWonAuctionsOfEachSeller()
    {
        final List<Auction> auctions = new ArrayList<>();
        final List<Bid> bids = new ArrayList<>();
        for (int i = 1; i <= 12; i++)
        {
            auctions.add(auction(i, 100, 10, 0, 0, 10 + i));
            bids.add(bid(i, 10 * i, 1));
        }
        auctions.add(auction(13, 100, 10, 1000, 0, 50));   // expires last, but below its reserve
        bids.add(bid(13, 999, 1));
        auctions.add(auction(14, 200, 10, 0, 0, 50));
        bids.add(bid(14, 7, 1));
        // seller 100: auctions 3..12 expire last, prices 30..120, average 75
        assertEquals(List.of(new Q6Row(100, 75), new Q6Row(200, 7)),
            NexmarkReference.q6(tables(List.of(), auctions, bids)));
    }

    @Test
    void q15CountsBidsBiddersAndAuctionsPerDayAndPriceRange()
    {
        final Bid cheap = new Bid(1, 7, 9_999, "Google", "u", at(1), "");
        final Bid middle = new Bid(2, 7, 10_000, "Google", "u", at(2), "");
        final Bid dear = new Bid(1, 8, 1_000_000, "Apple", "u", at(3), "");
        final Bid again = new Bid(1, 7, 5, "Apple", "u", at(4), "");
        final List<BidStatisticsRow> rows = NexmarkReference.q15(tables(List.of(), List.of(),
            List.of(cheap, middle, dear, again)));
        assertEquals(List.of(new BidStatisticsRow(null, "1970-01-01", null, 4, 2, 1, 1, 2, 1, 1, 1, 2, 1, 1, 1)),
            rows);
        final List<BidStatisticsRow> perChannel = NexmarkReference.q16(tables(List.of(), List.of(),
            List.of(cheap, middle, dear, again)));
        assertEquals(List.of(
            new BidStatisticsRow("Apple", "1970-01-01", "00:16", 2, 1, 0, 1, 2, 1, 0, 1, 1, 1, 0, 1),
            new BidStatisticsRow("Google", "1970-01-01", "00:16", 2, 1, 1, 0, 1, 1, 1, 0, 2, 1, 1, 0)), perChannel);
    }

    @Test
    void q21AndQ22ReadChannelIdsAndDirectoriesFromUrls()
    {
        final List<Bid> bids = List.of(
            new Bid(1, 7, 1, "APPLE", "https://x/a/b", at(1), ""),
            new Bid(2, 7, 1, "channel-1", "https://x/a/b?q=1&channel_id=42&z", at(1), ""),
            new Bid(3, 7, 1, "channel-2", "channel_id=9", at(1), ""),
            new Bid(4, 7, 1, "channel-3", "https://x/a/b?xchannel_id=5", at(1), ""),
            new Bid(5, 7, 1, "channel-4", "https://x/a/b/c/d", at(1), ""));
        final Tables input = tables(List.of(), List.of(), bids);
        assertEquals(List.of(
            new Q21Row(1, 7, 1, "APPLE", "0"),
            new Q21Row(2, 7, 1, "channel-1", "42"),
            new Q21Row(3, 7, 1, "channel-2", "9")), NexmarkReference.q21(input));
        assertEquals(List.of(
            new Q22Row(1, 7, 1, "APPLE", "a", "b", null),
            new Q22Row(2, 7, 1, "channel-1", "a", "b?q=1&channel_id=42&z", null),
            new Q22Row(3, 7, 1, "channel-2", null, null, null),
            new Q22Row(4, 7, 1, "channel-3", "a", "b?xchannel_id=5", null),
            new Q22Row(5, 7, 1, "channel-4", "a", "b", "c")), NexmarkReference.q22(input));
    }

    @Test
    void generatedEventsGiveEveryQueryANonTrivialResult()
    {
        final Tables input = NexmarkEvents.generate(NexmarkSettings.builder().seed(9).firstEventRate(2000).build(),
            100_000);
        assertEquals(input.bids().size(), NexmarkReference.q0(input).size());
        assertEquals(input.bids().size(), NexmarkReference.q1(input).size());
        assertFalse(NexmarkReference.q2(input).isEmpty(), "q2");
        assertFalse(NexmarkReference.q3(input).isEmpty(), "q3");
        final List<Q4Row> q4 = NexmarkReference.q4(input);
        assertEquals(5, q4.size(), "q4: every category has winners " + q4);
        final List<Q5Row> q5 = NexmarkReference.q5(input);
        assertTrue(q5.size() >= 25, "q5: 50 s of event time give at least 25 hopping windows, got " + q5.size());
        final List<Q7Row> q7 = NexmarkReference.q7(input);
        assertTrue(q7.size() >= 5, "q7: 5 tumbling windows, got " + q7.size());
        assertFalse(NexmarkReference.q8(input).isEmpty(), "q8");
    }
}
