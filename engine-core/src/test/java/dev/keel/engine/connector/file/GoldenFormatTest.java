package dev.keel.engine.connector.file;

import dev.keel.engine.connector.format.Format;
import dev.keel.engine.connector.format.FormatSettings;
import dev.keel.engine.data.RowWriter;
import dev.keel.engine.data.ZSetBatch;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.time.LocalDateTime;
import java.time.ZoneOffset;

import static dev.keel.engine.connector.file.ConnectorTestSupport.*;
import static org.junit.jupiter.api.Assertions.*;

/**
 * The text formats are user-visible: the output of a fixed Z-set must stay byte for byte the golden
 * files under {@code src/test/resources/connector/}, and the golden files must keep reading back as
 * that Z-set. Regenerate only on purpose, with {@code -Dkeel.golden.write=true}.
 */
class GoldenFormatTest
{
    private static final Path GOLDEN = Paths.get("src/test/resources/connector");

    @TempDir
    Path dir;

    static ZSetBatch fixedRows()
    {
        final RowWriter writer = new RowWriter(RoundTripPropertyTest.SCHEMA);
        final ZSetBatch batch = new ZSetBatch(RoundTripPropertyTest.SCHEMA);
        final long ts = LocalDateTime.of(2024, 2, 29, 13, 45, 7, 123_456_000).toEpochSecond(ZoneOffset.UTC) *
            1_000_000 + 123_456;
        writer.reset().putLong(0, 1).putInt(1, -2147483648).putDouble(2, 1.5).putBool(3, true).putLong(4, ts)
            .putLong(5, 1234567).putString(6, "plain").putString(7, "a,b \"c\"\nline\ttab é€ \uD83D\uDE00 \\")
            .putDouble(8, -0.001).putInt(9, 42).putLong(10, -1).putLong(11, 0).putBool(12, false);
        writer.finish();
        batch.add(writer, 1);
        writer.reset().putLong(0, Long.MIN_VALUE).putInt(1, 0).putDouble(2, Double.NaN).putBool(3, false)
            .putLong(4, ts - ts % 1_000_000 + 500_000).putLong(5, -5).putString(6, "");
        writer.finish();
        batch.add(writer, -1);
        writer.reset().putLong(0, Long.MAX_VALUE).putInt(1, 7).putDouble(2, 1e300).putBool(3, true)
            .putLong(4, Long.MIN_VALUE).putLong(5, 0).putString(6, "\u0001\u001f").putString(7, "")
            .putDouble(8, Double.POSITIVE_INFINITY).putLong(11, -1);
        writer.finish();
        batch.add(writer, 2);
        return batch;
    }

    @Test
    void jsonGolden() throws Exception
    {
        check("all-types.json", FormatSettings.json(), FormatSettings.json());
    }

    @Test
    void csvGolden() throws Exception
    {
        check("all-types.csv", FormatSettings.csv(), FormatSettings.builder(Format.CSV).csvWeightColumn(true).build());
    }

    private void check(final String name, final FormatSettings write, final FormatSettings read) throws Exception
    {
        final Path written = dir.resolve(name);
        try (FileOutputEndpoint output = FileOutputEndpoint.create("golden", RoundTripPropertyTest.SCHEMA,
            FileOutputSettings.builder().path(written).format(write).build()))
        {
            output.open();
            offer(output, 1, fixedRows());
            awaitDelivered(output, 1);
        }
        final Path golden = GOLDEN.resolve(name);
        if (Boolean.getBoolean("keel.golden.write"))
        {
            Files.copy(written, golden, java.nio.file.StandardCopyOption.REPLACE_EXISTING);
        }
        assertEquals(Files.readString(golden), Files.readString(written), name + " changed");

        final ZSetBatch readBack = new ZSetBatch(RoundTripPropertyTest.SCHEMA);
        try (FileInputEndpoint input = FileInputEndpoint.create("golden", RoundTripPropertyTest.SCHEMA,
            FileInputSettings.builder().path(golden).format(read).build()))
        {
            input.open(0);
            for (int i = 0; i < 1000 && !input.endOfInput(); i++)
            {
                input.agent().doWork();
                input.poll(readBack, 100, Long.MAX_VALUE);
            }
            assertTrue(input.endOfInput());
        }
        assertEquals(zset(fixedRows()), zset(readBack));
    }
}
