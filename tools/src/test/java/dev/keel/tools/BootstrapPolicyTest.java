package dev.keel.tools;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.keel.engine.KeelException;
import dev.keel.engine.circuit.PipelineState;
import dev.keel.engine.config.BootstrapPolicy;
import dev.keel.engine.config.PipelineConfigParser;
import dev.keel.engine.data.Column;
import dev.keel.engine.data.ColumnType;
import dev.keel.engine.data.Schema;
import dev.keel.engine.examples.TradesVwap;
import dev.keel.engine.operators.Agg;
import dev.keel.engine.program.ProgramBuilder;
import dev.keel.engine.program.ProgramChange;
import dev.keel.engine.program.ProgramDefinition;
import dev.keel.engine.program.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.TreeMap;

import static org.junit.jupiter.api.Assertions.*;

/**
 * Bootstrap policies end to end, on real storage (file checkpoint store, Aeron journal, exactly_once) with file
 * input and output: a pipeline runs version 1 of a program over some trades and stops; more trades arrive and
 * version 2 (a view added, changed or removed) starts on the same storage. Every view's output is compared with a
 * run of version 2 from scratch over all the trades.
 */
class BootstrapPolicyTest
{
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String[] SYMBOLS = { "AAPL", "MSFT", "GOOG", "JPM", "TSLA" };
    private static final Schema TRADES = TradesVwap.TRADES;
    private static final int QTY = TRADES.require("qty");

    @TempDir
    Path dir;

    private final Random random = new Random(11);
    private String model = "exactly_once";
    private boolean silent;
    private boolean withQuotes;
    private int tradeCount;
    private int quoteCount;

    private static final Schema PRICED = Schema.of(
        Column.of("symbol", ColumnType.STRING),
        Column.of("price", ColumnType.INT64),
        Column.of("qty", ColumnType.INT64),
        Column.of("notional", ColumnType.INT64));

    /** The view vwap as {@link TradesVwap} defines it; returns the priced trades it aggregates. */
    static Stream vwap(final ProgramBuilder program, final Stream trades)
    {
        final int symbol = TRADES.require("symbol");
        final int price = TRADES.require("price");
        final Stream priced = trades.map("priced", PRICED,
            (in, out) -> out
                .copyColumn(0, in, symbol)
                .putLong(1, in.getLong(price))
                .putLong(2, in.getLong(QTY))
                .putLong(3, in.getLong(price) * in.getLong(QTY)),
            "1");
        program.view("vwap", priced.aggregate("vwap", new String[]{ "symbol" },
            Agg.count("trades"),
            Agg.sum("qty", "volume"),
            Agg.sum("notional", "notional"),
            Agg.min("price", "low"),
            Agg.max("price", "high")));
        return priced;
    }

    /** vwap (as TradesVwap) and big (trades with qty > 50). */
    public static class V1 implements ProgramDefinition
    {
        public void define(final ProgramBuilder program)
        {
            final Stream trades = program.table("trades", TRADES);
            if (materialized())
            {
                trades.materialized();
            }
            final Stream priced = vwap(program, trades);
            program.view("big", trades.filter("big", row -> row.getLong(QTY) > bigQty(), version()));
            more(program, priced);
        }

        /** The trades table keeps its contents, so that views over it can be recomputed. */
        boolean materialized()
        {
            return true;
        }

        void more(final ProgramBuilder program, final Stream priced)
        {
        }

        long bigQty()
        {
            return 50;
        }

        String version()
        {
            return "1";
        }
    }

    /** V1 and a new view, counts per symbol of the priced trades (shares vwap's map). */
    public static class Added extends V1
    {
        void more(final ProgramBuilder program, final Stream priced)
        {
            program.view("counts", priced.aggregate("counts", new String[]{ "symbol" }, Agg.count("n"),
                Agg.sum("qty", "qty")));
        }
    }

    /** V1 with big changed: qty > 80. */
    public static class Changed extends V1
    {
        long bigQty()
        {
            return 80;
        }

        String version()
        {
            return "2";
        }
    }

    /** V1 without big. */
    public static class Removed implements ProgramDefinition
    {
        public void define(final ProgramBuilder program)
        {
            vwap(program, program.table("trades", TRADES).materialized());
        }
    }

    /** V1 with the trades table not materialized. */
    public static class Lean extends V1
    {
        boolean materialized()
        {
            return false;
        }
    }

    /** Added with the trades table not materialized. */
    public static class LeanAdded extends Added
    {
        boolean materialized()
        {
            return false;
        }
    }

