package dev.keel.engine.connector.file;

import dev.keel.engine.connector.format.FormatSettings;
import dev.keel.engine.data.RowWriter;
import dev.keel.engine.data.ZSetBatch;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;

import static dev.keel.engine.connector.file.ConnectorTestSupport.*;
import static org.junit.jupiter.api.Assertions.*;

class RoundTripTest
{
    @TempDir
    Path dir;

    @Test
    void jsonOutputReadBackAsJsonInputIsTheSameZSet() throws Exception
    {
        final Path file = dir.resolve("trades.json");
        final RowWriter writer = new RowWriter(TRADES);
        final ZSetBatch written = new ZSetBatch(TRADES);
        for (int i = 0; i < 500; i++)
        {
            writer.reset().putLong(0, i).putString(1, "S\"" + i + "\n,").putLong(2, -i * 7L).putLong(3, i % 3)
                .putLong(4, 1_700_000_000_000_000L + i);
            writer.finish();
            written.add(writer, i % 5 == 0 ? -2 : 1);
        }
        try (FileOutputEndpoint output = FileOutputEndpoint.create("out", TRADES,
            FileOutputSettings.builder().path(file).format(FormatSettings.json()).build()))
        {
            output.open();
            offer(output, 1, written);
            awaitDelivered(output, 1);
            assertEquals(Files.size(file), output.deliveredPosition());
        }
        final ZSetBatch read = new ZSetBatch(TRADES);
        try (FileInputEndpoint input = FileInputEndpoint.create("in", TRADES,
            FileInputSettings.builder().path(file).build()))
        {
            input.open(0);
            for (int step = 0; step < 10_000 && !input.endOfInput(); step++)
            {
                input.agent().doWork();
                input.poll(read, 100, Long.MAX_VALUE);
            }
            assertTrue(input.endOfInput());
        }
        assertEquals(600, read.size(), "weight -2 rows are two delete lines");
        assertEquals(zset(written), zset(read));
        assertEquals(500, zset(read).size());
    }
}
