package dev.keel.nexmark;

import dev.keel.engine.data.RowView;
import dev.keel.engine.data.RowWriter;
import dev.keel.engine.data.Schema;
import dev.keel.nexmark.NexmarkEvents.Auction;
import dev.keel.nexmark.NexmarkEvents.Bid;
import dev.keel.nexmark.NexmarkEvents.Person;
import dev.keel.nexmark.NexmarkEvents.Tables;
import org.agrona.concurrent.UnsafeBuffer;
import org.junit.jupiter.api.Test;

import java.lang.management.ManagementFactory;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashSet;
import java.util.List;
import java.util.Random;
import java.util.Set;
import java.util.regex.Pattern;

import static dev.keel.nexmark.NexmarkGenerator.AUCTION;
import static dev.keel.nexmark.NexmarkGenerator.BID;
import static dev.keel.nexmark.NexmarkGenerator.PERSON;
import static org.junit.jupiter.api.Assertions.*;

class NexmarkGeneratorTest
{
    private static final int EVENTS = 50_000;

    private static byte[] rowBytes(final RowWriter writer)
    {
        final byte[] bytes = new byte[writer.length()];
        writer.buffer().getBytes(0, bytes);
        return bytes;
    }

    private static byte[] event(final NexmarkGenerator generator, final long index)
    {
        final RowWriter writer = new RowWriter(NexmarkTable.ofOrdinal(generator.kindAt(index)).schema());
        generator.writeEvent(index, writer);
        return rowBytes(writer);
    }

    @Test
    void sameSeedAndIndexGiveIdenticalRowsInAnyOrder()
    {
        final NexmarkSettings settings = NexmarkSettings.builder().seed(42).outOfOrderGroupSize(7).build();
        final NexmarkGenerator sequential = new NexmarkGenerator(settings);
        final List<byte[]> inOrder = new ArrayList<>();
        for (long index = 0; index < 5000; index++)
        {
            inOrder.add(event(sequential, index));
        }

        final List<Long> shuffled = new ArrayList<>();
        for (long index = 0; index < 5000; index++)
        {
            shuffled.add(index);
        }
        Collections.shuffle(shuffled, new Random(7));
        final NexmarkGenerator randomAccess = new NexmarkGenerator(settings);
        for (final long index : shuffled)
        {
            assertArrayEquals(inOrder.get((int)index), event(randomAccess, index), "event " + index);
        }

        final long far = 987_654_321_987L;
        assertArrayEquals(event(new NexmarkGenerator(settings), far), event(randomAccess, far));
    }

    @Test
    void differentSeedsGiveDifferentEventsWithTheSameKinds()
    {
        final NexmarkGenerator a = new NexmarkGenerator(NexmarkSettings.builder().seed(1).build());
        final NexmarkGenerator b = new NexmarkGenerator(NexmarkSettings.builder().seed(2).build());
        int different = 0;
        for (long index = 0; index < 1000; index++)
        {
            assertEquals(a.kindAt(index), b.kindAt(index));
            if (!java.util.Arrays.equals(event(a, index), event(b, index)))
            {
                different++;
            }
        }
        assertTrue(different > 990, "only " + different + " of 1000 events differ between seeds");
    }

    @Test
    void proportionsAreOnePersonThreeAuctionsFortySixBidsPerFifty()
    {
        final NexmarkGenerator generator = new NexmarkGenerator(NexmarkSettings.defaults());
        final int[] counts = new int[3];
        for (long index = 0; index < EVENTS; index++)
        {
            counts[generator.kindAt(index)]++;
        }
        assertEquals(1000, counts[PERSON]);
        assertEquals(3000, counts[AUCTION]);
        assertEquals(46_000, counts[BID]);

        final Tables tables = NexmarkEvents.generate(NexmarkSettings.builder().outOfOrderGroupSize(7).build(), EVENTS);
        assertEquals(1000, tables.persons().size(), 7.0);
        assertEquals(3000, tables.auctions().size(), 7.0);
        assertEquals(46_000, tables.bids().size(), 7.0);
        assertEquals(EVENTS, tables.size());
    }