    private static final Schema QUOTES = Schema.of(
        Column.of("symbol", ColumnType.STRING),
        Column.of("bid", ColumnType.INT64));

    /** V1 and a table of quotes with a view of quote counts per symbol. */
    public static class WithQuotes extends V1
    {
        void more(final ProgramBuilder program, final Stream priced)
        {
            program.view("quoted", program.table("quotes", QUOTES).aggregate("quoted", new String[]{ "symbol" },
                Agg.count("n"), Agg.max("bid", "best")));
        }
    }

    /** V1 with trades a keyed table (primary key id): a modified table. */
    public static class KeyedTrades extends V1
    {
        public void define(final ProgramBuilder program)
        {
            final Stream trades = program.keyedTable("trades", TRADES, "id");
            vwap(program, trades);
            program.view("big", trades.filter("big", row -> row.getLong(QTY) > bigQty(), version()));
        }
    }

    @Test
    void allowStartsAnAddedTableFromItsConnectorsInitialPosition() throws Exception
    {
        final Run before = firstVersion();
        appendQuotes(400);
        withQuotes = true;
        final Path scratch = fromScratch(new WithQuotes(), "vwap", "big", "quoted");
        try (KeelNode node = launch(before.storage, new WithQuotes(), null, "vwap", "big", "quoted"))
        {
            final ProgramChange change = node.pipeline().programChange();
            assertEquals(List.of("quotes"), change.addedTables());
            assertEquals(List.of(), change.modifiedTables());
            assertEquals(List.of("quoted"), change.addedViews());
            assertEquals(List.of("quoted"), change.recomputedOperators(), "vwap and big keep their state");
            complete(node);
        }
        assertSameOutput(scratch, before.storage, "vwap", 0);
        assertSameOutput(scratch, before.storage, "big", 0);
        assertSameOutput(scratch, before.storage, "quoted", 0);
    }

    @Test
    void allowDropsARemovedTableAndItsConnector() throws Exception
    {
        withQuotes = true;
        appendQuotes(300);
        final Run before = firstVersion(new WithQuotes(), "vwap", "big", "quoted");
        withQuotes = false;
        final Path scratch = fromScratch(new V1(), "vwap", "big");
        try (KeelNode node = launch(before.storage, new V1(), null, "vwap", "big"))
        {
            final ProgramChange change = node.pipeline().programChange();
            assertEquals(List.of("quotes"), change.removedTables());
            assertEquals(List.of("quoted"), change.removedViews());
            assertEquals(List.of(), change.recomputedOperators());
            complete(node);
        }
        assertSameOutput(scratch, before.storage, "vwap", 0);
        assertSameOutput(scratch, before.storage, "big", 0);
    }

    @Test
    void allowTruncatesAModifiedTableAndReadsItsInputAgain() throws Exception
    {
        final Run before = firstVersion();
        final Map<String, Long> offsets = sizes(before, "vwap", "big");
        final Path scratch = fromScratch(new KeyedTrades(), "vwap", "big");
        try (KeelNode node = launch(before.storage, new KeyedTrades(), null, "vwap", "big");
            ControlServer control = ControlServer.start(new ControlServer.Context()
                .pipeline(node.pipeline()).pipelineName("p")))
        {
            final ProgramChange change = node.pipeline().programChange();
            assertEquals(List.of("trades"), change.modifiedTables());
            assertEquals(List.of("vwap", "big"), change.modifiedViews());
            complete(node);
            final JsonNode status = JSON.readTree(send("GET", "http://127.0.0.1:" + control.port() + "/v0/pipelines/p",
                200));
            assertEquals("[\"trades\"]", status.get("bootstrap").get("tables").get("modified").toString(),
                status.toString());
        }
        // the table started empty and its connector from the start of the file: after what they had delivered, the
        // views' outputs carry the new program's whole result, as Feldera's bootstrap does (no retractions)
        assertSameOutput(scratch, before.storage, "vwap", offsets.get("vwap"));
        assertSameOutput(scratch, before.storage, "big", offsets.get("big"));
    }

