package dev.keel.nexmark;

import dev.keel.engine.data.RowWriter;
import org.agrona.concurrent.UnsafeBuffer;

import java.nio.charset.StandardCharsets;

import static dev.keel.nexmark.NexmarkSchemas.*;

/**
 * The Nexmark event generator: the event model of Beam's and Flink's Nexmark (as also followed by
 * Feldera), computed from {@code (seed, event index)} alone so that any event can be produced without
 * producing the ones before it. The event index is therefore a complete resume position.
 * <p>
 * <b>Event numbering.</b> Index {@code i} (0-based) has the <em>event number</em>
 * {@code n = (i / g) * g + ((i % g) * 953) % g} for the out-of-order group size {@code g} (a permutation
 * within each group of {@code g} consecutive indexes; the identity for {@code g = 1}) and the <em>event
 * id</em> {@code e = first_event_id + n}. The id decides the kind, {@code e % 50}: 0 is a person, 1..3 an
 * auction, 4..49 a bid (1 : 3 : 46). The event's {@code date_time} is
 * {@code base_time_us + 1000 * floor(n * 1000 / first_event_rate)}, whole milliseconds, so it is out of
 * order by less than {@code g} inter-event delays.
 * <p>
 * <b>Ids.</b> The person of id {@code e} is number {@code e / 50} (person ids start at 1000); the auction
 * of id {@code e} is number {@code 3 * (e / 50) + (e % 50) - 1} (auction ids start at 1000). A non-hot seller
 * or bidder is drawn uniformly from the newest {@code num_active_people} people plus 10 not yet created
 * ("leads"); a hot seller is the first, a hot bidder the second person of the current batch of 100 people.
 * A non-hot bid goes to one of the newest {@code num_in_flight_auctions} auctions plus 10 leads, a hot one
 * to the first auction of the current batch of 100. Sellers, bidders and auctions are hot with probability
 * {@code 1 - 1/ratio} for the ratios in {@link NexmarkSettings}.
 * <p>
 * <b>Values.</b> Prices are {@code round(10^(6u) * 100)} for uniform {@code u} in [0, 1) (cents, 100 .. 10^8);
 * {@code reserve = initial_bid + price}; categories 10..14; an auction lasts {@code 1 + uniform(0, 2h)}
 * milliseconds where {@code h} is the event time needed to create {@code num_in_flight_auctions} more
 * auctions; names, cities and states come from the standard lists; random text (e-mail parts, item names,
 * descriptions) is 3..max-1 characters, each a space with probability 1/13 or else a lower-case letter, with
 * leading and trailing spaces removed: e-mail {@code <up to 6>@<up to 4>.com}, item names up to 19 and
 * descriptions up to 99 characters; credit cards four groups of 4 digits; {@code extra} is lower-case
 * letters padding each event to about its average byte size.
 * A bid's channel is one of Google, Facebook, Baidu, Apple (99 %) or {@code channel-<k>} for one of 10000
 * channels (1 %), with Feldera's URLs.
 * <p>
 * As in Feldera, {@code first_event_id} defaults to 0, so event 0 is the person 1000 (Flink's source starts at
 * id 1, whose first event is an auction of a seller that never registers).
 * <p>
 * <b>Randomness.</b> Each event draws from its own SplitMix64 stream seeded by a mix of the seed and its id;
 * values are not bit-identical to Beam's {@code java.util.Random} streams, the distributions are the same.
 * Floating point uses {@link StrictMath} so that events are identical on every JVM.
 * <p>
 * Allocation-free: strings come from pre-encoded pools or are built in a reusable byte buffer and copied
 * into the caller's {@link RowWriter}. Not thread safe; one generator per thread.
 */
public final class NexmarkGenerator
{
    /** {@link NexmarkTable#ordinal()} of a person event. */
    public static final int PERSON = 0;
    /** {@link NexmarkTable#ordinal()} of an auction event. */
    public static final int AUCTION = 1;
    /** {@link NexmarkTable#ordinal()} of a bid event. */
    public static final int BID = 2;

