package dev.keel.nexmark;

import dev.keel.engine.data.RowView;
import dev.keel.engine.data.RowWriter;
import dev.keel.engine.data.ZSetBatch;

import java.util.ArrayList;
import java.util.List;

import static dev.keel.nexmark.NexmarkSchemas.*;

/**
 * Nexmark events as plain Java records (allocating, for tests and {@link NexmarkReference}), decoded from
 * rows of {@link NexmarkSchemas}. Timestamps are micros since the epoch, as in the rows.
 */
public final class NexmarkEvents
{
    public record Person(long id, String name, String emailAddress, String creditCard, String city, String state,
        long dateTime, String extra)
    {
    }

    public record Auction(long id, String itemName, String description, long initialBid, long reserve, long dateTime,
        long expires, long seller, long category, String extra)
    {
    }

    public record Bid(long auction, long bidder, long price, String channel, String url, long dateTime, String extra)
    {
    }

    /** The three tables of one event sequence, each in event-index order. */
    public record Tables(List<Person> persons, List<Auction> auctions, List<Bid> bids)
    {
        public int size()
        {
            return persons.size() + auctions.size() + bids.size();
        }
    }

    private NexmarkEvents()
    {
    }

    /** Events {@code [0, count)} of the settings, generated one by one with {@link NexmarkGenerator#eventAt}. */
    public static Tables generate(final NexmarkSettings settings, final long count)
    {
        final NexmarkGenerator generator = new NexmarkGenerator(settings);
        final RowWriter person = new RowWriter(PERSON);
        final RowWriter auction = new RowWriter(AUCTION);
        final RowWriter bid = new RowWriter(BID);
        final Tables tables = new Tables(new ArrayList<>(), new ArrayList<>(), new ArrayList<>());
        for (long index = 0; index < count; index++)
        {
            switch (generator.eventAt(index, person, auction, bid))
            {
                case NexmarkGenerator.PERSON:
                    tables.persons().add(person(new RowView(PERSON).wrap(person)));
                    break;
                case NexmarkGenerator.AUCTION:
                    tables.auctions().add(auction(new RowView(AUCTION).wrap(auction)));
                    break;
                default:
                    tables.bids().add(bid(new RowView(BID).wrap(bid)));
                    break;
            }
        }
        return tables;
    }

    public static Person person(final RowView row)
    {
        return new Person(row.getLong(PERSON_ID), row.getString(PERSON_NAME), row.getString(PERSON_EMAIL_ADDRESS),
            row.getString(PERSON_CREDIT_CARD), row.getString(PERSON_CITY), row.getString(PERSON_STATE),
            row.getLong(PERSON_DATE_TIME), row.getString(PERSON_EXTRA));
    }

    public static Auction auction(final RowView row)
    {
        return new Auction(row.getLong(AUCTION_ID), row.getString(AUCTION_ITEM_NAME),
            row.getString(AUCTION_DESCRIPTION), row.getLong(AUCTION_INITIAL_BID), row.getLong(AUCTION_RESERVE),
            row.getLong(AUCTION_DATE_TIME), row.getLong(AUCTION_EXPIRES), row.getLong(AUCTION_SELLER),
            row.getLong(AUCTION_CATEGORY), row.getString(AUCTION_EXTRA));
    }

    public static Bid bid(final RowView row)
    {
        return new Bid(row.getLong(BID_AUCTION), row.getLong(BID_BIDDER), row.getLong(BID_PRICE),
            row.getString(BID_CHANNEL), row.getString(BID_URL), row.getLong(BID_DATE_TIME), row.getString(BID_EXTRA));
    }

    /** Every row of a batch as a string (rows are canonical, so equal strings mean equal rows here). */
    public static List<String> rows(final ZSetBatch batch)
    {
        final List<String> rows = new ArrayList<>(batch.size());
        final ZSetBatch.Cursor cursor = batch.cursor();
        while (cursor.next())
        {
            rows.add(cursor.row() + " x" + cursor.weight());
        }
        return rows;
    }
}