    @Test
    void changedTablesWithJournalStepsAfterTheCheckpointAreRefusedNamingTheFix() throws Exception
    {
        final Run before = firstVersion();
        final KeelNode old = launch(before.storage, new V1(), null, "vwap", "big");
        complete(old);
        old.closeWithoutCheckpoint();
        withQuotes = true;
        appendQuotes(10);
        final KeelException refused = assertThrows(KeelException.class,
            () -> launch(before.storage, new WithQuotes(), null, "vwap", "big", "quoted").close());
        assertEquals("BOOTSTRAP_TABLES_CHANGED", refused.code());
        assertTrue(refused.getMessage().contains("tables added [quotes]") &&
            refused.getMessage().contains("stop it cleanly"), refused.getMessage());

        // as the message says: the old program once more, stopped cleanly, then the new one
        withQuotes = false;
        try (KeelNode node = launch(before.storage, new V1(), null, "vwap", "big"))
        {
            complete(node);
        }
        withQuotes = true;
        final Path scratch = fromScratch(new WithQuotes(), "vwap", "big", "quoted");
        try (KeelNode node = launch(before.storage, new WithQuotes(), null, "vwap", "big", "quoted"))
        {
            complete(node);
        }
        assertSameOutput(scratch, before.storage, "vwap", 0);
        assertSameOutput(scratch, before.storage, "quoted", 0);
    }

    @Test
    void silentBootstrapSendsOnlyTheChangesAfterTheRecompute() throws Exception
    {
        final Run before = firstVersion();
        final long bigAtStop = Files.size(output(before.storage, "big"));
        silent = true;
        try (KeelNode node = launch(before.storage, new Changed(), null, "vwap", "big"))
        {
            assertEquals(List.of("big"), node.pipeline().programChange().modifiedViews());
            complete(node);
        }
        // after the stop, big's output has only the new trades (ids above 1,500) that pass the new filter
        final Map<String, Long> expected = new TreeMap<>();
        final List<String> trades = Files.readAllLines(dir.resolve("trades.json"));
        for (final String line : trades.subList(1_500, trades.size()))
        {
            final JsonNode trade = JSON.readTree(line);
            if (trade.get("qty").asLong() > 80)
            {
                expected.put(JSON.writeValueAsString(trade), 1L);
            }
        }
        assertFalse(expected.isEmpty());
        assertEquals(expected, integrate(output(before.storage, "big"), bigAtStop));
    }

    @Test
    void recomputingOverATableThatKeepsNoContentsIsRefusedAndLeavesTheStorageUsable() throws Exception
    {
        final Run before = firstVersion(new Lean(), "vwap", "big");
        final KeelException refused = assertThrows(KeelException.class,
            () -> launch(before.storage, new LeanAdded(), null, "vwap", "big", "counts").close());
        assertEquals("BOOTSTRAP_TABLE_NOT_MATERIALIZED", refused.code());
        assertTrue(refused.getMessage().contains("[trades]") && refused.getMessage().contains("materialized()"),
            refused.getMessage());
        // a change that recomputes nothing needs no contents: the lean program restores and runs on
        try (KeelNode node = launch(before.storage, new Lean(), null, "vwap", "big"))
        {
            assertNull(node.pipeline().programChange());
            complete(node);
        }
        final Path scratch = fromScratch(new Lean(), "vwap", "big");
        assertSameOutput(scratch, before.storage, "vwap", 0);
        assertSameOutput(scratch, before.storage, "big", 0);
    }

    @Test
    void allowRecomputesAnAddedView() throws Exception
    {
        final Run before = firstVersion();
        final Path scratch = fromScratch(new Added(), "vwap", "big", "counts");
        final Map<String, Long> offsets = sizes(before, "vwap", "big");
        try (KeelNode node = launch(before.storage, new Added(), null, "vwap", "big", "counts"))
        {
            final ProgramChange change = node.pipeline().programChange();
            assertEquals(List.of("counts"), change.addedViews());
            assertEquals(List.of(), change.modifiedViews());
            assertEquals(List.of(), change.removedViews());
            assertEquals(List.of("counts"), change.recomputedOperators(), "vwap and its map keep their state");
            complete(node);
        }
        assertSameOutput(scratch, before.storage, "vwap", 0);
        assertSameOutput(scratch, before.storage, "big", 0);
        assertSameOutput(scratch, before.storage, "counts", 0);
        assertTrue(offsets.get("vwap") > 0);
    }

