package dev.keel.engine.operators;

import dev.keel.engine.data.Column;
import dev.keel.engine.data.RowView;
import dev.keel.engine.data.RowWriter;
import dev.keel.engine.data.Schema;
import dev.keel.engine.data.ZSetBatch;

import java.util.ArrayList;
import java.util.List;

/**
 * Assigns rows to event-time windows: every row is emitted once per window containing it (size/hop
 * windows; one for tumbling windows) with {@code window_start} and {@code window_end} appended. Stateless;
 * used to window a join (join on the window columns as well as on the keys).
 */
public final class WindowOperator extends Operator
{
    private final Operator input;
    private final ZSetBatch.Cursor cursor;
    private final int timeColumn;
    private final String timeColumnName;
    private final long size;
    private final long hop;
    private final int inputColumns;
    private final RowWriter writer;

    public WindowOperator(final String name, final Operator input, final String timeColumn, final long size, final long hop)
    {
        super(name, outputSchema(input.outputSchema(), input.outputSchema().column(
            Windows.timeColumn("window '" + name + "'", input.outputSchema(), timeColumn))));
        Windows.check("window '" + name + "'", size, hop);
        this.input = input;
        this.cursor = input.output().cursor();
        this.timeColumn = input.outputSchema().require(timeColumn);
        this.timeColumnName = timeColumn;
        this.size = size;
        this.hop = hop;
        this.inputColumns = input.outputSchema().columnCount();
        this.writer = new RowWriter(outputSchema());
    }

    private static Schema outputSchema(final Schema input, final Column time)
    {
        final List<Column> columns = new ArrayList<>(input.columns());
        columns.add(Column.of("window_start", time.type()));
        columns.add(Column.of("window_end", time.type()));
        return new Schema(columns);
    }

    public String kind()
    {
        return "window";
    }

    public boolean appendOnly()
    {
        return input.appendOnly();
    }

    protected long fingerprintParameters(final long h)
    {
        return Params.mix(Params.mix(Params.mix(Params.mix(h, input.name()), timeColumnName), size), hop);
    }

    public void step()
    {
        final ZSetBatch output = output();
        final ZSetBatch.Cursor cursor = this.cursor.reset();
        while (cursor.next())
        {
            final RowView row = cursor.row();
            final long time = row.getLong(timeColumn);
            for (long start = Windows.lastStart(time, hop); start > time - size; start -= hop)
            {
                writer.reset();
                for (int i = 0; i < inputColumns; i++)
                {
                    writer.copyColumn(i, row, i);
                }
                writer.putLong(inputColumns, start);
                writer.putLong(inputColumns + 1, start + size);
                writer.finish();
                output.add(writer, cursor.weight());
            }
        }
    }

    /** Stateless: runs on every worker over its part of the delta. */
    public boolean shardable()
    {
        return true;
    }
}
