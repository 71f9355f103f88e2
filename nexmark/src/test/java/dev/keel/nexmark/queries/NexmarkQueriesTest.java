package dev.keel.nexmark.queries;

import dev.keel.engine.api.Keel;
import dev.keel.engine.api.EngineContext;
import dev.keel.engine.api.KeelPipeline;
import dev.keel.engine.api.OutputHandle;
import dev.keel.engine.circuit.PipelineState;
import dev.keel.engine.config.ThreadingMode;
import dev.keel.engine.data.RowView;
import dev.keel.engine.data.Schema;
import dev.keel.engine.data.ZSetBatch;
import dev.keel.nexmark.NexmarkEvents;
import dev.keel.nexmark.NexmarkEvents.Tables;
import dev.keel.nexmark.NexmarkInputEndpoint;
import dev.keel.nexmark.NexmarkReference;
import dev.keel.nexmark.NexmarkSettings;
import dev.keel.nexmark.NexmarkTable;
import dev.keel.engine.program.Program;
import dev.keel.engine.program.ProgramDefinition;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Function;
import java.util.stream.Collectors;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.*;

/**
 * Every registered query, run as a pipeline over generated Nexmark events (three {@code nexmark} endpoints,
 * INVOKER mode, small steps), against {@link NexmarkReference} over the same events: the final integrated view
 * equals the reference, append-only queries emit exactly the reference's rows (in input order where the
 * reference has one) and never retract, and two step sizes give identical views.
 */
@Timeout(120)
class NexmarkQueriesTest
{
    private static final long EVENTS = 6_000;
    private static final long SECOND = NexmarkReference.SECOND;
    /** 100 events per second of event time: 60 s, so 6 tumbling and about 30 hopping windows. */
    private static final NexmarkSettings SETTINGS = NexmarkSettings.builder()
        .seed(11).firstEventRate(100).maxEvents(EVENTS).build();
    private static final Tables TABLES = NexmarkEvents.generate(SETTINGS, EVENTS);
    private static final int SMALL_STEP = 37;
    private static final int LARGE_STEP = 500;

    /** Reference rows of each query, as view rows (column values in view order). */
    private static final Map<String, Function<Tables, List<List<Object>>>> EXPECTED = new HashMap<>();

    static
    {
        EXPECTED.put(Q0.NAME, t -> map(NexmarkReference.q0(t), NexmarkQueriesTest::bid));
        EXPECTED.put(Q1.NAME, t -> map(NexmarkReference.q1(t), r -> List.of(
            r.auction(), r.bidder(), r.price(), r.dateTime(), r.extra())));
        EXPECTED.put(Q2.NAME, t -> map(NexmarkReference.q2(t), r -> List.of(r.auction(), r.price())));
        EXPECTED.put(Q3.NAME, t -> map(NexmarkReference.q3(t), r -> List.of(r.name(), r.city(), r.state(), r.id())));
        EXPECTED.put(Q4.NAME, t -> map(NexmarkReference.q4(t), r -> List.of(r.category(), r.average())));
        EXPECTED.put(Q5.NAME, t -> map(NexmarkReference.q5(t), r -> List.of(
            r.windowStart(), r.windowEnd(), r.auction(), r.num())));
        EXPECTED.put(Q6.NAME, t -> map(NexmarkReference.q6(t), r -> List.of(r.seller(), r.avgPrice())));
        EXPECTED.put(Q7.NAME, t -> map(NexmarkReference.q7(t), r -> List.of(
            r.auction(), r.price(), r.bidder(), r.dateTime(), r.extra())));
        EXPECTED.put(Q8.NAME, t -> map(NexmarkReference.q8(t), r -> List.of(r.id(), r.name(), r.windowStart())));
        EXPECTED.put(Q9.NAME, t -> map(NexmarkReference.q9(t), r ->
        {
            final List<Object> row = new ArrayList<>(auction(r.auction()));
            row.addAll(List.of(r.bid().auction(), r.bid().bidder(), r.bid().price(), r.bid().dateTime(),
                r.bid().extra()));
            return row;
        }));
        EXPECTED.put(Q10.NAME, t -> map(NexmarkReference.q10(t), r -> List.of(
            r.auction(), r.bidder(), r.price(), r.dateTime(), r.extra(), r.dt(), r.hm())));
        EXPECTED.put(Q14.NAME, t -> map(NexmarkReference.q14(t), r -> List.of(
            r.auction(), r.bidder(), r.price(), r.bidTimeType(), r.dateTime(), r.extra(), r.cCounts())));
        EXPECTED.put(Q15.NAME, t -> map(NexmarkReference.q15(t), r -> bidStatistics(r, false)));
        EXPECTED.put(Q16.NAME, t -> map(NexmarkReference.q16(t), r -> bidStatistics(r, true)));
        EXPECTED.put(Q17.NAME, t -> map(NexmarkReference.q17(t), r -> List.of(r.auction(), r.day(), r.totalBids(),
            r.rank1Bids(), r.rank2Bids(), r.rank3Bids(), r.minPrice(), r.maxPrice(), r.avgPrice(), r.sumPrice())));
        EXPECTED.put(Q18.NAME, t -> map(NexmarkReference.q18(t), NexmarkQueriesTest::bid));
        EXPECTED.put(Q19.NAME, t -> map(NexmarkReference.q19(t), NexmarkQueriesTest::bid));
        EXPECTED.put(Q20.NAME, t -> map(NexmarkReference.q20(t), r ->
        {
            final List<Object> row = new ArrayList<>(bid(r.bid()));
            final List<Object> auction = auction(r.auction());
            row.addAll(auction.subList(1, auction.size()));
            return row;
        }));
        EXPECTED.put(Q21.NAME, t -> map(NexmarkReference.q21(t), r -> List.of(
            r.auction(), r.bidder(), r.price(), r.channel(), r.channelId())));
        // dir3 is null for every generated URL: Arrays.asList keeps nulls
        EXPECTED.put(Q22.NAME, t -> map(NexmarkReference.q22(t), r -> Arrays.asList(
            r.auction(), r.bidder(), r.price(), r.channel(), r.dir1(), r.dir2(), r.dir3())));
    }

