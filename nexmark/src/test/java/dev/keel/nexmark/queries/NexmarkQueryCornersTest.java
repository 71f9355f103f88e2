package dev.keel.nexmark.queries;

import dev.keel.engine.api.Keel;
import dev.keel.engine.api.EngineContext;
import dev.keel.engine.api.InputHandle;
import dev.keel.engine.api.KeelPipeline;
import dev.keel.engine.api.OutputHandle;
import dev.keel.engine.circuit.PipelineState;
import dev.keel.engine.config.ThreadingMode;
import dev.keel.engine.data.RowWriter;
import dev.keel.engine.data.Schema;
import dev.keel.nexmark.NexmarkEvents.Auction;
import dev.keel.nexmark.NexmarkEvents.Bid;
import dev.keel.nexmark.NexmarkEvents.Person;
import dev.keel.nexmark.NexmarkEvents.Tables;
import dev.keel.nexmark.NexmarkReference;
import dev.keel.nexmark.NexmarkTable;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;

import static dev.keel.nexmark.NexmarkSchemas.*;
import static org.junit.jupiter.api.Assertions.*;

/**
 * Every query over a small hand-made input that hits the corners the reference settles and random events
 * rarely do: bids at an auction's opening and expiry instants and after it, a winner below the reserve, ties at
 * a window's maximum price and at an auction's highest price (q9's earliest-bid rule), a bid exactly at a
 * window boundary, a seller who is not a person, more than ten bids in one auction, all three q14 times of day,
 * a second UTC day for q17, and every q21/q22 URL shape. Events are pushed through input handles in event-time
 * order, one event per step, and the view after every step is compared with the reference over the events so
 * far (the reference of an unfinished input is the view of an incremental engine at that point).
 */
@Timeout(60)
class NexmarkQueryCornersTest
{
    /** 2015-07-15T00:16:40Z, a multiple of 10 s. */
    private static final long T0 = 1_436_919_400_000_000L;
    private static final long SECOND = NexmarkReference.SECOND;
    private static final long HOUR = 3600 * SECOND;
    private static final String HOT_URL = "https://www.nexmark.com/googl/item.htm?query=1";

    private static final Tables CORNERS = corners();

    static Stream<String> queries()
    {
        return NexmarkQueries.names().stream();
    }

    @ParameterizedTest
    @MethodSource("queries")
    void matchesTheReferenceOnHandMadeCorners(final String name) throws InterruptedException
    {
        final NexmarkQueries.Query query = NexmarkQueries.query(name);
        final List<List<Object>> expected = NexmarkQueriesTest.expected(name, CORNERS);
        assertFalse(expected.isEmpty(), name + ": the corners give a non-trivial result");
        assertEquals(NexmarkQueriesTest.multiset(expected), runOneEventPerStep(query), name);
    }

