package dev.keel.nexmark;

/**
 * Immutable settings of the Nexmark generator and its endpoints. Configuration names (as in the
 * {@code nexmark} transport's {@code config}) and defaults, which are those of Beam's and Flink's
 * {@code NexmarkConfiguration} unless stated:
 * <ul>
 *   <li>{@code seed} = 0: with the event index, the only source of randomness; equal seeds give equal events;</li>
 *   <li>{@code max_events} = unbounded ({@link #UNBOUNDED}): event indexes {@code [0, max_events)} exist;</li>
 *   <li>{@code events_per_second} = 0: pacing of live polls in event indexes per second, 0 = as fast as polled;</li>
 *   <li>{@code first_event_rate} = 10000: the event-time rate, event {@code n} is stamped
 *   {@code base_time_us + 1000 * floor(n * 1000 / first_event_rate)} (whole milliseconds);</li>
 *   <li>{@code first_event_id} = 0: added to every event's number to form its id, which decides its kind and ids;</li>
 *   <li>{@code base_time_us} = {@link #DEFAULT_BASE_TIME_US} (2015-07-15T00:00:00Z, Beam's base time): the
 *   event time of event number 0, micros since the epoch;</li>
 *   <li>{@code num_active_people} = 1000: people a non-hot seller or bidder is drawn from (the newest ones);</li>
 *   <li>{@code num_in_flight_auctions} = 100: auctions a non-hot bid is drawn from; also sets auction length;</li>
 *   <li>{@code out_of_order_group_size} = 1: events are shuffled within groups of this many consecutive
 *   numbers, so an event's {@code date_time} is at most {@code group_size - 1} event intervals out of order;</li>
 *   <li>{@code hot_auction_ratio} = 2, {@code hot_sellers_ratio} = 4, {@code hot_bidders_ratio} = 4: a bid goes to
 *   a hot auction with probability {@code 1 - 1/hot_auction_ratio}, and likewise for sellers and bidders;</li>
 *   <li>{@code avg_person_byte_size} = 200, {@code avg_auction_byte_size} = 500, {@code avg_bid_byte_size} = 100:
 *   {@code extra} pads events to about these sizes;</li>
 *   <li>{@code lockstep} = true: see {@link NexmarkInputEndpoint}; each poll covers at most {@code maxRecords}
 *   event indexes, so the three table endpoints advance together.</li>
 * </ul>
 * {@link Builder#build()} validates every field and fails with a message naming the field, the value and
 * what is allowed.
 */
public final class NexmarkSettings
{
    /** {@link #maxEvents()} of an endless generator. */
    public static final long UNBOUNDED = Long.MAX_VALUE;

    /** 2015-07-15T00:00:00Z in micros, the base time of Beam's Nexmark. */
    public static final long DEFAULT_BASE_TIME_US = 1_436_918_400_000_000L;

    /** Largest event rate (pacing and event time): 10^9 per second. */
    public static final long MAX_RATE = 1_000_000_000L;

    /** Largest {@code first_event_id} and {@code base_time_us}: 2^62, so sums of ids and times cannot overflow. */
    public static final long MAX_OFFSET = 1L << 62;

    /** Largest average byte size of an event kind. */
    public static final int MAX_AVG_BYTE_SIZE = 1 << 16;

    /** The in-group shuffle multiplies by this prime; a group size that is a multiple of it is not shuffled. */
    static final int SHUFFLE_MULTIPLIER = 953;

    private final long seed;
    private final long maxEvents;
    private final long eventsPerSecond;
    private final long firstEventRate;
    private final long firstEventId;
    private final long baseTimeUs;
    private final int numActivePeople;
    private final int numInFlightAuctions;
    private final int outOfOrderGroupSize;
    private final int hotAuctionRatio;
    private final int hotSellersRatio;
    private final int hotBiddersRatio;
    private final int avgPersonByteSize;
    private final int avgAuctionByteSize;
    private final int avgBidByteSize;
    private final boolean lockstep;

    private NexmarkSettings(final Builder builder)
    {
        this.seed = builder.seed;
        this.maxEvents = builder.maxEvents;
        this.eventsPerSecond = builder.eventsPerSecond;
        this.firstEventRate = builder.firstEventRate;
        this.firstEventId = builder.firstEventId;
        this.baseTimeUs = builder.baseTimeUs;
        this.numActivePeople = builder.numActivePeople;
        this.numInFlightAuctions = builder.numInFlightAuctions;
        this.outOfOrderGroupSize = builder.outOfOrderGroupSize;
        this.hotAuctionRatio = builder.hotAuctionRatio;
        this.hotSellersRatio = builder.hotSellersRatio;
        this.hotBiddersRatio = builder.hotBiddersRatio;
        this.avgPersonByteSize = builder.avgPersonByteSize;
        this.avgAuctionByteSize = builder.avgAuctionByteSize;
        this.avgBidByteSize = builder.avgBidByteSize;
        this.lockstep = builder.lockstep;
    }