    /** The reference result of a query over some tables, as view rows. */
    static List<List<Object>> expected(final String name, final Tables tables)
    {
        final Function<Tables, List<List<Object>>> reference = EXPECTED.get(name);
        assertNotNull(reference, "every registered query has a reference in this test: " + name);
        return reference.apply(tables);
    }

    private static List<Object> bidStatistics(final NexmarkReference.BidStatisticsRow r, final boolean perChannel)
    {
        final List<Object> row = new ArrayList<>();
        if (perChannel)
        {
            row.add(r.channel());
        }
        row.add(r.day());
        if (perChannel)
        {
            row.add(r.minute());
        }
        row.addAll(List.of(r.totalBids(), r.rank1Bids(), r.rank2Bids(), r.rank3Bids(), r.totalBidders(),
            r.rank1Bidders(), r.rank2Bidders(), r.rank3Bidders(), r.totalAuctions(), r.rank1Auctions(),
            r.rank2Auctions(), r.rank3Auctions()));
        return row;
    }

    private static List<Object> bid(final NexmarkEvents.Bid b)
    {
        return List.of(b.auction(), b.bidder(), b.price(), b.channel(), b.url(), b.dateTime(), b.extra());
    }

    private static List<Object> auction(final NexmarkEvents.Auction a)
    {
        return List.of(a.id(), a.itemName(), a.description(), a.initialBid(), a.reserve(), a.dateTime(),
            a.expires(), a.seller(), a.category(), a.extra());
    }

    /** What a run produced: every delta row in emission order, and the final integrated view. */
    record Run(
        List<List<Object>> emitted, List<Long> weights, Map<List<Object>, Long> view, int transactions,
        List<Map<List<Object>, Long>> deltas)
    {
    }

    static Stream<String> queries()
    {
        return NexmarkQueries.names().stream();
    }

    /**
     * {@code workers} = 2: every query's view emits, transaction by transaction, the same consolidated delta as
     * with one worker (order within a transaction may differ), and ends with the same view.
     */
    @ParameterizedTest
    @MethodSource("queries")
    void twoWorkersEmitTheSameDeltasAsOne(final String name) throws InterruptedException
    {
        final NexmarkQueries.Query query = NexmarkQueries.query(name);
        final Run one = run(query, query.definition(), SMALL_STEP, 1);
        final Run two = run(query, query.definition(), SMALL_STEP, 2);
        assertFalse(one.view().isEmpty(), name);
        assertEquals(one.transactions(), two.transactions(), name + ": transactions");
        for (int t = 0; t < one.deltas().size(); t++)
        {
            assertEquals(one.deltas().get(t), two.deltas().get(t), name + ": delta of transaction " + (t + 1));
        }
        assertEquals(one.view(), two.view(), name + ": final view");
    }

