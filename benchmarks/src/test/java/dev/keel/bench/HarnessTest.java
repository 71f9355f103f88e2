package dev.keel.bench;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Runs the harness on a few thousand events and checks that its JSON line carries every field with a sane
 * value, so that the harness cannot rot silently. Asserts no timing beyond "positive".
 */
class HarnessTest
{
    private static final long EVENTS = 20_000;
    private static final long KEYS = 1_000;

    @Test
    void exactlyOnceWithCheckpointsAndRestoreReportsEveryField() throws Exception
    {
        final JsonNode line = runLine("--events", "" + EVENTS, "--keys", "" + KEYS, "--model", "exactly_once",
            "--interval", "1", "--final-checkpoint", "--then", "restore", "--arena-mib", "8", "--max-batch", "1000");

        assertCommon(line, "exactly_once");
        assertEquals(1, line.get("interval_secs").asLong());
        final JsonNode cp = line.get("checkpoints");
        assertTrue(cp.get("taken").asLong() >= 1, cp.toString());
        assertEquals(0, cp.get("failures").asLong());
        for (final String field : new String[]{ "duration_ms", "write_ms" })
        {
            assertTrue(cp.get(field).get("p50").asDouble() > 0, field);
            assertTrue(cp.get(field).get("max").asDouble() >= cp.get(field).get("p50").asDouble(), field);
        }
        for (final String field : new String[]{ "stall_us", "freeze_stall_us", "begin_stall_us", "commit_stall_us" })
        {
            final JsonNode p = cp.get(field);
            assertTrue(p.get("p50").asDouble() > 0 || !field.equals("stall_us"), field);
            assertTrue(p.get("p99").asDouble() >= p.get("p50").asDouble(), field);
            assertTrue(p.get("max").asDouble() >= p.get("p99").asDouble(), field);
        }
        assertTrue(cp.get("bytes_total").asLong() >= PagedArenaPage.SIZE, cp.toString());
        assertTrue(cp.get("write_mb_per_sec").asDouble() > 0);

        final JsonNode restore = line.get("restore");
        assertTrue(restore.get("state_bytes").asLong() > 0);
        assertEquals(line.get("arena").get("allocated_bytes").asLong(), restore.get("allocated_bytes").asLong(),
            "the final checkpoint holds the whole state");
        assertTrue(restore.get("restore_ms").asDouble() > 0);
        assertTrue(restore.get("relaunch_ms").asDouble() > 0);
        assertEquals(0, restore.get("relaunch_replayed_events").asLong(), "the final checkpoint covers every step");
    }

    @Test
    void noneModelAndReplay() throws Exception
    {
        final JsonNode none = runLine("--events", "" + EVENTS, "--keys", "" + KEYS, "--model", "none",
            "--arena-mib", "8", "--max-batch", "1000");
        assertCommon(none, "none");
        assertEquals(0, none.get("checkpoints").get("taken").asLong());

        final JsonNode replay = runLine("--events", "" + EVENTS, "--keys", "" + KEYS, "--model", "exactly_once",
            "--then", "replay", "--arena-mib", "8", "--max-batch", "1000");
        assertCommon(replay, "exactly_once");
        final JsonNode r = replay.get("replay");
        assertEquals(EVENTS, r.get("replayed_events").asLong(), "a restart without checkpoint replays every event");
        assertEquals(replay.get("steps").asLong(), r.get("replayed_steps").asLong());
        assertTrue(r.get("events_per_sec").asDouble() > 0);
        assertTrue(r.get("ratio_to_live").asDouble() > 0);
        assertEquals(replay.get("output_rows").asLong(), r.get("output_rows").asLong(), "replay re-emits the output");
    }

