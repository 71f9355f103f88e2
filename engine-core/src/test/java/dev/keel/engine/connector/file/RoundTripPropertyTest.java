package dev.keel.engine.connector.file;

import dev.keel.engine.connector.format.FormatSettings;
import dev.keel.engine.connector.format.Format;
import dev.keel.engine.data.Column;
import dev.keel.engine.data.ColumnType;
import dev.keel.engine.data.RowWriter;
import dev.keel.engine.data.Schema;
import dev.keel.engine.data.ZSetBatch;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.IntRange;
import org.agrona.concurrent.CachedNanoClock;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.Map;
import java.util.Random;
import java.util.stream.Stream;

import static dev.keel.engine.connector.file.ConnectorTestSupport.*;
import static org.junit.jupiter.api.Assertions.*;

/** Random rows of every type survive file_output then file_input, in both formats, as the same Z-set. */
class RoundTripPropertyTest
{
    static final Schema SCHEMA = Schema.of(
        Column.of("id", ColumnType.INT64),
        Column.of("i", ColumnType.INT32),
        Column.of("d", ColumnType.FLOAT64),
        Column.of("b", ColumnType.BOOL),
        Column.of("ts", ColumnType.TIMESTAMP),
        Column.decimal("dec", 4),
        Column.of("s", ColumnType.STRING),
        Column.nullable("ns", ColumnType.STRING),
        Column.nullable("nd", ColumnType.FLOAT64),
        Column.nullable("ni", ColumnType.INT32),
        new Column("ndec", ColumnType.DECIMAL, 18, true),
        Column.nullable("nts", ColumnType.TIMESTAMP),
        Column.nullable("nb", ColumnType.BOOL));

    private static final String[] PIECES = {
        "a", "Z", "0", " ", ",", "\"", "\"\"", "\n", "\r", "\r\n", "\t", "\\", "/", "\u0000", "\u001f", "é", "€",
        "\uD83D\uDE00", "ß", "\u2028", "{", "}", ":", "insert", "null", "NaN" };

    @Property(tries = 60)
    void jsonRoundTrip(@ForAll final long seed, @ForAll @IntRange(min = 0, max = 60) final int rows) throws Exception
    {
        roundTrip(seed, rows, FormatSettings.json(), FormatSettings.json());
    }

    @Property(tries = 60)
    void csvRoundTrip(@ForAll final long seed, @ForAll @IntRange(min = 0, max = 60) final int rows) throws Exception
    {
        roundTrip(seed, rows, FormatSettings.csv(), FormatSettings.builder(Format.CSV).csvWeightColumn(true).build());
    }

    static ZSetBatch randomBatch(final long seed, final int rows)
    {
        final Random random = new Random(seed);
        final RowWriter writer = new RowWriter(SCHEMA);
        final ZSetBatch batch = new ZSetBatch(SCHEMA);
        for (int r = 0; r < rows; r++)
        {
            writer.reset()
                .putLong(0, randomLong(random))
                .putInt(1, random.nextInt())
                .putDouble(2, randomDouble(random))
                .putBool(3, random.nextBoolean())
                .putLong(4, randomTimestamp(random))
                .putLong(5, randomLong(random))
                .putString(6, randomString(random));
            if (random.nextInt(3) > 0)
            {
                writer.putString(7, randomString(random));
            }
            if (random.nextBoolean())
            {
                writer.putDouble(8, randomDouble(random));
            }
            if (random.nextBoolean())
            {
                writer.putInt(9, random.nextInt());
            }
            if (random.nextBoolean())
            {
                writer.putLong(10, randomLong(random));
            }
            if (random.nextBoolean())
            {
                writer.putLong(11, randomTimestamp(random));
            }
            if (random.nextBoolean())
            {
                writer.putBool(12, random.nextBoolean());
            }
            writer.finish();
            final int weight = random.nextInt(3) + 1;
            batch.add(writer, random.nextBoolean() ? weight : -weight);
        }
        return batch;
    }

    private static long randomLong(final Random random)
    {
        switch (random.nextInt(5))
        {
            case 0:
                return random.nextBoolean() ? Long.MIN_VALUE : Long.MAX_VALUE;
            case 1:
                return random.nextInt(2001) - 1000;
            default:
                return random.nextLong();
        }
    }

    private static double randomDouble(final Random random)
    {
        switch (random.nextInt(6))
        {
            case 0:
                return new double[]{ Double.NaN, Double.POSITIVE_INFINITY, Double.NEGATIVE_INFINITY, -0.0, 0.0,
                    Double.MIN_VALUE, Double.MAX_VALUE, 0.1, 1e22, 1e23 }[random.nextInt(10)];
            case 1:
                return (random.nextInt(2_000_001) - 1_000_000) / 100.0;
            case 2:
                return random.nextGaussian() * 1e6;
            default:
                return Double.longBitsToDouble(random.nextLong());
        }
    }

    private static long randomTimestamp(final Random random)
    {
        switch (random.nextInt(6))
        {
            case 0:
                return random.nextLong();
            case 1:
                return (random.nextInt(2_000_000) - 1_000_000) * 1_000_000L;
            case 2:
                return (random.nextLong() % 1_000_000_000L) * 1000;
            default:
                // years 1..9999
                return -62_135_596_800_000_000L + (long)(random.nextDouble() * 315_537_897_600_000_000L);
        }
    }

    private static String randomString(final Random random)
    {
        final StringBuilder sb = new StringBuilder();
        final int pieces = random.nextInt(8);
        for (int i = 0; i < pieces; i++)
        {
            sb.append(PIECES[random.nextInt(PIECES.length)]);
        }
        return sb.toString();
    }

    static void roundTrip(final long seed, final int rows, final FormatSettings writeFormat,
        final FormatSettings readFormat) throws Exception
    {
        final Path dir = Files.createTempDirectory("keel-roundtrip");
        try
        {
            final Path file = dir.resolve("data");
            final ZSetBatch written = randomBatch(seed, rows);
            final CachedNanoClock clock = new CachedNanoClock();
            try (FileOutputEndpoint output = FileOutputEndpoint.create("out", SCHEMA,
                FileOutputSettings.builder().path(file).format(writeFormat).queueCapacityBytes(1 << 14).build(), clock))
            {
                output.open();
                offer(output, 1, written);
                awaitDelivered(output, 1);
            }
            final ZSetBatch read = new ZSetBatch(SCHEMA);
            try (FileInputEndpoint input = FileInputEndpoint.create("in", SCHEMA,
                FileInputSettings.builder().path(file).format(readFormat).readBufferBytes(256).build(), clock))
            {
                input.open(0);
                for (int step = 0; step < 100_000 && !input.endOfInput(); step++)
                {
                    input.agent().doWork();
                    input.poll(read, 1000, Long.MAX_VALUE);
                }
                assertTrue(input.endOfInput());
                assertEquals(Files.size(file), input.position());
            }
            final Map<String, Long> expected = zset(written);
            assertEquals(expected, zset(read), () -> "seed " + seed + ", file:\n" + readQuietly(file));
        }
        finally
        {
            try (Stream<Path> paths = Files.walk(dir))
            {
                paths.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
            }
        }
    }

    private static String readQuietly(final Path file)
    {
        try
        {
            return Files.readString(file);
        }
        catch (final Exception e)
        {
            return e.toString();
        }
    }
}