    @Test
    void idsAreDenseAndReferencesStayInTheActiveWindows()
    {
        final NexmarkSettings settings = NexmarkSettings.defaults();
        final NexmarkGenerator generator = new NexmarkGenerator(settings);
        final RowWriter person = new RowWriter(NexmarkSchemas.PERSON);
        final RowWriter auction = new RowWriter(NexmarkSchemas.AUCTION);
        final RowWriter bid = new RowWriter(NexmarkSchemas.BID);
        final RowView personRow = new RowView(NexmarkSchemas.PERSON);
        final RowView auctionRow = new RowView(NexmarkSchemas.AUCTION);
        final RowView bidRow = new RowView(NexmarkSchemas.BID);
        long nextPerson = 1000;
        long nextAuction = 1000;
        final Set<Long> categories = new HashSet<>();
        for (long index = 0; index < EVENTS; index++)
        {
            switch (generator.eventAt(index, person, auction, bid))
            {
                case PERSON:
                    assertEquals(nextPerson++, personRow.wrap(person).getLong(NexmarkSchemas.PERSON_ID));
                    break;
                case AUCTION:
                {
                    final Auction a = NexmarkEvents.auction(auctionRow.wrap(auction));
                    assertEquals(nextAuction++, a.id());
                    final long newestPerson = nextPerson - 1;
                    assertTrue(a.seller() >= Math.max(1000, newestPerson - settings.numActivePeople()) &&
                        a.seller() <= newestPerson + NexmarkGenerator.PERSON_ID_LEAD, a.toString());
                    categories.add(a.category());
                    assertTrue(a.initialBid() >= 100 && a.initialBid() <= 100_000_000, a.toString());
                    assertTrue(a.reserve() > a.initialBid(), a.toString());
                    assertTrue(a.expires() > a.dateTime(), a.toString());
                    break;
                }
                default:
                {
                    final Bid b = NexmarkEvents.bid(bidRow.wrap(bid));
                    final long newestAuction = nextAuction - 1;
                    assertTrue(b.auction() >= Math.max(1000, newestAuction - settings.numInFlightAuctions()) &&
                        b.auction() <= newestAuction + NexmarkGenerator.AUCTION_ID_LEAD, b.toString());
                    assertTrue(b.bidder() >= 1000 && b.bidder() <= nextPerson - 1 + NexmarkGenerator.PERSON_ID_LEAD,
                        b.toString());
                    assertTrue(b.price() >= 100 && b.price() <= 100_000_000, b.toString());
                    break;
                }
            }
        }
        assertEquals(Set.of(10L, 11L, 12L, 13L, 14L), categories);
    }

    @Test
    void hotRatiosSetTheShareOfHotAuctionsBiddersAndSellers()
    {
        final NexmarkSettings settings = NexmarkSettings.builder().hotAuctionRatio(2).hotBiddersRatio(4)
            .hotSellersRatio(10).build();
        final NexmarkGenerator generator = new NexmarkGenerator(settings);
        final RowWriter person = new RowWriter(NexmarkSchemas.PERSON);
        final RowWriter auction = new RowWriter(NexmarkSchemas.AUCTION);
        final RowWriter bid = new RowWriter(NexmarkSchemas.BID);
        final RowView row = new RowView(NexmarkSchemas.BID);
        final RowView auctionRow = new RowView(NexmarkSchemas.AUCTION);
        int bids = 0;
        int hotAuction = 0;
        int hotBidder = 0;
        int auctions = 0;
        int hotSeller = 0;
        for (long index = 0; index < 200_000; index++)
        {
            final long eventId = generator.eventId(index);
            final long lastPerson = NexmarkGenerator.lastBase0PersonId(eventId);
            final int kind = generator.eventAt(index, person, auction, bid);
            if (kind == BID)
            {
                bids++;
                row.wrap(bid);
                final long hot = NexmarkGenerator.lastBase0AuctionId(eventId) / 100 * 100 + 1000;
                hotAuction += row.getLong(NexmarkSchemas.BID_AUCTION) == hot ? 1 : 0;
                hotBidder += row.getLong(NexmarkSchemas.BID_BIDDER) == lastPerson / 100 * 100 + 1 + 1000 ? 1 : 0;
            }
            else if (kind == AUCTION)
            {
                auctions++;
                hotSeller += auctionRow.wrap(auction).getLong(NexmarkSchemas.AUCTION_SELLER) ==
                    lastPerson / 100 * 100 + 1000 ? 1 : 0;
            }
        }
        // hot share plus the few random picks that land on the hot id
        assertEquals(0.5, (double)hotAuction / bids, 0.03);
        assertEquals(0.75, (double)hotBidder / bids, 0.02);
        assertEquals(0.9, (double)hotSeller / auctions, 0.02);
    }