    static final int PERSON_PROPORTION = 1;
    static final int AUCTION_PROPORTION = 3;
    static final int BID_PROPORTION = 46;
    static final int TOTAL_PROPORTION = PERSON_PROPORTION + AUCTION_PROPORTION + BID_PROPORTION;

    static final long FIRST_PERSON_ID = 1000;
    static final long FIRST_AUCTION_ID = 1000;
    static final long FIRST_CATEGORY_ID = 10;
    static final int NUM_CATEGORIES = 5;

    static final int HOT_AUCTION_BATCH = 100;
    static final int HOT_SELLER_BATCH = 100;
    static final int HOT_BIDDER_BATCH = 100;
    static final int PERSON_ID_LEAD = 10;
    static final int AUCTION_ID_LEAD = 10;
    static final int HOT_CHANNELS_RATIO = 100;
    static final int CHANNELS_NUMBER = 10_000;

    private static final int MIN_STRING_LENGTH = 3;
    private static final int CREDIT_CARD_LENGTH = 19;
    private static final long GOLDEN = 0x9E3779B97F4A7C15L;
    private static final long MASK32 = 0xFFFF_FFFFL;
    private static final long CATALOGUE_SEED = 0x6E65786D61726BL;
    private static final double SIX_LN_10 = 6.0 * 2.302585092994046;
    private static final int EXP_STEPS_PER_UNIT = 256;
    private static final double[] EXP_TABLE = new double[(int)(SIX_LN_10 * EXP_STEPS_PER_UNIT) + 1];

    private static final String[] FIRST_NAMES =
        { "Peter", "Paul", "Luke", "John", "Saul", "Vicky", "Kate", "Julie", "Sarah", "Deiter", "Walter" };
    private static final String[] LAST_NAMES =
        { "Shultz", "Abrams", "Spencer", "White", "Bartels", "Walton", "Smith", "Jones", "Noris" };
    private static final int FIRST_NAME_COUNT = FIRST_NAMES.length;
    private static final int LAST_NAME_COUNT = LAST_NAMES.length;
    private static final byte[][] NAMES = names(FIRST_NAMES, LAST_NAMES);
    private static final byte[][] CITIES = ascii(
        "Phoenix", "Los Angeles", "San Francisco", "Boise", "Portland", "Bend", "Redmond", "Seattle", "Kent",
        "Cheyenne");
    private static final byte[][] STATES = ascii("AZ", "CA", "ID", "OR", "WA", "WY");
    private static final byte[][] HOT_CHANNELS = ascii("Google", "Facebook", "Baidu", "Apple");
    private static final byte[][] HOT_URLS = ascii(
        "https://www.nexmark.com/googl/item.htm?query=1",
        "https://www.nexmark.com/meta/item.htm?query=1",
        "https://www.nexmark.com/bidu/item.htm?query=1",
        "https://www.nexmark.com/aapl/item.htm?query=1");
    private static final byte[][] COLD_CHANNELS = new byte[CHANNELS_NUMBER][];
    private static final byte[][] COLD_URLS = new byte[CHANNELS_NUMBER][];
    private static final byte[] EMAIL_SUFFIX = ascii(".com")[0];

    static
    {
        for (int step = 0; step < EXP_TABLE.length; step++)
        {
            EXP_TABLE[step] = StrictMath.exp(step * (1.0 / EXP_STEPS_PER_UNIT));
        }
        buildChannelCatalogue();
    }

    private final NexmarkSettings settings;
    private final long seedMix;
    private final long maxEvents;
    private final long firstEventId;
    private final long firstEventRate;
    private final long baseTimeUs;
    private final int groupSize;
    private final long auctionHorizonEvents;
    private final byte[] text;
    private final UnsafeBuffer scratch;

    private long rngState;
    private long fraction;
    private int fractionUses;
    private long pendingHalf;
    private boolean hasPendingHalf;

