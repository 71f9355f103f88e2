package dev.keel.engine.connector.format;

import dev.keel.engine.data.ColumnType;
import dev.keel.engine.data.Schema;

import java.util.Map;
import java.util.Objects;

/**
 * Immutable settings of a record format, shared by the input parsers and the output encoders.
 * <p>
 * Options (configuration names, for {@link #fromOptions(Format, Map)}):
 * <ul>
 *   <li>{@code json}: {@code update_format} = {@code insert_delete} (default) | {@code raw}.</li>
 *   <li>{@code csv}: {@code header} = {@code true} | {@code false} (default): the first line of the file
 *   names the columns (input only); {@code weight_column} = {@code true} | {@code false} (default): a
 *   trailing integer weight column, as written by the CSV encoder (input only, the encoder always
 *   writes it); {@code delimiter}: one ASCII character, default {@code ,}.</li>
 * </ul>
 */
public final class FormatSettings
{
    private final Format format;
    private final UpdateFormat updateFormat;
    private final boolean csvHeader;
    private final boolean csvWeightColumn;
    private final byte csvDelimiter;

    private FormatSettings(final Builder builder)
    {
        this.format = builder.format;
        this.updateFormat = builder.updateFormat;
        this.csvHeader = builder.csvHeader;
        this.csvWeightColumn = builder.csvWeightColumn;
        this.csvDelimiter = builder.csvDelimiter;
    }

    public static Builder builder(final Format format)
    {
        return new Builder(format);
    }

    public static FormatSettings json()
    {
        return builder(Format.JSON).build();
    }

    public static FormatSettings csv()
    {
        return builder(Format.CSV).build();
    }

    /**
     * Settings from string options as they appear in configuration; unknown keys and bad values fail
     * with a message naming the key, the value and what is allowed.
     */
    public static FormatSettings fromOptions(final Format format, final Map<String, String> options)
    {
        final Builder builder = builder(format);
        for (final Map.Entry<String, String> option : options.entrySet())
        {
            final String key = option.getKey();
            final String value = option.getValue();
            if (format == Format.JSON && "update_format".equals(key))
            {
                builder.updateFormat(UpdateFormat.fromConfigName(value));
            }
            else if (format == Format.CSV && "header".equals(key))
            {
                builder.csvHeader(parseBoolean(key, value));
            }
            else if (format == Format.CSV && "weight_column".equals(key))
            {
                builder.csvWeightColumn(parseBoolean(key, value));
            }
            else if (format == Format.CSV && "delimiter".equals(key))
            {
                if (null == value || value.length() != 1 || value.charAt(0) > 0x7F || value.charAt(0) == '"' ||
                    value.charAt(0) == '\n' || value.charAt(0) == '\r')
                {
                    throw new IllegalArgumentException(
                        "delimiter: '" + value + "' must be one ASCII character other than quote and newline");
                }
                builder.csvDelimiter((byte)value.charAt(0));
            }
            else
            {
                throw new IllegalArgumentException("format " + format.configName() + ": unknown option '" + key +
                    "', allowed: " + (format == Format.JSON ? "update_format" : "header, weight_column, delimiter"));
            }
        }
        return builder.build();
    }

    private static boolean parseBoolean(final String key, final String value)
    {
        if ("true".equals(value))
        {
            return true;
        }
        if ("false".equals(value))
        {
            return false;
        }
        throw new IllegalArgumentException(key + ": '" + value + "' is not a boolean, allowed: true, false");
    }

    public Format format()
    {
        return format;
    }

    public UpdateFormat updateFormat()
    {
        return updateFormat;
    }

    public boolean csvHeader()
    {
        return csvHeader;
    }

    public boolean csvWeightColumn()
    {
        return csvWeightColumn;
    }

    public byte csvDelimiter()
    {
        return csvDelimiter;
    }

    /** Fails naming the column if the schema has a type this format cannot carry (BYTES). */
    public void checkSchema(final Schema schema)
    {
        for (int i = 0; i < schema.columnCount(); i++)
        {
            if (schema.type(i) == ColumnType.BYTES)
            {
                throw new IllegalArgumentException("column '" + schema.column(i).name() +
                    "': type BYTES is not supported by the " + format.configName() + " format");
            }
        }
    }

    /** A new parser of this format for {@code schema} (one per endpoint; not thread safe). */
    public RecordParser newParser(final Schema schema)
    {
        checkSchema(schema);
        return format == Format.JSON ? new JsonRecordParser(schema, updateFormat) :
            new CsvRecordParser(schema, csvHeader, csvWeightColumn, csvDelimiter);
    }

    /** A new encoder of this format for {@code schema} (one per endpoint; not thread safe). */
    public RecordEncoder newEncoder(final Schema schema)
    {
        checkSchema(schema);
        return format == Format.JSON ? new JsonRecordEncoder(schema) : new CsvRecordEncoder(schema, csvDelimiter);
    }

    public String toString()
    {
        return format == Format.JSON ? "json{update_format=" + updateFormat.configName() + "}" :
            "csv{header=" + csvHeader + ", weight_column=" + csvWeightColumn + ", delimiter='" +
            (char)csvDelimiter + "'}";
    }

    /** Builder of {@link FormatSettings}. */
    public static final class Builder
    {
        private final Format format;
        private UpdateFormat updateFormat = UpdateFormat.INSERT_DELETE;
        private boolean csvHeader;
        private boolean csvWeightColumn;
        private byte csvDelimiter = ',';

        private Builder(final Format format)
        {
            this.format = Objects.requireNonNull(format, "format");
        }

        public Builder updateFormat(final UpdateFormat updateFormat)
        {
            this.updateFormat = Objects.requireNonNull(updateFormat, "updateFormat");
            return this;
        }

        public Builder csvHeader(final boolean csvHeader)
        {
            this.csvHeader = csvHeader;
            return this;
        }

        public Builder csvWeightColumn(final boolean csvWeightColumn)
        {
            this.csvWeightColumn = csvWeightColumn;
            return this;
        }

        public Builder csvDelimiter(final byte csvDelimiter)
        {
            this.csvDelimiter = csvDelimiter;
            return this;
        }

        public FormatSettings build()
        {
            return new FormatSettings(this);
        }
    }
}