    public static Builder builder()
    {
        return new Builder();
    }

    /** The defaults. */
    public static NexmarkSettings defaults()
    {
        return new Builder().build();
    }

    public long seed()
    {
        return seed;
    }

    public long maxEvents()
    {
        return maxEvents;
    }

    public long eventsPerSecond()
    {
        return eventsPerSecond;
    }

    public long firstEventRate()
    {
        return firstEventRate;
    }

    public long firstEventId()
    {
        return firstEventId;
    }

    public long baseTimeUs()
    {
        return baseTimeUs;
    }

    public int numActivePeople()
    {
        return numActivePeople;
    }

    public int numInFlightAuctions()
    {
        return numInFlightAuctions;
    }

    public int outOfOrderGroupSize()
    {
        return outOfOrderGroupSize;
    }

    public int hotAuctionRatio()
    {
        return hotAuctionRatio;
    }

    public int hotSellersRatio()
    {
        return hotSellersRatio;
    }

    public int hotBiddersRatio()
    {
        return hotBiddersRatio;
    }

    public int avgPersonByteSize()
    {
        return avgPersonByteSize;
    }

    public int avgAuctionByteSize()
    {
        return avgAuctionByteSize;
    }

    public int avgBidByteSize()
    {
        return avgBidByteSize;
    }

    public boolean lockstep()
    {
        return lockstep;
    }

    /** A builder holding these settings, to derive variants. */
    public Builder toBuilder()
    {
        return new Builder()
            .seed(seed)
            .maxEvents(maxEvents)
            .eventsPerSecond(eventsPerSecond)
            .firstEventRate(firstEventRate)
            .firstEventId(firstEventId)
            .baseTimeUs(baseTimeUs)
            .numActivePeople(numActivePeople)
            .numInFlightAuctions(numInFlightAuctions)
            .outOfOrderGroupSize(outOfOrderGroupSize)
            .hotAuctionRatio(hotAuctionRatio)
            .hotSellersRatio(hotSellersRatio)
            .hotBiddersRatio(hotBiddersRatio)
            .avgPersonByteSize(avgPersonByteSize)
            .avgAuctionByteSize(avgAuctionByteSize)
            .avgBidByteSize(avgBidByteSize)
            .lockstep(lockstep);
    }

    public String toString()
    {
        return "nexmark{seed=" + seed + ", max_events=" + (maxEvents == UNBOUNDED ? "unbounded" : maxEvents) +
            ", events_per_second=" + eventsPerSecond + ", first_event_rate=" + firstEventRate +
            ", first_event_id=" + firstEventId + ", base_time_us=" + baseTimeUs +
            ", num_active_people=" + numActivePeople + ", num_in_flight_auctions=" + numInFlightAuctions +
            ", out_of_order_group_size=" + outOfOrderGroupSize + ", hot_auction_ratio=" + hotAuctionRatio +
            ", hot_sellers_ratio=" + hotSellersRatio + ", hot_bidders_ratio=" + hotBiddersRatio +
            ", avg_person_byte_size=" + avgPersonByteSize + ", avg_auction_byte_size=" + avgAuctionByteSize +
            ", avg_bid_byte_size=" + avgBidByteSize + ", lockstep=" + lockstep + "}";
    }

    /** Builder of {@link NexmarkSettings}; {@link #build()} validates every field. */
    public static final class Builder
    {
        private long seed;
        private long maxEvents = UNBOUNDED;
        private long eventsPerSecond;
        private long firstEventRate = 10_000;
        private long firstEventId;
        private long baseTimeUs = DEFAULT_BASE_TIME_US;
        private int numActivePeople = 1000;
        private int numInFlightAuctions = 100;
        private int outOfOrderGroupSize = 1;
        private int hotAuctionRatio = 2;
        private int hotSellersRatio = 4;
        private int hotBiddersRatio = 4;
        private int avgPersonByteSize = 200;
        private int avgAuctionByteSize = 500;
        private int avgBidByteSize = 100;
        private boolean lockstep = true;

        private Builder()
        {
        }

        public Builder seed(final long seed)
        {
            this.seed = seed;
            return this;
        }

        /** Number of event indexes, or {@link #UNBOUNDED}. */
        public Builder maxEvents(final long maxEvents)
        {
            this.maxEvents = maxEvents;
            return this;
        }

        /** Live pacing in event indexes per second; 0 = no limit. */
        public Builder eventsPerSecond(final long eventsPerSecond)
        {
            this.eventsPerSecond = eventsPerSecond;
            return this;
        }

        /** Event-time rate: the inter-event delay is {@code 1 / firstEventRate} seconds. */
        public Builder firstEventRate(final long firstEventRate)
        {
            this.firstEventRate = firstEventRate;
            return this;
        }

        public Builder firstEventId(final long firstEventId)
        {
            this.firstEventId = firstEventId;
            return this;
        }

