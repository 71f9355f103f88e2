package dev.keel.engine.data;

/**
 * Column types of a {@link Schema}. Every type occupies one 8-byte fixed slot in a row; variable-length
 * types ({@link #STRING}, {@link #BYTES}) keep their bytes in the row's variable section.
 */
public enum ColumnType
{
    /** 32-bit signed integer (SQL INT). */
    INT32(false),
    /** 64-bit signed integer (SQL BIGINT). */
    INT64(false),
    /** IEEE 754 double (SQL DOUBLE). */
    FLOAT64(false),
    /** Boolean. */
    BOOL(false),
    /** Microseconds since the Unix epoch, UTC (SQL TIMESTAMP). */
    TIMESTAMP(false),
    /** Decimal as an int64 scaled by 10^scale of the column (SQL DECIMAL(p, s) with p <= 18). */
    DECIMAL(false),
    /** UTF-8 text (SQL VARCHAR). */
    STRING(true),
    /** Raw bytes (SQL VARBINARY). */
    BYTES(true);

    private final boolean variableLength;

    ColumnType(final boolean variableLength)
    {
        this.variableLength = variableLength;
    }

    public boolean isVariableLength()
    {
        return variableLength;
    }

    /** True for the types whose slot holds a long: INT32, INT64, TIMESTAMP, DECIMAL. */
    public boolean isIntegral()
    {
        return this == INT32 || this == INT64 || this == TIMESTAMP || this == DECIMAL;
    }
}