    @Test
    void allowRecomputesAChangedViewAndKeepsTheOthers() throws Exception
    {
        final Run before = firstVersion();
        final Path scratch = fromScratch(new Changed(), "vwap", "big");
        final Map<String, Long> offsets = sizes(before, "vwap", "big");
        try (KeelNode node = launch(before.storage, new Changed(), null, "vwap", "big"))
        {
            final ProgramChange change = node.pipeline().programChange();
            assertEquals(List.of("big"), change.modifiedViews());
            assertEquals(List.of("big"), change.modifiedOperators());
            assertEquals(List.of("big"), change.recomputedOperators(), "vwap's aggregate keeps its state");
            complete(node);
        }
        assertSameOutput(scratch, before.storage, "vwap", 0);
        // a modified view's output gets its full new contents after what it had delivered
        assertSameOutput(scratch, before.storage, "big", offsets.get("big"));
    }

    @Test
    void allowAfterAnUncleanStopReplaysTheJournalBeforeTheRecompute() throws Exception
    {
        final Run before = firstVersion();
        final long bigAtCheckpoint = Files.size(output(before.storage, "big"));
        // the old program runs on, then stops without a checkpoint: the journal holds steps after the checkpoint
        final KeelNode old = launch(before.storage, new V1(), null, "vwap", "big");
        complete(old);
        old.closeWithoutCheckpoint();
        appendTrades(700);

        final Path scratch = fromScratch(new Changed(), "vwap", "big");
        try (KeelNode node = launch(before.storage, new Changed(), null, "vwap", "big"))
        {
            assertEquals(List.of("big"), node.pipeline().programChange().modifiedViews());
            complete(node);
        }
        assertSameOutput(scratch, before.storage, "vwap", 0);
        assertSameOutput(scratch, before.storage, "big", bigAtCheckpoint);
    }

    @Test
    void allowUnderAtLeastOnceRecomputesWithoutAJournal() throws Exception
    {
        model = "at_least_once";
        final Run before = firstVersion();
        final Path scratch = fromScratch(new Added(), "vwap", "big", "counts");
        try (KeelNode node = launch(before.storage, new Added(), null, "vwap", "big", "counts"))
        {
            assertEquals(List.of("counts"), node.pipeline().programChange().addedViews());
            complete(node);
        }
        assertSameOutput(scratch, before.storage, "vwap", 0);
        assertSameOutput(scratch, before.storage, "counts", 0);
    }

    @Test
    void allowDropsARemovedView() throws Exception
    {
        final Run before = firstVersion();
        final Path scratch = fromScratch(new Removed(), "vwap");
        try (KeelNode node = launch(before.storage, new Removed(), null, "vwap"))
        {
            final ProgramChange change = node.pipeline().programChange();
            assertEquals(List.of("big"), change.removedViews());
            assertEquals(List.of("big"), change.removedOperators());
            assertEquals(List.of(), change.recomputedOperators());
            complete(node);
        }
        assertSameOutput(scratch, before.storage, "vwap", 0);
    }

    @Test
    void rejectNamesTheChangedViewsAndLeavesTheStorageUsable() throws Exception
    {
        final Run before = firstVersion();
        final KeelException refused = assertThrows(KeelException.class,
            () -> launch(before.storage, new Changed(), BootstrapPolicy.REJECT, "vwap", "big").close());
        assertEquals("BOOTSTRAP_PROGRAM_CHANGED", refused.code());
        assertTrue(refused.getMessage().contains("modified [big]") &&
            refused.getMessage().contains("bootstrap_policy 'reject'"), refused.getMessage());

        // the same refusal through keel run --bootstrap-policy, which exits non-zero
        Files.writeString(dir.resolve("reject.json"), config(before.storage, null, "vwap", "big"));
        assertEquals(1, KeelCli.execute("run", "--config", dir.resolve("reject.json").toString(),
            "--program", Added.class.getName(), "--bootstrap-policy", "reject", "--exit-at-eoi"));

        // nothing was changed by the refusals: the old program resumes
        appendTrades(200);
        try (KeelNode node = launch(before.storage, new V1(), BootstrapPolicy.REJECT, "vwap", "big"))
        {
            assertNull(node.pipeline().programChange());
            complete(node);
        }
        final Path scratch = fromScratch(new V1(), "vwap", "big");
        assertSameOutput(scratch, before.storage, "vwap", 0);
        assertSameOutput(scratch, before.storage, "big", 0);
    }