    public NexmarkGenerator(final NexmarkSettings settings)
    {
        this.settings = settings;
        this.seedMix = mix64(settings.seed() + GOLDEN);
        this.maxEvents = settings.maxEvents();
        this.firstEventId = settings.firstEventId();
        this.firstEventRate = settings.firstEventRate();
        this.baseTimeUs = settings.baseTimeUs();
        this.groupSize = settings.outOfOrderGroupSize();
        this.auctionHorizonEvents = (long)settings.numInFlightAuctions() * TOTAL_PROPORTION / AUCTION_PROPORTION;
        final int maxAverage = Math.max(settings.avgPersonByteSize(),
            Math.max(settings.avgAuctionByteSize(), settings.avgBidByteSize()));
        // strings are built in a plain array (no buffer bounds checks per byte) and copied through a view of it
        this.text = new byte[2 * maxAverage + 256];
        this.scratch = new UnsafeBuffer(text);
    }

    public NexmarkSettings settings()
    {
        return settings;
    }

    /** The event number of an index: the index shuffled within its out-of-order group. */
    public long eventNumber(final long index)
    {
        if (groupSize == 1)
        {
            return index;
        }
        final long base = (index / groupSize) * groupSize;
        return base + ((index % groupSize) * NexmarkSettings.SHUFFLE_MULTIPLIER) % groupSize;
    }

    /** The id of the event at an index, which decides its kind and its person/auction ids. */
    public long eventId(final long index)
    {
        return firstEventId + eventNumber(index);
    }

    /** {@link #PERSON}, {@link #AUCTION} or {@link #BID}: the kind of the event at {@code index}. */
    public int kindAt(final long index)
    {
        return kindOfId(eventId(index));
    }

    /** The {@code date_time} (micros since the epoch) of the event at {@code index}. */
    public long dateTimeAt(final long index)
    {
        return timestampForNumber(eventNumber(index));
    }

    /**
     * The first index in {@code [from, limit)} whose event is of {@code kind}, or {@code limit} if there is
     * none. With out-of-order group size 1 this is arithmetic; otherwise it tests each index (a few integer
     * operations), which is still cheap next to generating an event.
     */
    public long nextIndexOf(final int kind, final long from, final long limit)
    {
        if (from >= limit)
        {
            return limit;
        }
        if (groupSize == 1)
        {
            final int remainder = (int)((firstEventId + from) % TOTAL_PROPORTION);
            final int low = kindLow(kind);
            final int high = kindLow(kind + 1);
            final long skip = remainder >= low && remainder < high ? 0 :
                (low - remainder + TOTAL_PROPORTION) % TOTAL_PROPORTION;
            final long candidate = from + skip;
            return candidate >= limit || candidate < from ? limit : candidate;
        }
        for (long index = from; index < limit; index++)
        {
            if (kindAt(index) == kind)
            {
                return index;
            }
        }
        return limit;
    }

    /**
     * Writes the event at {@code index} into the writer of its kind ({@link RowWriter#reset()} and
     * {@link RowWriter#finish()} included) and returns the kind; the other two writers are not touched.
     */
    public int eventAt(final long index, final RowWriter person, final RowWriter auction, final RowWriter bid)
    {
        final int kind = kindAt(index);
        writeEvent(index, kind == PERSON ? person : (kind == AUCTION ? auction : bid));
        return kind;
    }

    /**
     * Writes the event at {@code index} into {@code writer}, which must be a writer of the event's table
     * schema ({@link NexmarkSchemas}); the row is finished on return.
     *
     * @throws IllegalArgumentException if the index is outside {@code [0, max_events)} or the writer's schema
     *                                  is not the table of the event's kind.
     */
    public void writeEvent(final long index, final RowWriter writer)
    {
        if (index < 0 || index >= maxEvents)
        {
            throw new IllegalArgumentException("event index " + index + " is outside [0, " + maxEvents + ")");
        }
        final long number = eventNumber(index);
        final long eventId = firstEventId + number;
        final int kind = kindOfId(eventId);
        final NexmarkTable table = NexmarkTable.ofOrdinal(kind);
        if (writer.schema() != table.schema() && !writer.schema().equals(table.schema()))
        {
            throw new IllegalArgumentException("event " + index + " is a " + table.configName() +
                ", the writer's schema is " + writer.schema());
        }
        seed(eventId);
        final long dateTime = timestampForNumber(number);
        switch (kind)
        {
            case PERSON:
                writePerson(eventId, dateTime, writer);
                break;
            case AUCTION:
                writeAuction(eventId, number, dateTime, writer);
                break;
            default:
                writeBid(eventId, dateTime, writer);
                break;
        }
    }

