package dev.keel.tools;

import dev.keel.engine.data.Column;
import dev.keel.engine.data.ColumnType;
import dev.keel.engine.data.Schema;
import dev.keel.engine.program.ProgramBuilder;
import dev.keel.engine.program.ProgramDefinition;

/** A Z-set table {@code items} (inserts and deletes) published as the view {@code items_out}, for HTTP tests. */
public final class HttpItemsProgram implements ProgramDefinition
{
    public static final Schema ITEMS = Schema.of(
        Column.of("id", ColumnType.INT64),
        Column.of("name", ColumnType.STRING),
        Column.of("qty", ColumnType.INT64));

    public void define(final ProgramBuilder program)
    {
        program.view("items_out", program.zsetTable("items", ITEMS));
    }
}
