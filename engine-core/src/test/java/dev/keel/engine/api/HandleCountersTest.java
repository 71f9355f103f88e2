package dev.keel.engine.api;

import dev.keel.engine.status.KeelCounters;
import dev.keel.engine.config.ThreadingMode;
import dev.keel.engine.data.Column;
import dev.keel.engine.data.ColumnType;
import dev.keel.engine.data.RowWriter;
import dev.keel.engine.data.Schema;
import org.agrona.concurrent.status.CountersReader;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Handles are endpoints too: the pipeline allocates their counters, and they count what passes through. */
class HandleCountersTest
{
    private static final Schema SCHEMA = Schema.of(
        Column.of("id", ColumnType.INT64), Column.of("name", ColumnType.STRING));

    @Test
    void inputAndOutputHandlesCountRecordsAndBytes()
    {
        final EngineContext ctx = new EngineContext().pipelineName("h").threadingMode(ThreadingMode.INVOKER);
        try (KeelPipeline pipeline = Keel.launch(ctx, p -> p.view("out", p.keyedTable("t", SCHEMA, "id"))))
        {
            final InputHandle in = pipeline.inputHandle("t");
            final OutputHandle out = pipeline.outputHandle("out");
            final RowWriter writer = new RowWriter(SCHEMA);
            for (int i = 0; i < 8; i++)
            {
                writer.reset().putLong(0, i).putString(1, "row" + i).finish();
                assertTrue(in.insert(writer));
            }
            final CountersReader counters = pipeline.counters();
            assertEquals(0, value(counters, KeelCounters.ENDPOINT_RECORDS_TYPE_ID, "endpoint=t.handle direction=input"));
            assertTrue(value(counters, KeelCounters.ENDPOINT_BUFFERED_BYTES_TYPE_ID,
                "endpoint=t.handle direction=input") == 0, "refreshed by the poll, none yet");

            for (int i = 0; i < 4; i++)
            {
                pipeline.invoke();
            }
            out.poll();
            assertEquals(8, out.rowCount());
            assertEquals(8, value(counters, KeelCounters.ENDPOINT_RECORDS_TYPE_ID, "endpoint=t.handle direction=input"));
            assertTrue(value(counters, KeelCounters.ENDPOINT_BYTES_TYPE_ID, "endpoint=t.handle direction=input") >
                8L * SCHEMA.fixedLength());
            assertEquals(0, value(counters, KeelCounters.ENDPOINT_BUFFERED_BYTES_TYPE_ID,
                "endpoint=t.handle direction=input"));
            assertEquals(8, value(counters, KeelCounters.ENDPOINT_RECORDS_TYPE_ID,
                "endpoint=out.handle direction=output"));
            assertTrue(value(counters, KeelCounters.ENDPOINT_BYTES_TYPE_ID, "endpoint=out.handle direction=output") >
                8L * SCHEMA.fixedLength());
        }
    }

    private static long value(final CountersReader counters, final int typeId, final String labels)
    {
        final long[] found = { -1, 0 };
        counters.forEach((counterId, type, keyBuffer, label) ->
        {
            if (type == typeId && label.endsWith(" pipeline=h " + labels))
            {
                found[0] = counters.getCounterValue(counterId);
                found[1]++;
            }
        });
        assertEquals(1, found[1], "one counter of type " + typeId + " with labels " + labels);
        return found[0];
    }
}