    /** The {@code date_time} of event number {@code number}: whole milliseconds after the base time. */
    long timestampForNumber(final long number)
    {
        final long millis = (number / firstEventRate) * 1000 + ((number % firstEventRate) * 1000) / firstEventRate;
        return baseTimeUs + millis * 1000;
    }

    static int kindOfId(final long eventId)
    {
        final int remainder = (int)(eventId % TOTAL_PROPORTION);
        if (remainder < PERSON_PROPORTION)
        {
            return PERSON;
        }
        return remainder < PERSON_PROPORTION + AUCTION_PROPORTION ? AUCTION : BID;
    }

    /** Base-0 number of the newest person at or before event id {@code eventId}. */
    static long lastBase0PersonId(final long eventId)
    {
        final long epoch = eventId / TOTAL_PROPORTION;
        long offset = eventId % TOTAL_PROPORTION;
        if (offset >= PERSON_PROPORTION)
        {
            offset = PERSON_PROPORTION - 1;
        }
        return epoch * PERSON_PROPORTION + offset;
    }

    /** Base-0 number of the newest auction at or before event id {@code eventId} (-1 before the first). */
    static long lastBase0AuctionId(final long eventId)
    {
        long epoch = eventId / TOTAL_PROPORTION;
        long offset = eventId % TOTAL_PROPORTION;
        if (offset < PERSON_PROPORTION)
        {
            // a person: the newest auction is the last one of the previous epoch
            epoch--;
            offset = AUCTION_PROPORTION - 1;
        }
        else if (offset >= PERSON_PROPORTION + AUCTION_PROPORTION)
        {
            // a bid: the newest auction is the last one of this epoch
            offset = AUCTION_PROPORTION - 1;
        }
        else
        {
            offset -= PERSON_PROPORTION;
        }
        return epoch * AUCTION_PROPORTION + offset;
    }

    private static int kindLow(final int kind)
    {
        switch (kind)
        {
            case PERSON:
                return 0;
            case AUCTION:
                return PERSON_PROPORTION;
            case BID:
                return PERSON_PROPORTION + AUCTION_PROPORTION;
            default:
                return TOTAL_PROPORTION;
        }
    }

    private void writePerson(final long eventId, final long dateTime, final RowWriter writer)
    {
        final byte[] name = NAMES[nextInt(FIRST_NAME_COUNT) * LAST_NAME_COUNT + nextInt(LAST_NAME_COUNT)];
        writer.reset();
        writer.putLong(PERSON_ID, lastBase0PersonId(eventId) + FIRST_PERSON_ID);
        writer.putBytes(PERSON_NAME, name);

        int length = appendString(0, 7, ' ');
        text[length++] = (byte)'@';
        length = appendString(length, 5, ' ');
        System.arraycopy(EMAIL_SUFFIX, 0, text, length, EMAIL_SUFFIX.length);
        length += EMAIL_SUFFIX.length;
        writer.putBytes(PERSON_EMAIL_ADDRESS, scratch, 0, length);
        final int emailLength = length;

        length = 0;
        for (int group = 0; group < 4; group++)
        {
            if (group > 0)
            {
                text[length++] = (byte)' ';
            }
            int value = nextInt(10_000);
            for (int digit = 3; digit >= 0; digit--)
            {
                text[length + digit] = (byte)('0' + value % 10);
                value /= 10;
            }
            length += 4;
        }
        writer.putBytes(PERSON_CREDIT_CARD, scratch, 0, length);

        final byte[] city = CITIES[nextInt(CITIES.length)];
        final byte[] state = STATES[nextInt(STATES.length)];
        writer.putBytes(PERSON_CITY, city);
        writer.putBytes(PERSON_STATE, state);
        writer.putLong(PERSON_DATE_TIME, dateTime);

        final int currentSize = 8 + name.length + emailLength + CREDIT_CARD_LENGTH + city.length + state.length;
        length = appendExtra(currentSize, settings.avgPersonByteSize());
        writer.putBytes(PERSON_EXTRA, scratch, 0, length);
        writer.finish();
    }