    /**
     * Runs the corners one event per step, comparing the view after every event with the reference over the
     * events so far (every query's view is, at each step, its definition over the input so far: nothing is late);
     * returns the final view.
     */
    private static Map<List<Object>, Long> runOneEventPerStep(final NexmarkQueries.Query query)
        throws InterruptedException
    {
        final EngineContext ctx = new EngineContext()
            .threadingMode(ThreadingMode.INVOKER)
            .pipelineName(query.view())
            .outputHandle(query.view());
        try (KeelPipeline pipeline = Keel.launch(ctx, query.definition()))
        {
            final OutputHandle out = pipeline.outputHandle(query.view());
            final Map<NexmarkTable, InputHandle> inputs = new HashMap<>();
            for (final NexmarkTable table : query.tables())
            {
                inputs.put(table, pipeline.inputHandle(table.configName()));
            }
            final Schema schema = out.schema();
            final Tables sofar = new Tables(new ArrayList<>(), new ArrayList<>(), new ArrayList<>());
            for (final Event event : events(CORNERS))
            {
                final InputHandle input = inputs.get(event.table());
                if (null != input)
                {
                    assertTrue(input.insert(event.row()));
                    for (int i = 0; i < 4; i++)
                    {
                        pipeline.invoke();
                    }
                    out.poll();
                }
                event.addTo(sofar);
                if (null != input)
                {
                    final Map<List<Object>, Long> view = new HashMap<>();
                    out.forEachRow((row, weight) -> view.put(NexmarkQueriesTest.values(row, schema), weight));
                    assertEquals(NexmarkQueriesTest.multiset(NexmarkQueriesTest.expected(query.name(), sofar)), view,
                        query.name() + " after the event at " + (event.time() - T0) / SECOND + " s");
                }
            }
            inputs.values().forEach(InputHandle::close);
            final long deadlineNs = System.nanoTime() + 20_000_000_000L;
            while (pipeline.state() != PipelineState.COMPLETED)
            {
                assertFalse(pipeline.state().isTerminal(), () -> query.name() + ": " + pipeline.failure());
                assertTrue(System.nanoTime() - deadlineNs < 0, query.name() + ": did not complete");
                pipeline.invoke();
                out.poll();
            }
            out.poll();
            final Map<List<Object>, Long> view = new HashMap<>();
            out.forEachRow((row, weight) -> view.put(NexmarkQueriesTest.values(row, schema), weight));
            return view;
        }
    }

    private record Event(long time, int order, NexmarkTable table, RowWriter row, Object record)
    {
        void addTo(final Tables tables)
        {
            if (record instanceof Person person)
            {
                tables.persons().add(person);
            }
            else if (record instanceof Auction auction)
            {
                tables.auctions().add(auction);
            }
            else
            {
                tables.bids().add((Bid)record);
            }
        }
    }

    /** Every event as a row of its table, in event-time order (ties: person, auction, bid, then input order). */
    private static List<Event> events(final Tables tables)
    {
        final List<Event> events = new ArrayList<>();
        for (final Person p : tables.persons())
        {
            final RowWriter row = new RowWriter(PERSON);
            row.reset().putLong(PERSON_ID, p.id()).putString(PERSON_NAME, p.name())
                .putString(PERSON_EMAIL_ADDRESS, p.emailAddress()).putString(PERSON_CREDIT_CARD, p.creditCard())
                .putString(PERSON_CITY, p.city()).putString(PERSON_STATE, p.state())
                .putLong(PERSON_DATE_TIME, p.dateTime()).putString(PERSON_EXTRA, p.extra()).finish();
            events.add(new Event(p.dateTime(), events.size(), NexmarkTable.PERSON, row, p));
        }
        for (final Auction a : tables.auctions())
        {
            final RowWriter row = new RowWriter(AUCTION);
            row.reset().putLong(AUCTION_ID, a.id()).putString(AUCTION_ITEM_NAME, a.itemName())
                .putString(AUCTION_DESCRIPTION, a.description()).putLong(AUCTION_INITIAL_BID, a.initialBid())
                .putLong(AUCTION_RESERVE, a.reserve()).putLong(AUCTION_DATE_TIME, a.dateTime())
                .putLong(AUCTION_EXPIRES, a.expires()).putLong(AUCTION_SELLER, a.seller())
                .putLong(AUCTION_CATEGORY, a.category()).putString(AUCTION_EXTRA, a.extra()).finish();
            events.add(new Event(a.dateTime(), events.size(), NexmarkTable.AUCTION, row, a));
        }
        for (final Bid b : tables.bids())
        {
            final RowWriter row = new RowWriter(BID);
            row.reset().putLong(BID_AUCTION, b.auction()).putLong(BID_BIDDER, b.bidder())
                .putLong(BID_PRICE, b.price()).putString(BID_CHANNEL, b.channel()).putString(BID_URL, b.url())
                .putLong(BID_DATE_TIME, b.dateTime()).putString(BID_EXTRA, b.extra()).finish();
            events.add(new Event(b.dateTime(), events.size(), NexmarkTable.BID, row, b));
        }
        events.sort(Comparator.comparingLong(Event::time).thenComparingInt(Event::order));
        return events;
    }

