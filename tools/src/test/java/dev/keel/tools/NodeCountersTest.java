package dev.keel.tools;

import dev.keel.engine.config.PipelineConfigParser;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.time.Duration;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The journal's counters live in the registry the node exports: after a short exactly_once run the Prometheus text
 * holds each of them with values that agree with the steps the pipeline ran.
 */
class NodeCountersTest
{
    @TempDir
    Path dir;

    @Test
    void prometheusTextHoldsTheJournalCountersAfterAnExactlyOnceRun() throws Exception
    {
        final CrashHarness harness = new CrashHarness(dir);
        final Path trades = harness.writeTrades(3_000, 42);
        final Path output = dir.resolve("out.json");
        final Path config = harness.writeConfig("exactly_once", trades, output, dir.resolve("storage"));

        final String text;
        try (KeelNode node = KeelNode.launch(PipelineConfigParser.parse(config), ProgramRegistry.resolve("trades-vwap")))
        {
            assertTrue(node.pipeline().awaitCompletion(Duration.ofSeconds(120)), "the run reached end of input");
            text = PrometheusExporter.export(node.pipeline().counters());
        }
        assertEquals(RunCommandTest.aggregates(trades), RunCommandTest.applyChanges(output));
        text.lines().filter(l -> l.startsWith("keel_journal") || l.startsWith("keel_steps"))
            .forEach(l -> System.out.println("NodeCountersTest " + l));

        assertTrue(text.contains("# TYPE keel_journal_appended_steps_total counter\n"), text);
        assertTrue(text.contains("# TYPE keel_journal_appended_bytes_total counter\n"), text);
        assertTrue(text.contains("# TYPE keel_journal_durable_position gauge\n"), text);
        assertTrue(text.contains("# TYPE keel_journal_commits_total counter\n"), text);
        assertTrue(text.contains("# TYPE keel_journal_commit_nanos_max gauge\n"), text);

        final long steps = sample(text, "keel_steps_total");
        final long appended = sample(text, "keel_journal_appended_steps_total");
        final long bytes = sample(text, "keel_journal_appended_bytes_total");
        final long durable = sample(text, "keel_journal_durable_position");
        final long commits = sample(text, "keel_journal_commits_total");
        final long commitNanosMax = sample(text, "keel_journal_commit_nanos_max");

        // max_batch_size 1: at least one step per trade, each one journaled (a fresh storage replays nothing)
        assertTrue(steps >= 3_000, text);
        assertEquals(steps, appended, text);
        assertTrue(bytes >= 32 * appended && bytes <= 4_096 * appended, "bytes " + bytes + " for " + appended);
        // every record is a frame: a 32-byte header plus its bytes, aligned to 32; all of it durable at the end
        assertTrue(durable >= bytes + 32 * appended && durable <= bytes + 64 * appended,
            "durable position " + durable + " for " + appended + " records of " + bytes + " bytes");
        assertTrue(commits >= 1 && commits <= appended, "group commits " + commits + " for " + appended + " steps");
        assertTrue(commitNanosMax > 0 && commitNanosMax < Duration.ofSeconds(60).toNanos(),
            "longest commit " + commitNanosMax + " ns");
    }

    private static long sample(final String text, final String metric)
    {
        final Matcher matcher = Pattern.compile("(?m)^" + metric + "\\{pipeline=\"crash\"} (-?\\d+)$").matcher(text);
        assertTrue(matcher.find(), "no " + metric + " sample in:\n" + text);
        final long value = Long.parseLong(matcher.group(1));
        assertTrue(!matcher.find(), "one " + metric + " sample");
        return value;
    }
}