    private void writeAuction(final long eventId, final long number, final long dateTime, final RowWriter writer)
    {
        // hot: the first person of the current batch of HOT_SELLER_BATCH people
        final long seller = FIRST_PERSON_ID + (nextInt(settings.hotSellersRatio()) > 0 ?
            (lastBase0PersonId(eventId) / HOT_SELLER_BATCH) * HOT_SELLER_BATCH : nextBase0PersonId(eventId));
        final long category = FIRST_CATEGORY_ID + nextInt(NUM_CATEGORIES);
        final long initialBid = nextPrice();
        final long expires = dateTime + 1000 * nextAuctionLengthMs(number, dateTime);

        writer.reset();
        writer.putLong(AUCTION_ID, lastBase0AuctionId(eventId) + FIRST_AUCTION_ID);
        final int nameLength = appendString(0, 20, ' ');
        writer.putBytes(AUCTION_ITEM_NAME, scratch, 0, nameLength);
        final int descriptionLength = appendString(0, 100, ' ');
        writer.putBytes(AUCTION_DESCRIPTION, scratch, 0, descriptionLength);
        final long reserve = initialBid + nextPrice();
        writer.putLong(AUCTION_INITIAL_BID, initialBid);
        writer.putLong(AUCTION_RESERVE, reserve);
        writer.putLong(AUCTION_DATE_TIME, dateTime);
        writer.putLong(AUCTION_EXPIRES, expires);
        writer.putLong(AUCTION_SELLER, seller);
        writer.putLong(AUCTION_CATEGORY, category);
        final int currentSize = 8 + nameLength + descriptionLength + 8 + 8 + 8 + 8 + 8;
        final int extraLength = appendExtra(currentSize, settings.avgAuctionByteSize());
        writer.putBytes(AUCTION_EXTRA, scratch, 0, extraLength);
        writer.finish();
    }

    private void writeBid(final long eventId, final long dateTime, final RowWriter writer)
    {
        // hot: the first auction of the current batch of HOT_AUCTION_BATCH auctions
        final long auction = FIRST_AUCTION_ID + (nextInt(settings.hotAuctionRatio()) > 0 ?
            (lastBase0AuctionId(eventId) / HOT_AUCTION_BATCH) * HOT_AUCTION_BATCH : nextBase0AuctionId(eventId));
        // hot: the second person of the current batch, so that hot bidders and hot sellers differ
        final long bidder = FIRST_PERSON_ID + (nextInt(settings.hotBiddersRatio()) > 0 ?
            (lastBase0PersonId(eventId) / HOT_BIDDER_BATCH) * HOT_BIDDER_BATCH + 1 : nextBase0PersonId(eventId));
        final long price = nextPrice();

        final byte[] channel;
        final byte[] url;
        if (nextInt(HOT_CHANNELS_RATIO) > 0)
        {
            final int hot = nextInt(HOT_CHANNELS.length);
            channel = HOT_CHANNELS[hot];
            url = HOT_URLS[hot];
        }
        else
        {
            final int cold = nextInt(CHANNELS_NUMBER);
            channel = COLD_CHANNELS[cold];
            url = COLD_URLS[cold];
        }

        writer.reset();
        writer.putLong(BID_AUCTION, auction);
        writer.putLong(BID_BIDDER, bidder);
        writer.putLong(BID_PRICE, price);
        writer.putBytes(BID_CHANNEL, channel);
        writer.putBytes(BID_URL, url);
        writer.putLong(BID_DATE_TIME, dateTime);
        final int extraLength = appendExtra(8 + 8 + 8 + 8, settings.avgBidByteSize());
        writer.putBytes(BID_EXTRA, scratch, 0, extraLength);
        writer.finish();
    }

