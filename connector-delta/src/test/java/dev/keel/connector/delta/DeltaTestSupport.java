package dev.keel.connector.delta;

import dev.keel.engine.config.OutputEndpointConfig;
import dev.keel.engine.config.PipelineConfigParser;
import dev.keel.engine.data.Column;
import dev.keel.engine.data.ColumnType;
import dev.keel.engine.data.Schema;
import io.delta.kernel.Snapshot;
import io.delta.kernel.Table;
import io.delta.kernel.data.ColumnVector;
import io.delta.kernel.data.ColumnarBatch;
import io.delta.kernel.data.FilteredColumnarBatch;
import io.delta.kernel.engine.Engine;
import io.delta.kernel.types.BinaryType;
import io.delta.kernel.types.BooleanType;
import io.delta.kernel.types.DataType;
import io.delta.kernel.types.DecimalType;
import io.delta.kernel.types.DoubleType;
import io.delta.kernel.types.IntegerType;
import io.delta.kernel.types.LongType;
import io.delta.kernel.types.StringType;
import io.delta.kernel.types.TimestampType;
import io.delta.kernel.utils.CloseableIterator;

import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;

/** Test helpers: a schema with every column type, config parsing, reading a table back through delta-kernel. */
final class DeltaTestSupport
{
    static final Schema SCHEMA = Schema.of(
        Column.of("id", ColumnType.INT64),
        Column.nullable("symbol", ColumnType.STRING),
        Column.of("qty", ColumnType.INT32),
        Column.of("price", ColumnType.FLOAT64),
        Column.decimal("amount", 2),
        Column.of("ts", ColumnType.TIMESTAMP),
        Column.of("ok", ColumnType.BOOL),
        Column.nullable("raw", ColumnType.BYTES));

    private DeltaTestSupport()
    {
    }

    static OutputEndpointConfig output(final String transportConfigJson)
    {
        return PipelineConfigParser.parse("{\"outputs\": {\"out\": {\"stream\": \"v\", \"transport\": " +
            "{\"name\": \"delta_table_output\", \"config\": " + transportConfigJson + "}}}}").outputs().get("out");
    }

    /** Every record of the table's latest snapshot, one string per record, columns joined with '|'. */
    static List<String> readTable(final String uri) throws Exception
    {
        return readTable(uri, Map.of());
    }

    /** The same for a table with storage options (an {@code s3://} table's S3 settings). */
    static List<String> readTable(final String uri, final Map<String, String> storageOptions) throws Exception
    {
        final Engine engine = DeltaTables.engine(uri, storageOptions);
        final Snapshot snapshot = Table.forPath(engine, uri).getLatestSnapshot(engine);
        final DeltaTableReader reader = new DeltaTableReader(engine, snapshot);
        final List<String> records = new ArrayList<>();
        for (int f = 0; f < reader.fileCount(); f++)
        {
            try (CloseableIterator<FilteredColumnarBatch> batches = reader.read(f))
            {
                while (batches.hasNext())
                {
                    final FilteredColumnarBatch filtered = batches.next();
                    final ColumnarBatch batch = filtered.getData();
                    for (int r = 0; r < batch.getSize(); r++)
                    {
                        if (filtered.getSelectionVector().isPresent() &&
                            !filtered.getSelectionVector().get().getBoolean(r))
                        {
                            continue;
                        }
                        final StringBuilder record = new StringBuilder();
                        for (int c = 0; c < batch.getSchema().length(); c++)
                        {
                            record.append(c == 0 ? "" : "|").append(value(batch.getColumnVector(c), r));
                        }
                        records.add(record.toString());
                    }
                }
            }
        }
        return records;
    }

    static String value(final ColumnVector vector, final int row)
    {
        if (vector.isNullAt(row))
        {
            return "null";
        }
        final DataType type = vector.getDataType();
        if (type instanceof LongType || type instanceof TimestampType)
        {
            return Long.toString(vector.getLong(row));
        }
        if (type instanceof IntegerType)
        {
            return Integer.toString(vector.getInt(row));
        }
        if (type instanceof DoubleType)
        {
            return Double.toString(vector.getDouble(row));
        }
        if (type instanceof BooleanType)
        {
            return Boolean.toString(vector.getBoolean(row));
        }
        if (type instanceof DecimalType)
        {
            return vector.getDecimal(row).toPlainString();
        }
        if (type instanceof StringType)
        {
            return vector.getString(row);
        }
        if (type instanceof BinaryType)
        {
            return HexFormat.of().formatHex(vector.getBinary(row));
        }
        throw new IllegalArgumentException(type.toString());
    }

    static List<String> sorted(final List<String> values)
    {
        final List<String> copy = new ArrayList<>(values);
        copy.sort(null);
        return copy;
    }
}