    @Test
    void awaitApprovalShowsTheChangeAndProceedsOnApprove() throws Exception
    {
        final Run before = firstVersion();
        final Path scratch = fromScratch(new Added(), "vwap", "big", "counts");
        try (KeelNode node = launch(before.storage, new Added(), BootstrapPolicy.AWAIT_APPROVAL, "vwap", "big",
            "counts");
            ControlServer control = ControlServer.start(new ControlServer.Context()
                .pipeline(node.pipeline()).pipelineName("p")))
        {
            final String base = "http://127.0.0.1:" + control.port() + "/v0/pipelines/p";
            assertEquals(PipelineState.AWAITING_APPROVAL, node.pipeline().state());
            Thread.sleep(200);
            assertEquals(PipelineState.AWAITING_APPROVAL, node.pipeline().state(), "nothing runs before approve");
            final JsonNode status = JSON.readTree(send("GET", base, 200));
            assertEquals("AwaitingApproval", status.get("deployment_status").asText(), status.toString());
            assertEquals("[\"counts\"]", status.get("bootstrap").get("views").get("added").toString());
            assertEquals("[]", status.get("bootstrap").get("views").get("modified").toString());
            assertTrue(status.get("bootstrap").get("awaiting_approval").asBoolean());

            send("POST", base + "/approve", 202);
            complete(node);
            final JsonNode again = JSON.readTree(send("POST", base + "/approve", 409));
            assertEquals("ILLEGAL_PIPELINE_ACTION", again.get("error_code").asText(), again.toString());
        }
        assertSameOutput(scratch, before.storage, "vwap", 0);
        assertSameOutput(scratch, before.storage, "counts", 0);
    }

    @Test
    void unchangedProgramRestoresWithoutRecompute() throws Exception
    {
        final Run before = firstVersion();
        try (KeelNode node = launch(before.storage, new V1(), BootstrapPolicy.AWAIT_APPROVAL, "vwap", "big"))
        {
            assertNull(node.pipeline().programChange());
            complete(node);
        }
        final Path scratch = fromScratch(new V1(), "vwap", "big");
        assertSameOutput(scratch, before.storage, "vwap", 0);
        assertSameOutput(scratch, before.storage, "big", 0);
    }

    // ------------------------------------------------------------------------------------------------------------

    record Run(Path storage)
    {
    }

    /** Version 1 over 1,500 trades, stopped cleanly; then 1,500 more trades arrive. */
    Run firstVersion() throws Exception
    {
        return firstVersion(new V1(), "vwap", "big");
    }

    /** {@code program} over 1,500 trades, stopped cleanly; then 1,500 more trades arrive. */
    Run firstVersion(final ProgramDefinition program, final String... views) throws Exception
    {
        appendTrades(1_500);
        final Path storage = dir.resolve("run");
        try (KeelNode node = launch(storage, program, null, views))
        {
            complete(node);
        }
        appendTrades(1_500);
        return new Run(storage);
    }

    Path fromScratch(final ProgramDefinition program, final String... views) throws Exception
    {
        final Path storage = dir.resolve("scratch-" + program.getClass().getSimpleName());
        try (KeelNode node = launch(storage, program, null, views))
        {
            complete(node);
        }
        return storage;
    }

    KeelNode launch(
        final Path storage, final ProgramDefinition program, final BootstrapPolicy policy, final String... views)
        throws IOException
    {
        final Path file = dir.resolve("pipeline-" + storage.getFileName() + ".json");
        Files.writeString(file, config(storage, policy, views));
        return KeelNode.launch(PipelineConfigParser.parse(file), program,
            ctx -> ctx.faultTolerance().silentBootstrap(silent));
    }

    String config(final Path storage, final BootstrapPolicy policy, final String... views) throws IOException
    {
        final StringBuilder outputs = new StringBuilder();
        for (final String view : views)
        {
            outputs.append(outputs.length() > 0 ? ",\n" : "").append("    \"").append(view)
                .append("\": {\"stream\": \"").append(view).append("\", \"transport\": {\"name\": \"file_output\", ")
                .append("\"config\": {\"path\": ").append(JSON.writeValueAsString(output(storage, view).toString()))
                .append("}}, \"format\": {\"name\": \"json\"}}");
        }
        return "{\n" +
            "  \"name\": \"p\",\n" +
            "  \"storage_config\": {\"path\": " + JSON.writeValueAsString(storage.toString()) + "},\n" +
            "  \"fault_tolerance\": {\"model\": \"" + model + "\"" +
            (null == policy ? "" : ", \"bootstrap_policy\": \"" + policy.jsonName() + "\"") + "},\n" +
            "  \"threading_mode\": \"shared\",\n" +
            "  \"inputs\": {\"trades\": {\"stream\": \"trades\", \"max_batch_size\": 100,\n" +
            "    \"transport\": {\"name\": \"file_input\", \"config\": {\"path\": " +
            JSON.writeValueAsString(dir.resolve("trades.json").toString()) + "}},\n" +
            "    \"format\": {\"name\": \"json\", \"config\": {\"update_format\": \"raw\"}}}" +
            (withQuotes ? ",\n    \"quotes\": {\"stream\": \"quotes\", \"max_batch_size\": 100,\n" +
            "    \"transport\": {\"name\": \"file_input\", \"config\": {\"path\": " +
            JSON.writeValueAsString(dir.resolve("quotes.json").toString()) + "}},\n" +
            "    \"format\": {\"name\": \"json\", \"config\": {\"update_format\": \"raw\"}}}" : "") + "},\n" +
            "  \"outputs\": {\n" + outputs + "\n  }\n" +
            "}\n";
    }