    @Test
    void dateTimesFollowTheEventRateAndTheOutOfOrderBound()
    {
        final NexmarkSettings inOrder = NexmarkSettings.builder().firstEventRate(3000).baseTimeUs(5_000_000).build();
        final NexmarkGenerator generator = new NexmarkGenerator(inOrder);
        for (long index = 0; index < 10_000; index++)
        {
            assertEquals(5_000_000 + (index * 1000 / 3000) * 1000, generator.dateTimeAt(index));
        }

        final int group = 16;
        final Tables shuffled = NexmarkEvents.generate(inOrder.toBuilder().outOfOrderGroupSize(group).build(), 20_000);
        final NexmarkGenerator ordered = new NexmarkGenerator(inOrder);
        final NexmarkGenerator disordered = new NexmarkGenerator(inOrder.toBuilder().outOfOrderGroupSize(group).build());
        long maxSeen = Long.MIN_VALUE;
        int outOfOrder = 0;
        final long bound = ((group - 1) * 1000L / 3000 + 1) * 1000;
        for (long index = 0; index < 20_000; index++)
        {
            final long dateTime = disordered.dateTimeAt(index);
            assertTrue(Math.abs(dateTime - ordered.dateTimeAt(index)) <= bound, "index " + index);
            if (index > 0)
            {
                outOfOrder += dateTime < maxSeen ? 1 : 0;
                assertTrue(maxSeen - dateTime <= bound, "index " + index);
            }
            maxSeen = Math.max(maxSeen, dateTime);
        }
        assertTrue(outOfOrder > 100, "only " + outOfOrder + " events out of order");
        assertEquals(20_000, shuffled.size());

        final Set<Long> numbers = new HashSet<>();
        for (long index = 0; index < 16 * 50; index++)
        {
            numbers.add(disordered.eventNumber(index));
        }
        assertEquals(16 * 50, numbers.size(), "the shuffle is a permutation of each group");
        assertEquals(15, Collections.max(numbers.stream().filter(n -> n < 16).toList()));
    }

    @Test
    void stringsHaveTheStandardShapes()
    {
        final Tables tables = NexmarkEvents.generate(NexmarkSettings.builder().seed(3).build(), 20_000);
        final Pattern email = Pattern.compile("[a-z]+( +[a-z]+)*@[a-z]+( +[a-z]+)*\\.com");
        final Pattern creditCard = Pattern.compile("\\d{4} \\d{4} \\d{4} \\d{4}");
        final Pattern text = Pattern.compile("[a-z]+( +[a-z]+)*");
        final Set<String> states = Set.of("AZ", "CA", "ID", "OR", "WA", "WY");
        long personBytes = 0;
        for (final Person person : tables.persons())
        {
            assertTrue(email.matcher(person.emailAddress()).matches(), person.emailAddress());
            assertTrue(creditCard.matcher(person.creditCard()).matches(), person.creditCard());
            assertTrue(states.contains(person.state()), person.state());
            assertTrue(person.name().matches("[A-Z][a-z]+ [A-Z][a-z]+"), person.name());
            personBytes += 8 + person.name().length() + person.emailAddress().length() + 19 +
                person.city().length() + person.state().length() + person.extra().length();
        }
        long auctionBytes = 0;
        for (final Auction auction : tables.auctions())
        {
            assertTrue(text.matcher(auction.itemName()).matches(), auction.itemName());
            assertTrue(auction.itemName().length() <= 19, auction.itemName());
            assertTrue(text.matcher(auction.description()).matches(), auction.description());
            assertTrue(auction.description().length() <= 99, auction.description());
            auctionBytes += 8 + auction.itemName().length() + auction.description().length() + 40 +
                auction.extra().length();
        }
        long bidExtra = 0;
        final Set<String> channels = new HashSet<>();
        for (final Bid bid : tables.bids())
        {
            assertTrue(bid.url().startsWith("https://www.nexmark.com/"), bid.url());
            assertTrue(bid.extra().matches("[a-z]*"), bid.extra());
            channels.add(bid.channel());
            bidExtra += bid.extra().length();
        }
        assertEquals(200.0, (double)personBytes / tables.persons().size(), 5.0);
        assertEquals(500.0, (double)auctionBytes / tables.auctions().size(), 5.0);
        assertEquals(100 - 32, (double)bidExtra / tables.bids().size(), 2.0);
        assertTrue(channels.containsAll(Set.of("Google", "Facebook", "Baidu", "Apple")));
        assertTrue(channels.stream().anyMatch(c -> c.startsWith("channel-")), "no cold channel in 18k bids");
    }