    private static long at(final double seconds)
    {
        return T0 + Math.round(seconds * SECOND);
    }

    private static Person person(final long id, final String state, final double seconds)
    {
        return new Person(id, "name" + id, "p" + id + "@x.com", "1111 2222 3333 4444", "city" + id, state,
            at(seconds), "");
    }

    private static Auction auction(final long id, final long seller, final long category, final long reserve,
        final double seconds, final double expiresSeconds)
    {
        return new Auction(id, "item" + id, "desc", 1, reserve, at(seconds), at(expiresSeconds), seller, category,
            "e" + id);
    }

    private static Bid bid(final long auction, final long bidder, final long price, final double seconds)
    {
        return bid(auction, bidder, price, seconds, "Google", HOT_URL);
    }

    private static Bid bid(final long auction, final long bidder, final long price, final double seconds,
        final String channel, final String url)
    {
        return new Bid(auction, bidder, price, channel, url, at(seconds), "xcc" + price);
    }

    private static Tables corners()
    {
        final List<Person> persons = List.of(
            person(1, "OR", 0.5), person(2, "WA", 1), person(3, "CA", 12), person(4, "ID", 41));
        final List<Auction> auctions = List.of(
            auction(10, 1, 10, 100, 1, 10),
            auction(12, 2, 11, 1000, 2, 10),
            auction(13, 99, 10, 0, 3, 50),
            auction(11, 3, 10, 0, 13, 30),
            auction(14, 4, 12, 0, 42, 8 * 3600));
        final List<Bid> bids = new ArrayList<>(List.of(
            bid(10, 7, 50, 1),            // at the opening instant
            bid(10, 8, 150, 4),
            bid(12, 7, 900, 5),           // below the reserve of 1000
            bid(10, 9, 150, 6),
            bid(13, 7, 150, 7),
            bid(13, 8, 900, 8),           // ties the first window's maximum 900
            bid(10, 7, 900, 10),          // at expires (valid); at window 2's start with window 1's maximum
            bid(10, 7, 1700, 11),         // after expires
            bid(11, 7, 20, 13, "Apple", "https://www.nexmark.com/aapl/item.htm?query=1"),
            bid(11, 7, 40, 14, "channel-5", "https://www.nexmark.com/abc/item.htm?query=1&channel_id=77"),
            bid(11, 8, 40, 15, "channel-6", "https://www.nexmark.com/abc/item.htm?query=1"), // q9 tie: 14 s wins
            bid(11, 8, 30, 16, "channel-7", "channel_id=5&x=1"),
            bid(11, 9, 35, 17, "channel-8", "https://www.nexmark.com/a/b/c/d&channel_id=&x"),
            bid(123, 7, 77, 18),          // q2 selects auctions divisible by 123
            bid(246, 8, 78, 19),
            bid(124, 8, 79, 19.5),
            bid(13, 7, 5, 25)));
        for (int i = 0; i < 12; i++)
        {
            bids.add(bid(13, 10 + i % 3, 21 + i, 26 + i));      // more than ten bids in auction 13
        }
        bids.add(bid(14, 7, 2_000_000, 43));                      // q14 night time, q17 rank 3
        bids.add(bid(14, 7, 50_000, 7 * 3600));                   // 07:16: other time (filtered by price)
        bids.add(bid(14, 8, 3_000_000, 7 * 3600 + 1));            // other time
        bids.add(bid(14, 9, 40_000_000, 8 * 3600));               // 08:16: day time
        bids.add(bid(14, 9, 60_000_000, 8 * 3600 + 1));           // above the q14 range
        bids.add(bid(14, 8, 5_000_000, 24 * 3600));               // the next UTC day
        return new Tables(persons, auctions, bids);
    }
}