    @ParameterizedTest
    @MethodSource("queries")
    void matchesTheReferenceAtTwoStepSizes(final String name) throws InterruptedException
    {
        final NexmarkQueries.Query query = NexmarkQueries.query(name);
        final List<List<Object>> expected = expected(name, TABLES);
        assertFalse(expected.isEmpty(), name + ": the input must give a non-trivial result");

        final Run small = run(query, query.definition(), SMALL_STEP);
        final Run large = run(query, query.definition(), LARGE_STEP);
        assertTrue(small.transactions() >= 50, name + ": many steps, got " + small.transactions());
        assertTrue(large.transactions() < small.transactions(), name + ": fewer, larger steps");

        assertEquals(multiset(expected), small.view(), name + ": final view, step size " + SMALL_STEP);
        assertEquals(small.view(), large.view(), name + ": final view of step size " + LARGE_STEP);
        assertTrue(small.view().values().stream().allMatch(w -> w > 0), name + ": no negative weight in the view");
        if (query.appendOnly())
        {
            for (final Run run : List.of(small, large))
            {
                assertTrue(run.weights().stream().allMatch(w -> w == 1), name + ": an append-only view only inserts");
                assertEquals(multiset(expected), multiset(run.emitted()), name + ": every emitted row");
            }
        }
    }

    @ParameterizedTest
    @MethodSource("queries")
    void declaresItsTablesAndView(final String name)
    {
        final NexmarkQueries.Query query = NexmarkQueries.query(name);
        try (Program program = Program.build(query.definition()))
        {
            assertEquals(query.tables().stream().map(NexmarkTable::configName).collect(Collectors.toSet()),
                program.tables().keySet(), name);
            for (final NexmarkTable table : query.tables())
            {
                assertEquals(table.schema(), program.table(table.configName()).outputSchema(), name + " " + table);
            }
            assertEquals(List.of(query.view()), List.copyOf(program.views().keySet()), name);
            assertEquals(query.appendOnly(), program.view(query.view()).appendOnly(), name + ": append-only");
            assertEquals(program.fingerprint(), fingerprint(query.definition()), name + ": deterministic program");
        }
    }

    @Test
    void passThroughQueriesEmitInInputOrder() throws InterruptedException
    {
        for (final String name : List.of(Q0.NAME, Q1.NAME, Q2.NAME, Q10.NAME, Q14.NAME, Q21.NAME, Q22.NAME))
        {
            final NexmarkQueries.Query query = NexmarkQueries.query(name);
            assertEquals(EXPECTED.get(name).apply(TABLES), run(query, query.definition(), SMALL_STEP).emitted(), name);
        }
    }

    @Test
    void windowedQueriesWithLatenessGiveTheSameResultOverInOrderEvents() throws InterruptedException
    {
        final Map<String, ProgramDefinition> late = Map.of(
            Q5.NAME, new Q5(3 * SECOND), Q7.NAME, new Q7(3 * SECOND), Q8.NAME, new Q8(3 * SECOND),
            Q15.NAME, new Q15(3 * SECOND), Q16.NAME, new Q16(3 * SECOND), Q17.NAME, new Q17(3 * SECOND));
        for (final Map.Entry<String, ProgramDefinition> entry : late.entrySet())
        {
            final NexmarkQueries.Query query = NexmarkQueries.query(entry.getKey());
            assertEquals(multiset(EXPECTED.get(entry.getKey()).apply(TABLES)),
                run(query, entry.getValue(), SMALL_STEP).view(), entry.getKey());
        }
        assertThrows(IllegalArgumentException.class, () -> new Q5(-1));
    }