    @Test
    void nextIndexOfFindsTheSameIndexesAsTestingEachOne()
    {
        for (final int group : new int[]{ 1, 7 })
        {
            final NexmarkGenerator generator = new NexmarkGenerator(
                NexmarkSettings.builder().firstEventId(17).outOfOrderGroupSize(group).build());
            for (int kind = PERSON; kind <= BID; kind++)
            {
                long from = 0;
                while (from < 2000)
                {
                    long expected = from;
                    while (expected < 2000 && generator.kindAt(expected) != kind)
                    {
                        expected++;
                    }
                    final long found = generator.nextIndexOf(kind, from, 2000);
                    assertEquals(expected, found, "group " + group + " kind " + kind + " from " + from);
                    from = found + 1;
                }
            }
        }
    }

    @Test
    void pricesAreTenToTheSixUTimesOneHundred()
    {
        final Random random = new Random(1);
        int different = 0;
        for (int i = 0; i < 1_000_000; i++)
        {
            final double u = i < 2 ? i * (1.0 - 0x1.0p-53) : random.nextDouble();
            final long exact = Math.round(StrictMath.pow(10.0, u * 6.0) * 100.0);
            final long price = NexmarkGenerator.priceOf(u);
            assertTrue(Math.abs(price - exact) <= 1, u + ": " + price + " vs " + exact);
            different += price != exact ? 1 : 0;
        }
        assertTrue(different < 100, different + " of 10^6 prices differ by a cent from the pow formula");
        assertEquals(100, NexmarkGenerator.priceOf(0.0));
        assertEquals(100_000_000, NexmarkGenerator.priceOf(1.0 - 0x1.0p-53));
    }

    @Test
    void writeEventRejectsAWrongWriterOrIndex()
    {
        final NexmarkGenerator generator = new NexmarkGenerator(NexmarkSettings.builder().maxEvents(100).build());
        final IllegalArgumentException wrongWriter = assertThrows(IllegalArgumentException.class,
            () -> generator.writeEvent(0, new RowWriter(NexmarkSchemas.BID)));
        assertTrue(wrongWriter.getMessage().startsWith("event 0 is a person, the writer's schema is Schema["),
            wrongWriter.getMessage());
        final IllegalArgumentException beyond = assertThrows(IllegalArgumentException.class,
            () -> generator.writeEvent(100, new RowWriter(NexmarkSchemas.BID)));
        assertEquals("event index 100 is outside [0, 100)", beyond.getMessage());
        assertThrows(IllegalArgumentException.class, () -> generator.writeEvent(-1, new RowWriter(NexmarkSchemas.BID)));
    }

    @Test
    void generatingAllocatesNothingPerEvent()
    {
        final NexmarkGenerator generator = new NexmarkGenerator(NexmarkSettings.defaults());
        final RowWriter person = new RowWriter(NexmarkSchemas.PERSON);
        final RowWriter auction = new RowWriter(NexmarkSchemas.AUCTION);
        final RowWriter bid = new RowWriter(NexmarkSchemas.BID);
        final UnsafeBuffer sink = new UnsafeBuffer(new byte[8]);
        long checksum = 0;
        for (long index = 0; index < 100_000; index++)
        {
            generator.eventAt(index, person, auction, bid);
        }
        final long before = allocated();
        for (long index = 100_000; index < 400_000; index++)
        {
            checksum += generator.eventAt(index, person, auction, bid) + bid.length();
        }
        final long allocatedBytes = allocated() - before;
        sink.putLong(0, checksum);
        assertTrue(allocatedBytes < 16 * 1024, allocatedBytes + " bytes allocated for 300000 events");
    }

    @Test
    void schemasHaveTheStandardColumns()
    {
        assertEquals("[id, name, email_address, credit_card, city, state, date_time, extra]",
            names(NexmarkSchemas.PERSON));
        assertEquals("[id, item_name, description, initial_bid, reserve, date_time, expires, seller, category, extra]",
            names(NexmarkSchemas.AUCTION));
        assertEquals("[auction, bidder, price, channel, url, date_time, extra]", names(NexmarkSchemas.BID));
        assertEquals("Schema[auction INT64, bidder INT64, price INT64, channel STRING, url STRING, " +
            "date_time TIMESTAMP, extra STRING]", NexmarkSchemas.BID.toString());
    }

    private static String names(final Schema schema)
    {
        return schema.columns().stream().map(c -> c.name()).toList().toString();
    }

    private static long allocated()
    {
        return ((com.sun.management.ThreadMXBean)ManagementFactory.getThreadMXBean()).getCurrentThreadAllocatedBytes();
    }
}
