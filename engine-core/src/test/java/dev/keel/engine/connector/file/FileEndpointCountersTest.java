package dev.keel.engine.connector.file;

import dev.keel.engine.status.KeelCounters;
import dev.keel.engine.connector.EndpointCounters;
import dev.keel.engine.config.OnErrorPolicy;
import dev.keel.engine.data.RowWriter;
import dev.keel.engine.data.ZSetBatch;
import org.agrona.concurrent.CachedNanoClock;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;

import static dev.keel.engine.connector.file.ConnectorTestSupport.*;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The file endpoints' counters, driven by hand: what is queued, taken, skipped and written, exactly. */
class FileEndpointCountersTest
{
    @TempDir
    Path dir;

    @Test
    void fileInputCountsBytesReadSkippedRecordsQueuedAndTaken() throws Exception
    {
        final StringBuilder content = new StringBuilder();
        for (int i = 0; i < 100; i++)
        {
            content.append(trade(i, "S" + i, i, 1, i));
            if (i == 10 || i == 20)
            {
                content.append("{\"id\": oops}\n");
            }
        }
        final Path file = dir.resolve("t.json");
        Files.writeString(file, content);
        try (KeelCounters store = new KeelCounters(KeelCounters.DEFAULT_VALUES_BUFFER_LENGTH);
            EndpointCounters counters = EndpointCounters.allocate(store.countersManager(), "p", "in", "input");
            FileInputEndpoint input = FileInputEndpoint.create("in", TRADES,
                FileInputSettings.builder().path(file).onError(OnErrorPolicy.SKIP).build(), new CachedNanoClock()))
        {
            input.counters(counters);
            input.open(0);
            while (input.agent().doWork() > 0)
            {
                // read, parse and queue the whole file; nothing polled yet
            }
            input.agent().doWork();
            assertEquals(Files.size(file), counters.bytes().get());
            assertEquals(2, counters.errors().get());
            assertEquals(0, counters.records().get());
            assertEquals(100, counters.bufferedRecords().get());
            assertTrue(counters.bufferedBytes().get() > 100 * TRADES.fixedLength(), counters.toString());

            final ZSetBatch batch = new ZSetBatch(TRADES, 1 << 16);
            assertEquals(30, input.poll(batch, 30, Long.MAX_VALUE));
            assertEquals(30, counters.records().get());
            input.agent().doWork();
            assertEquals(70, counters.bufferedRecords().get());

            batch.clear();
            assertEquals(70, input.poll(batch, 1000, Long.MAX_VALUE));
            input.agent().doWork();
            assertEquals(100, counters.records().get());
            assertEquals(0, counters.bufferedRecords().get());
            assertEquals(0, counters.bufferedBytes().get());
        }
    }

    @Test
    void fileOutputCountsLinesAndBytesWrittenAndRowsQueued() throws Exception
    {
        final RowWriter writer = new RowWriter(TRADES);
        final ZSetBatch delta = new ZSetBatch(TRADES);
        for (int i = 0; i < 40; i++)
        {
            writer.reset().putLong(0, i).putString(1, "S" + i).putLong(2, i).putLong(3, -i).putLong(4, i);
            writer.finish();
            delta.add(writer, i % 4 == 0 ? -1 : 2);
        }
        final Path file = dir.resolve("out.json");
        try (KeelCounters store = new KeelCounters(KeelCounters.DEFAULT_VALUES_BUFFER_LENGTH);
            EndpointCounters counters = EndpointCounters.allocate(store.countersManager(), "p", "out", "output");
            FileOutputEndpoint output = FileOutputEndpoint.create("out", TRADES,
                FileOutputSettings.builder().path(file).build(), new CachedNanoClock()))
        {
            output.counters(counters);
            output.open();
            assertTrue(output.offer(1, delta));
            assertTrue(output.offer(2, delta));
            assertEquals(0, counters.bufferedRecords().get(), "refreshed by the agent, not yet run");
            awaitDelivered(output, 2);
            output.agent().doWork();

            final long lines = Files.readAllLines(file).size();
            assertEquals(2 * (10 * 1 + 30 * 2), lines);
            assertEquals(lines, counters.records().get());
            assertEquals(Files.size(file), counters.bytes().get());
            assertEquals(0, counters.errors().get());
            assertEquals(0, counters.bufferedRecords().get());
            assertEquals(0, counters.bufferedBytes().get());
        }
    }

    @Test
    void fileOutputReportsQueuedRowsBeforeTheyAreWritten() throws Exception
    {
        final RowWriter writer = new RowWriter(TRADES);
        final ZSetBatch delta = new ZSetBatch(TRADES);
        for (int i = 0; i < 25; i++)
        {
            writer.reset().putLong(0, i).putString(1, "S").putLong(2, i).putLong(3, i).putLong(4, i);
            writer.finish();
            delta.add(writer, 1);
        }
        try (KeelCounters store = new KeelCounters(KeelCounters.DEFAULT_VALUES_BUFFER_LENGTH);
            EndpointCounters counters = EndpointCounters.allocate(store.countersManager(), "p", "out", "output");
            FileOutputEndpoint output = FileOutputEndpoint.create("out", TRADES,
                FileOutputSettings.builder().path(dir.resolve("q.json")).build(), new CachedNanoClock()))
        {
            output.counters(counters);
            // not opened: the agent does no writing but still refreshes the gauges
            assertTrue(output.offer(1, delta));
            output.agent().doWork();
            assertEquals(25, counters.bufferedRecords().get());
            assertTrue(counters.bufferedBytes().get() >= 25L * TRADES.fixedLength(), counters.toString());
            assertEquals(0, counters.records().get());
        }
    }
}