    private Path output(final Path storage, final String view)
    {
        return dir.resolve(storage.getFileName() + "-" + view + ".json");
    }

    private Map<String, Long> sizes(final Run run, final String... views) throws IOException
    {
        final Map<String, Long> sizes = new LinkedHashMap<>();
        for (final String view : views)
        {
            sizes.put(view, Files.size(output(run.storage, view)));
        }
        return sizes;
    }

    private static void complete(final KeelNode node) throws InterruptedException
    {
        assertTrue(node.pipeline().awaitCompletion(Duration.ofSeconds(30)), "pipeline did not complete");
    }

    void assertSameOutput(final Path scratch, final Path storage, final String view, final long offset)
        throws IOException
    {
        final Map<String, Long> expected = integrate(output(scratch, view), 0);
        assertFalse(expected.isEmpty(), view + ": the from-scratch run has output");
        assertEquals(expected, integrate(output(storage, view), offset), view + " differs from a from-scratch run");
    }

    /** Applies the insert/delete lines from {@code offset}: row to weight, rows of weight 0 dropped. */
    static Map<String, Long> integrate(final Path file, final long offset) throws IOException
    {
        final byte[] bytes = Files.readAllBytes(file);
        final String text = new String(bytes, (int)offset, bytes.length - (int)offset, StandardCharsets.UTF_8);
        final Map<String, Long> rows = new TreeMap<>();
        for (final String line : text.split("\n"))
        {
            if (line.isBlank())
            {
                continue;
            }
            final JsonNode change = JSON.readTree(line);
            final boolean insert = change.has("insert");
            final String row = (insert ? change.get("insert") : change.get("delete")).toString();
            final long weight = rows.getOrDefault(row, 0L) + (insert ? 1 : -1);
            if (weight == 0)
            {
                rows.remove(row);
            }
            else
            {
                rows.put(row, weight);
            }
        }
        return rows;
    }

    private static String send(final String method, final String uri, final int expectedStatus) throws Exception
    {
        final HttpResponse<String> response = HttpClient.newHttpClient().send(HttpRequest.newBuilder(URI.create(uri))
            .method(method, HttpRequest.BodyPublishers.noBody()).build(), HttpResponse.BodyHandlers.ofString());
        assertEquals(expectedStatus, response.statusCode(), method + " " + uri + ": " + response.body());
        return response.body();
    }

    void appendQuotes(final int count) throws IOException
    {
        final StringBuilder sb = new StringBuilder();
        for (int i = 0; i < count; i++)
        {
            quoteCount++;
            sb.append("{\"symbol\":\"").append(SYMBOLS[random.nextInt(SYMBOLS.length)])
                .append("\",\"bid\":").append(quoteCount * 7 % 1_000).append("}\n");
        }
        Files.writeString(dir.resolve("quotes.json"), sb, StandardOpenOption.CREATE, StandardOpenOption.APPEND);
    }

    void appendTrades(final int count) throws IOException
    {
        final StringBuilder sb = new StringBuilder();
        for (int i = 0; i < count; i++)
        {
            tradeCount++;
            sb.append("{\"id\":").append(tradeCount)
                .append(",\"symbol\":\"").append(SYMBOLS[random.nextInt(SYMBOLS.length)])
                .append("\",\"price\":").append(100 + random.nextInt(10_000))
                .append(",\"qty\":").append(1 + random.nextInt(100))
                .append(",\"ts\":").append(1_000_000L * tradeCount).append("}\n");
        }
        Files.writeString(dir.resolve("trades.json"), sb, StandardOpenOption.CREATE, StandardOpenOption.APPEND);
    }
}