    @Test
    void q4CountsOnlyBidsWithinTheAuctionsLifetimeAndAtTheReserve()
    {
        // the reference's filters matter on this input: dropping either changes the result
        final List<List<Object>> expected = EXPECTED.get(Q4.NAME).apply(TABLES);
        final Tables noReserve = new Tables(TABLES.persons(), TABLES.auctions().stream().map(a ->
            new NexmarkEvents.Auction(a.id(), a.itemName(), a.description(), a.initialBid(), 0, a.dateTime(),
                a.expires(), a.seller(), a.category(), a.extra())).toList(), TABLES.bids());
        assertNotEquals(expected, map(NexmarkReference.q4(noReserve), r -> List.of(r.category(), r.average())));
        assertEquals(5, expected.size(), "every category has a winner: " + expected);
    }

    @Test
    void unknownQueryNamesTheKnownOnes()
    {
        final IllegalArgumentException error =
            assertThrows(IllegalArgumentException.class, () -> NexmarkQueries.query("nexmark-q11"));
        assertTrue(error.getMessage().contains("nexmark-q0"), error.getMessage());
    }

    private static long fingerprint(final ProgramDefinition definition)
    {
        try (Program program = Program.build(definition))
        {
            return program.fingerprint();
        }
    }

    static Run run(final NexmarkQueries.Query query, final ProgramDefinition definition, final int maxBatch)
        throws InterruptedException
    {
        return run(query, definition, maxBatch, 1);
    }

    static Run run(
        final NexmarkQueries.Query query, final ProgramDefinition definition, final int maxBatch, final int workers)
        throws InterruptedException
    {
        final EngineContext ctx = new EngineContext()
            .threadingMode(ThreadingMode.INVOKER)
            .workers(workers)
            .pipelineName(query.view())
            .maxBatchSizeRecords(maxBatch)
            .outputHandle(query.view());
        for (final NexmarkTable table : query.tables())
        {
            ctx.input(table.configName(), table.configName(),
                NexmarkInputEndpoint.create(table.configName(), table, SETTINGS));
        }
        final List<List<Object>> emitted = new ArrayList<>();
        final List<Long> weights = new ArrayList<>();
        final List<Map<List<Object>, Long>> deltas = new ArrayList<>();
        final int[] transactions = new int[1];
        try (KeelPipeline pipeline = Keel.launch(ctx, definition))
        {
            final OutputHandle out = pipeline.outputHandle(query.view());
            final Schema schema = out.schema();
            final long deadlineNs = System.nanoTime() + 60_000_000_000L;
            while (pipeline.state() != PipelineState.COMPLETED)
            {
                if (pipeline.state().isTerminal())
                {
                    fail(query.name() + ": pipeline " + pipeline.state(), pipeline.failure());
                }
                if (System.nanoTime() - deadlineNs > 0)
                {
                    fail(query.name() + ": did not complete");
                }
                pipeline.invoke();
                out.poll((transactionId, delta) ->
                {
                    transactions[0]++;
                    final Map<List<Object>, Long> consolidated = new HashMap<>();
                    final ZSetBatch.Cursor cursor = delta.cursor();
                    while (cursor.next())
                    {
                        emitted.add(values(cursor.row(), schema));
                        weights.add(cursor.weight());
                        consolidated.merge(values(cursor.row(), schema), cursor.weight(), Long::sum);
                    }
                    consolidated.values().removeIf(w -> w == 0);
                    deltas.add(consolidated);
                });
            }
            final Map<List<Object>, Long> view = new HashMap<>();
            out.forEachRow((row, weight) -> view.put(values(row, schema), weight));
            return new Run(emitted, weights, view, transactions[0], deltas);
        }
    }

    static List<Object> values(final RowView row, final Schema schema)
    {
        final List<Object> values = new ArrayList<>(schema.columnCount());
        for (int i = 0; i < schema.columnCount(); i++)
        {
            switch (schema.type(i))
            {
                case STRING:
                    values.add(row.getString(i));
                    break;
                case FLOAT64:
                    values.add(row.getDouble(i));
                    break;
                case BOOL:
                    values.add(row.getBool(i));
                    break;
                default:
                    values.add(row.getLong(i));
            }
        }
        return values;
    }

    static Map<List<Object>, Long> multiset(final List<List<Object>> rows)
    {
        final Map<List<Object>, Long> counts = new HashMap<>();
        for (final List<Object> row : rows)
        {
            counts.merge(row, 1L, Long::sum);
        }
        return counts;
    }

    private static <T> List<List<Object>> map(final List<T> rows, final Function<T, List<Object>> columns)
    {
        return rows.stream().map(columns).collect(Collectors.toList());
    }
}