    @Test
    void rejectsBadOptions()
    {
        assertThrows(IllegalArgumentException.class, () -> HarnessOptions.parse("--model", "twice"));
        assertThrows(IllegalArgumentException.class, () -> HarnessOptions.parse("--model", "none", "--interval", "1"));
        assertThrows(IllegalArgumentException.class, () -> HarnessOptions.parse("--then", "replay"));
        assertThrows(IllegalArgumentException.class, () -> HarnessOptions.parse("--query", "tpch-q1"));
        assertThrows(IllegalArgumentException.class, () -> HarnessOptions.parse("--workers", "65"));
        assertThrows(IllegalArgumentException.class, () -> HarnessOptions.parse("--workers", "0"));
    }

    /** Two circuit workers: same output and state, a checkpoint of both restores (store only and relaunch). */
    @Test
    void twoWorkersRestoreAndReportTheirCpu() throws Exception
    {
        final JsonNode line = runLine("--events", "" + EVENTS, "--keys", "" + KEYS, "--model", "exactly_once",
            "--final-checkpoint", "--then", "restore", "--arena-mib", "8", "--max-batch", "1000", "--workers", "2");
        assertCommon(line, "exactly_once");
        assertEquals(2, line.get("workers").asInt());
        assertTrue(line.get("other_workers_cpu_secs").asDouble() > 0, line.toString());
        final JsonNode restore = line.get("restore");
        assertEquals(line.get("arena").get("allocated_bytes").asLong(), restore.get("allocated_bytes").asLong(),
            "the final checkpoint holds the state of both workers");
        assertEquals(0, restore.get("relaunch_replayed_events").asLong(), "the final checkpoint covers every step");
    }

    @Test
    void percentileIsNearestRank()
    {
        final long[] sorted = { 1, 2, 3, 4, 5, 6, 7, 8, 9, 10 };
        assertEquals(5, Harness.percentile(sorted, 50));
        assertEquals(10, Harness.percentile(sorted, 99));
        assertEquals(0, Harness.percentile(new long[0], 50));
    }

    private static JsonNode runLine(final String... args) throws Exception
    {
        final ObjectNode result = Harness.run(HarnessOptions.parse(args));
        // what main prints: one line that parses back
        final String line = Harness.MAPPER.writeValueAsString(result);
        assertFalse(line.contains("\n"));
        return Harness.MAPPER.readTree(line);
    }

    private static void assertCommon(final JsonNode line, final String model)
    {
        assertTrue(line.get("ok").asBoolean());
        assertEquals("keyed-aggregate", line.get("query").asText());
        assertEquals(EVENTS, line.get("events").asLong());
        assertEquals(model, line.get("model").asText());
        assertEquals(EVENTS, line.get("records_in").asLong());
        assertTrue(line.get("events_per_sec").asDouble() > 0);
        assertTrue(line.get("elapsed_secs").asDouble() > 0);
        assertTrue(line.get("process_cpu_secs").asDouble() >= 0);
        assertTrue(line.has("circuit_cpu_secs") && line.has("events_per_circuit_cpu_sec"));
        assertTrue(line.get("steps").asLong() >= EVENTS / 1000);
        // every event updates an auction: the first time an insert, later a retraction and an insert
        assertEquals(2 * EVENTS - KEYS, line.get("output_rows").asLong());
        assertEquals(0, line.get("errors").asLong());
        assertTrue(line.get("arena").get("allocated_bytes").asLong() > 0);
        assertTrue(line.get("peak_rss_bytes").asLong() > 0);
        assertTrue(line.get("jvm").get("flags").isArray());
        assertTrue(line.get("jvm").get("heap").get("max_bytes").asLong() > 0);
        assertTrue(line.get("jvm").get("heap").has("pinned"));
        assertTrue(line.get("machine").get("available_processors").asInt() >= 1);
        assertTrue(line.has("load_avg_start") && line.has("load_avg_end"));
    }

    /** The arena page size, named for the assertion. */
    private static final class PagedArenaPage
    {
        static final long SIZE = dev.keel.engine.state.PagedArena.PAGE_SIZE;
    }
}
