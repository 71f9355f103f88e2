package dev.keel.engine.connector.format;

import dev.keel.engine.connector.file.FileInputSettings;
import dev.keel.engine.data.Column;
import dev.keel.engine.data.ColumnType;
import dev.keel.engine.data.RowView;
import dev.keel.engine.data.RowWriter;
import dev.keel.engine.data.Schema;
import org.agrona.concurrent.UnsafeBuffer;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.nio.file.Paths;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.*;

class FormatSettingsTest
{
    private static final Schema SCHEMA = Schema.of(Column.of("a", ColumnType.INT64), Column.of("b", ColumnType.STRING));

    @Test
    void optionsAreParsedStrictly()
    {
        assertEquals(UpdateFormat.RAW,
            FormatSettings.fromOptions(Format.JSON, Map.of("update_format", "raw")).updateFormat());
        final FormatSettings csv = FormatSettings.fromOptions(Format.CSV,
            Map.of("header", "true", "weight_column", "false", "delimiter", ";"));
        assertTrue(csv.csvHeader());
        assertEquals(';', csv.csvDelimiter());
        assertEquals("format json: unknown option 'header', allowed: update_format",
            assertThrows(IllegalArgumentException.class,
            () -> FormatSettings.fromOptions(Format.JSON, Map.of("header", "true"))).getMessage());
        assertEquals("update_format: 'upsert' is not an update format, allowed: insert_delete, raw",
            assertThrows(IllegalArgumentException.class,
            () -> FormatSettings.fromOptions(Format.JSON, Map.of("update_format", "upsert"))).getMessage());
        assertEquals("header: 'yes' is not a boolean, allowed: true, false",
            assertThrows(IllegalArgumentException.class,
            () -> FormatSettings.fromOptions(Format.CSV, Map.of("header", "yes"))).getMessage());
        assertEquals("delimiter: '\"' must be one ASCII character other than quote and newline",
            assertThrows(IllegalArgumentException.class,
            () -> FormatSettings.fromOptions(Format.CSV, Map.of("delimiter", "\""))).getMessage());
        assertEquals("format: 'xml' is not a format, allowed: json, csv",
            assertThrows(IllegalArgumentException.class, () -> Format.fromConfigName("xml")).getMessage());
    }

    @Test
    void bytesColumnsAreRejectedUpFront()
    {
        final Schema withBytes = Schema.of(Column.of("raw", ColumnType.BYTES));
        assertEquals("column 'raw': type BYTES is not supported by the csv format",
            assertThrows(IllegalArgumentException.class, () -> FormatSettings.csv().newParser(withBytes)).getMessage());
        assertThrows(IllegalArgumentException.class, () -> FormatSettings.json().newEncoder(withBytes));
    }

    @Test
    void csvDelimiterIsConfigurable()
    {
        final RecordParser parser = FormatSettings.fromOptions(Format.CSV, Map.of("delimiter", ";")).newParser(SCHEMA);
        final byte[] line = "5;\"x;y\"".getBytes(StandardCharsets.UTF_8);
        final RowWriter writer = new RowWriter(SCHEMA);
        assertEquals(1, parser.parse(new UnsafeBuffer(line), 0, line.length, writer));
        final RowView row = new RowView(SCHEMA).wrap(writer);
        assertEquals(5, row.getLong(0));
        assertEquals("x;y", row.getString(1));
    }

    @Test
    void fileSettingsValidateNamingFieldValueAndRange()
    {
        assertEquals("max_queued_records: 0 is out of range, allowed: >= 1", assertThrows(
            IllegalArgumentException.class,
            () -> FileInputSettings.builder().path(Paths.get("x")).maxQueuedRecords(0).build()).getMessage());
        assertEquals("path: required (the file to read)", assertThrows(IllegalArgumentException.class,
            () -> FileInputSettings.builder().build()).getMessage());
    }
}