    private long nextBase0PersonId(final long eventId)
    {
        final long numPeople = lastBase0PersonId(eventId) + 1;
        final long activePeople = Math.min(numPeople, settings.numActivePeople());
        return numPeople - activePeople + nextLong(activePeople + PERSON_ID_LEAD);
    }

    private long nextBase0AuctionId(final long eventId)
    {
        final long maxAuction = lastBase0AuctionId(eventId);
        final long minAuction = Math.max(maxAuction - settings.numInFlightAuctions(), 0);
        return minAuction + nextLong(maxAuction - minAuction + 1 + AUCTION_ID_LEAD);
    }

    private long nextAuctionLengthMs(final long number, final long dateTime)
    {
        // average length: the event time until num_in_flight_auctions more auctions have been created
        final long futureAuction = timestampForNumber(number + auctionHorizonEvents);
        final long horizonMs = (futureAuction - dateTime) / 1000;
        return 1 + nextLong(Math.max(horizonMs * 2, 1));
    }

    /**
     * {@code round(10^(6u) * 100)}: {@code 10^(6u) = e^x} with {@code x = 6u ln 10} split into a table step
     * {@code k / 256} and a rest {@code r < 1/256}; {@code e^x = E[k] * (1 + r + r^2/2 + r^3/6)}, relative error
     * below 10^-11 (a third of the cost of {@code StrictMath.pow}, and as reproducible: the table comes from
     * {@link StrictMath#exp} and the rest is plain double arithmetic).
     */
    private long nextPrice()
    {
        return priceOf(nextDouble());
    }

    /** The price of a uniform draw {@code u} in [0, 1): see {@link #nextPrice()}. */
    static long priceOf(final double u)
    {
        final double x = u * SIX_LN_10;
        final int step = (int)(x * EXP_STEPS_PER_UNIT);
        final double rest = x - step * (1.0 / EXP_STEPS_PER_UNIT);
        final double exp = EXP_TABLE[step] * (1.0 + rest * (1.0 + rest * (0.5 + rest * (1.0 / 6.0))));
        return Math.round(exp * 100.0);
    }

    /**
     * Appends a string of {@code 3 .. maxLength - 1} characters at {@code offset} of the scratch buffer, each
     * {@code special} with probability 1/13, otherwise a lower-case letter; leading and trailing
     * {@code special} characters are dropped (Beam trims them).
     *
     * @return the offset after the string.
     */
    private int appendString(final int offset, final int maxLength, final char special)
    {
        final int length = MIN_STRING_LENGTH + nextInt(maxLength - MIN_STRING_LENGTH);
        int position = offset;
        int end = offset;
        for (int i = 0; i < length; i++)
        {
            // one draw of 13 * 26: the first 26 values are the special character (1/13), the rest 12 alphabets
            final int draw = nextSmall(13 * 26);
            if (draw < 26)
            {
                if (position > offset)
                {
                    text[position++] = (byte)special;
                }
            }
            else
            {
                text[position++] = (byte)('a' + (draw - 26) % 26);
                end = position;
            }
        }
        return end;
    }

    /** Writes the {@code extra} padding at offset 0 of the scratch buffer and returns its length. */
    private int appendExtra(final int currentSize, final int desiredAverageSize)
    {
        if (currentSize > desiredAverageSize)
        {
            return 0;
        }
        final int remaining = desiredAverageSize - currentSize;
        final int delta = (int)Math.round(remaining * 0.2);
        final int length = remaining - delta + (delta == 0 ? 0 : nextInt(2 * delta));
        final byte[] text = this.text;
        // six letters per 64-bit random: three from each 32-bit half, multiplying the half as a fraction by 26
        // and keeping the integer part (the third letter still has 22 bits of precision, bias below 10^-5)
        int i = 0;
        while (i < length)
        {
            final long random = nextLong();
            long fraction = random >>> 32;
            for (int half = 0; half < 2; half++)
            {
                for (int letter = 0; letter < 3 && i < length; letter++)
                {
                    final long product = fraction * 26;
                    text[i++] = (byte)('a' + (product >>> 32));
                    fraction = product & MASK32;
                }
                fraction = random & MASK32;
            }
        }
        return length;
    }

