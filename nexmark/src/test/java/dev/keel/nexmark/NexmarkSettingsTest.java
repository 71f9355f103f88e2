package dev.keel.nexmark;

import org.junit.jupiter.api.Test;

import java.util.function.UnaryOperator;

import static org.junit.jupiter.api.Assertions.*;

class NexmarkSettingsTest
{
    private static String failure(final UnaryOperator<NexmarkSettings.Builder> change)
    {
        return assertThrows(IllegalArgumentException.class, () -> change.apply(NexmarkSettings.builder()).build())
            .getMessage();
    }

    @Test
    void defaultsAreTheStandardNexmarkConfiguration()
    {
        final NexmarkSettings settings = NexmarkSettings.defaults();
        assertEquals(0, settings.seed());
        assertEquals(NexmarkSettings.UNBOUNDED, settings.maxEvents());
        assertEquals(0, settings.eventsPerSecond());
        assertEquals(10_000, settings.firstEventRate());
        assertEquals(0, settings.firstEventId());
        assertEquals(1_436_918_400_000_000L, settings.baseTimeUs());
        assertEquals(1000, settings.numActivePeople());
        assertEquals(100, settings.numInFlightAuctions());
        assertEquals(1, settings.outOfOrderGroupSize());
        assertEquals(2, settings.hotAuctionRatio());
        assertEquals(4, settings.hotSellersRatio());
        assertEquals(4, settings.hotBiddersRatio());
        assertEquals(200, settings.avgPersonByteSize());
        assertEquals(500, settings.avgAuctionByteSize());
        assertEquals(100, settings.avgBidByteSize());
        assertTrue(settings.lockstep());
        assertEquals(settings.toString(), settings.toBuilder().build().toString());
        assertTrue(settings.toString().contains("max_events=unbounded"), settings.toString());
    }

    @Test
    void everyInvalidFieldIsNamedWithItsValueAndWhatIsAllowed()
    {
        assertEquals("max_events: 0 is out of range, allowed: 1..9223372036854775807 (9223372036854775807 = unbounded)",
            failure(b -> b.maxEvents(0)));
        assertEquals("events_per_second: -1 is out of range, allowed: 0..1000000000 (0 = no limit)",
            failure(b -> b.eventsPerSecond(-1)));
        assertEquals("events_per_second: 1000000001 is out of range, allowed: 0..1000000000 (0 = no limit)",
            failure(b -> b.eventsPerSecond(1_000_000_001)));
        assertEquals("first_event_rate: 0 is out of range, allowed: 1..1000000000",
            failure(b -> b.firstEventRate(0)));
        assertEquals("first_event_id: -5 is out of range, allowed: 0..4611686018427387904",
            failure(b -> b.firstEventId(-5)));
        assertEquals("base_time_us: -1 is out of range, allowed: 0..4611686018427387904",
            failure(b -> b.baseTimeUs(-1)));
        assertEquals("num_active_people: 0 is out of range, allowed: 1..2147483647",
            failure(b -> b.numActivePeople(0)));
        assertEquals("num_in_flight_auctions: -3 is out of range, allowed: 1..2147483647",
            failure(b -> b.numInFlightAuctions(-3)));
        assertEquals("out_of_order_group_size: 0 is out of range, allowed: 1..2147483647",
            failure(b -> b.outOfOrderGroupSize(0)));
        assertEquals("out_of_order_group_size: 953 is a multiple of 953, which the in-group shuffle multiplies by, " +
            "so events would repeat; allowed: 1..2147483647 except multiples of 953",
            failure(b -> b.outOfOrderGroupSize(953)));
        assertEquals("hot_auction_ratio: 0 is out of range, allowed: 1..2147483647",
            failure(b -> b.hotAuctionRatio(0)));
        assertEquals("hot_sellers_ratio: 0 is out of range, allowed: 1..2147483647",
            failure(b -> b.hotSellersRatio(0)));
        assertEquals("hot_bidders_ratio: -1 is out of range, allowed: 1..2147483647",
            failure(b -> b.hotBiddersRatio(-1)));
        assertEquals("avg_person_byte_size: 0 is out of range, allowed: 1..65536",
            failure(b -> b.avgPersonByteSize(0)));
        assertEquals("avg_auction_byte_size: 65537 is out of range, allowed: 1..65536",
            failure(b -> b.avgAuctionByteSize(65_537)));
        assertEquals("avg_bid_byte_size: 0 is out of range, allowed: 1..65536",
            failure(b -> b.avgBidByteSize(0)));
    }

    @Test
    void boundaryValuesAreAccepted()
    {
        final NexmarkSettings settings = NexmarkSettings.builder()
            .maxEvents(1)
            .eventsPerSecond(NexmarkSettings.MAX_RATE)
            .firstEventRate(1)
            .firstEventId(NexmarkSettings.MAX_OFFSET)
            .baseTimeUs(0)
            .numActivePeople(1)
            .numInFlightAuctions(1)
            .outOfOrderGroupSize(954)
            .hotAuctionRatio(1)
            .hotSellersRatio(1)
            .hotBiddersRatio(1)
            .avgPersonByteSize(NexmarkSettings.MAX_AVG_BYTE_SIZE)
            .avgAuctionByteSize(1)
            .avgBidByteSize(1)
            .build();
        assertEquals(954, settings.outOfOrderGroupSize());
        assertEquals(1, settings.maxEvents());
    }

    @Test
    void extremeSettingsStillGenerateValidEvents()
    {
        final NexmarkSettings settings = NexmarkSettings.builder()
            .firstEventId(NexmarkSettings.MAX_OFFSET)
            .firstEventRate(1)
            .numActivePeople(1)
            .numInFlightAuctions(1)
            .hotAuctionRatio(1)
            .hotSellersRatio(1)
            .hotBiddersRatio(1)
            .avgPersonByteSize(NexmarkSettings.MAX_AVG_BYTE_SIZE)
            .avgAuctionByteSize(1)
            .avgBidByteSize(1)
            .outOfOrderGroupSize(954)
            .build();
        final NexmarkEvents.Tables tables = NexmarkEvents.generate(settings, 3000);
        assertEquals(3000, tables.size());
        assertFalse(tables.persons().isEmpty());
        for (final NexmarkEvents.Person person : tables.persons())
        {
            assertTrue(person.extra().length() > 50_000, "extra pads a person to about 64 KiB");
        }
        for (final NexmarkEvents.Bid bid : tables.bids())
        {
            assertEquals("", bid.extra());
        }
    }
}