        public Builder baseTimeUs(final long baseTimeUs)
        {
            this.baseTimeUs = baseTimeUs;
            return this;
        }

        public Builder numActivePeople(final int numActivePeople)
        {
            this.numActivePeople = numActivePeople;
            return this;
        }

        public Builder numInFlightAuctions(final int numInFlightAuctions)
        {
            this.numInFlightAuctions = numInFlightAuctions;
            return this;
        }

        public Builder outOfOrderGroupSize(final int outOfOrderGroupSize)
        {
            this.outOfOrderGroupSize = outOfOrderGroupSize;
            return this;
        }

        public Builder hotAuctionRatio(final int hotAuctionRatio)
        {
            this.hotAuctionRatio = hotAuctionRatio;
            return this;
        }

        public Builder hotSellersRatio(final int hotSellersRatio)
        {
            this.hotSellersRatio = hotSellersRatio;
            return this;
        }

        public Builder hotBiddersRatio(final int hotBiddersRatio)
        {
            this.hotBiddersRatio = hotBiddersRatio;
            return this;
        }

        public Builder avgPersonByteSize(final int avgPersonByteSize)
        {
            this.avgPersonByteSize = avgPersonByteSize;
            return this;
        }

        public Builder avgAuctionByteSize(final int avgAuctionByteSize)
        {
            this.avgAuctionByteSize = avgAuctionByteSize;
            return this;
        }

        public Builder avgBidByteSize(final int avgBidByteSize)
        {
            this.avgBidByteSize = avgBidByteSize;
            return this;
        }

        public Builder lockstep(final boolean lockstep)
        {
            this.lockstep = lockstep;
            return this;
        }

        public NexmarkSettings build()
        {
            check(maxEvents >= 1, "max_events", maxEvents, "1.." + Long.MAX_VALUE + " (" + Long.MAX_VALUE +
                " = unbounded)");
            check(eventsPerSecond >= 0 && eventsPerSecond <= MAX_RATE, "events_per_second", eventsPerSecond,
                "0.." + MAX_RATE + " (0 = no limit)");
            check(firstEventRate >= 1 && firstEventRate <= MAX_RATE, "first_event_rate", firstEventRate,
                "1.." + MAX_RATE);
            check(firstEventId >= 0 && firstEventId <= MAX_OFFSET, "first_event_id", firstEventId,
                "0.." + MAX_OFFSET);
            check(baseTimeUs >= 0 && baseTimeUs <= MAX_OFFSET, "base_time_us", baseTimeUs, "0.." + MAX_OFFSET);
            check(numActivePeople >= 1, "num_active_people", numActivePeople, "1.." + Integer.MAX_VALUE);
            check(numInFlightAuctions >= 1, "num_in_flight_auctions", numInFlightAuctions,
                "1.." + Integer.MAX_VALUE);
            check(outOfOrderGroupSize >= 1, "out_of_order_group_size", outOfOrderGroupSize,
                "1.." + Integer.MAX_VALUE);
            if (outOfOrderGroupSize % SHUFFLE_MULTIPLIER == 0)
            {
                throw new IllegalArgumentException("out_of_order_group_size: " + outOfOrderGroupSize +
                    " is a multiple of " + SHUFFLE_MULTIPLIER + ", which the in-group shuffle multiplies by, so " +
                    "events would repeat; allowed: 1.." + Integer.MAX_VALUE + " except multiples of " +
                    SHUFFLE_MULTIPLIER);
            }
            check(hotAuctionRatio >= 1, "hot_auction_ratio", hotAuctionRatio, "1.." + Integer.MAX_VALUE);
            check(hotSellersRatio >= 1, "hot_sellers_ratio", hotSellersRatio, "1.." + Integer.MAX_VALUE);
            check(hotBiddersRatio >= 1, "hot_bidders_ratio", hotBiddersRatio, "1.." + Integer.MAX_VALUE);
            check(avgPersonByteSize >= 1 && avgPersonByteSize <= MAX_AVG_BYTE_SIZE, "avg_person_byte_size",
                avgPersonByteSize, "1.." + MAX_AVG_BYTE_SIZE);
            check(avgAuctionByteSize >= 1 && avgAuctionByteSize <= MAX_AVG_BYTE_SIZE, "avg_auction_byte_size",
                avgAuctionByteSize, "1.." + MAX_AVG_BYTE_SIZE);
            check(avgBidByteSize >= 1 && avgBidByteSize <= MAX_AVG_BYTE_SIZE, "avg_bid_byte_size",
                avgBidByteSize, "1.." + MAX_AVG_BYTE_SIZE);
            return new NexmarkSettings(this);
        }

        private static void check(final boolean ok, final String field, final long value, final String allowed)
        {
            if (!ok)
            {
                throw new IllegalArgumentException(field + ": " + value + " is out of range, allowed: " + allowed);
            }
        }
    }
}
