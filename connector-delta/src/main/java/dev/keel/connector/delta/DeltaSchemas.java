package dev.keel.connector.delta;

import dev.keel.engine.data.Column;
import dev.keel.engine.data.ColumnType;
import dev.keel.engine.data.Schema;
import io.delta.kernel.types.BinaryType;
import io.delta.kernel.types.BooleanType;
import io.delta.kernel.types.DataType;
import io.delta.kernel.types.DecimalType;
import io.delta.kernel.types.DoubleType;
import io.delta.kernel.types.IntegerType;
import io.delta.kernel.types.LongType;
import io.delta.kernel.types.StringType;
import io.delta.kernel.types.StructField;
import io.delta.kernel.types.StructType;
import io.delta.kernel.types.TimestampType;

import java.util.ArrayList;
import java.util.List;

/**
 * Keel {@link ColumnType}s as Delta (and so Parquet) types, and the two change columns a {@code delta_table_output}
 * table has after the view's columns:
 * <ul>
 *   <li>{@value #OP_COLUMN} STRING: {@code i} for an insert, {@code d} for a delete (a row of weight w is |w|
 *   records);</li>
 *   <li>{@value #TRANSACTION_COLUMN} BIGINT: the Keel transaction id (step) of the change, which orders the
 *   changes (Feldera's {@code __feldera_ts}).</li>
 * </ul>
 * INT32 is INT, INT64 BIGINT, FLOAT64 DOUBLE, BOOL BOOLEAN, TIMESTAMP a Delta TIMESTAMP (microseconds, UTC),
 * DECIMAL DECIMAL(18, scale), STRING STRING, BYTES BINARY.
 */
public final class DeltaSchemas
{
    /** The insert/delete marker column of an output table. */
    public static final String OP_COLUMN = "__keel_op";
    /** The transaction id column of an output table. */
    public static final String TRANSACTION_COLUMN = "__keel_ts";
    /** Largest precision of a Keel DECIMAL (an int64 of scaled units). */
    public static final int DECIMAL_PRECISION = 18;

    private DeltaSchemas()
    {
    }

    /** The Delta type of a Keel column. */
    public static DataType deltaType(final Column column)
    {
        switch (column.type())
        {
            case INT32:
                return IntegerType.INTEGER;
            case INT64:
                return LongType.LONG;
            case FLOAT64:
                return DoubleType.DOUBLE;
            case BOOL:
                return BooleanType.BOOLEAN;
            case TIMESTAMP:
                return TimestampType.TIMESTAMP;
            case DECIMAL:
                return new DecimalType(DECIMAL_PRECISION, column.scale());
            case STRING:
                return StringType.STRING;
            case BYTES:
                return BinaryType.BINARY;
            default:
                throw new IllegalArgumentException("no Delta type for " + column.type());
        }
    }

    /** The schema of an output table: the view's columns, then {@value #OP_COLUMN} and {@value #TRANSACTION_COLUMN}. */
    public static StructType outputSchema(final Schema schema)
    {
        final List<StructField> fields = new ArrayList<>(schema.columnCount() + 2);
        for (final Column column : schema.columns())
        {
            fields.add(new StructField(column.name(), deltaType(column), column.nullable()));
        }
        fields.add(new StructField(OP_COLUMN, StringType.STRING, false));
        fields.add(new StructField(TRANSACTION_COLUMN, LongType.LONG, false));
        return new StructType(fields);
    }

    /**
     * Checks that a Delta field can be read into a Keel column: the same type family (an INT or BIGINT field
     * into any integral column, a DECIMAL of the column's scale).
     *
     * @return null if it fits, else what does not.
     */
    public static String mismatch(final Column column, final DataType type)
    {
        final ColumnType keel = column.type();
        final boolean fits;
        if (type instanceof IntegerType || type instanceof LongType)
        {
            fits = keel == ColumnType.INT32 || keel == ColumnType.INT64;
        }
        else if (type instanceof DecimalType)
        {
            fits = keel == ColumnType.DECIMAL && ((DecimalType)type).getScale() == column.scale() &&
                ((DecimalType)type).getPrecision() <= DECIMAL_PRECISION;
        }
        else
        {
            fits = type.equivalent(deltaType(column));
        }
        return fits ? null : "the table's column '" + column.name() + "' is " + type + ", the schema's is " + keel +
            (keel == ColumnType.DECIMAL ? "(scale " + column.scale() + ")" : "");
    }
}