    private void seed(final long eventId)
    {
        rngState = mix64(seedMix ^ mix64(eventId + 1));
        fractionUses = 0;
        hasPendingHalf = false;
    }

    private long nextLong()
    {
        rngState += GOLDEN;
        return mix64(rngState);
    }

    /** Uniform in {@code [0, bound)} for {@code 0 < bound <= 2^31}: the high 32 bits times the bound. */
    private int nextInt(final int bound)
    {
        return (int)(((nextLong() >>> 32) * bound) >>> 32);
    }

    /** Uniform in {@code [0, bound)} for a positive bound (modulo bias below 2^-40 for the bounds used here). */
    private long nextLong(final long bound)
    {
        return (nextLong() >>> 1) % bound;
    }

    private double nextDouble()
    {
        return (nextLong() >>> 11) * 0x1.0p-53;
    }

    /**
     * Uniform in {@code [0, bound)} for a small bound (at most a few hundred): two draws from each 32 bits of
     * a 64-bit random (multiply the 32-bit fraction, keep the integer part, continue with the rest), so a
     * string of n characters costs n/4 random numbers.
     */
    private int nextSmall(final int bound)
    {
        if (fractionUses == 0)
        {
            if (hasPendingHalf)
            {
                fraction = pendingHalf;
                hasPendingHalf = false;
            }
            else
            {
                final long random = nextLong();
                fraction = random >>> 32;
                pendingHalf = random & MASK32;
                hasPendingHalf = true;
            }
            fractionUses = 2;
        }
        final long product = fraction * bound;
        fraction = product & MASK32;
        fractionUses--;
        return (int)(product >>> 32);
    }

    static long mix64(final long value)
    {
        long z = value;
        z = (z ^ (z >>> 30)) * 0xBF58476D1CE4E5B9L;
        z = (z ^ (z >>> 27)) * 0x94D049BB133111EBL;
        return z ^ (z >>> 31);
    }

    private static void buildChannelCatalogue()
    {
        final StringBuilder sb = new StringBuilder(96);
        for (int channel = 0; channel < CHANNELS_NUMBER; channel++)
        {
            COLD_CHANNELS[channel] = ("channel-" + channel).getBytes(StandardCharsets.US_ASCII);
            long state = mix64(CATALOGUE_SEED ^ mix64(channel));
            sb.setLength(0);
            sb.append("https://www.nexmark.com/");
            state += GOLDEN;
            final int pathLength = MIN_STRING_LENGTH + (int)(((mix64(state) >>> 32) * 2) >>> 32);
            for (int i = 0; i < pathLength; i++)
            {
                state += GOLDEN;
                final int draw = (int)(((mix64(state) >>> 32) * (13 * 26)) >>> 32);
                sb.append(draw < 26 ? '_' : (char)('a' + (draw - 26) % 26));
            }
            sb.append("/item.htm?query=1");
            state += GOLDEN;
            // as Flink and Feldera: 9 in 10 URLs carry the bit-reversed channel number
            if (((mix64(state) >>> 32) * 10 >>> 32) != 9)
            {
                sb.append("&channel_id=").append(Integer.toUnsignedString(Integer.reverse(channel)));
            }
            COLD_URLS[channel] = sb.toString().getBytes(StandardCharsets.US_ASCII);
        }
    }

    private static byte[][] ascii(final String... values)
    {
        final byte[][] bytes = new byte[values.length][];
        for (int i = 0; i < values.length; i++)
        {
            bytes[i] = values[i].getBytes(StandardCharsets.US_ASCII);
        }
        return bytes;
    }

    private static byte[][] names(final String[] firstNames, final String[] lastNames)
    {
        final byte[][] names = new byte[firstNames.length * lastNames.length][];
        for (int first = 0; first < firstNames.length; first++)
        {
            for (int last = 0; last < lastNames.length; last++)
            {
                names[first * lastNames.length + last] =
                    (firstNames[first] + " " + lastNames[last]).getBytes(StandardCharsets.US_ASCII);
            }
        }
        return names;
    }
}
