package dev.keel.engine.operators;

import dev.keel.engine.data.RowView;
import dev.keel.engine.data.RowWriter;
import dev.keel.engine.data.Schema;
import dev.keel.engine.data.ZSetBatch;

/**
 * Maps every row to one row of another schema, keeping its weight. Linear, so stateless: the image of a
 * retraction retracts the image of the insert as long as the mapper is a pure function.
 */
public final class MapOperator extends RowwiseOperator
{
    private final RowMapper mapper;
    private final RowWriter writer;

    /**
     * @param version identifies the mapper's code in the program fingerprint (user code cannot be hashed).
     */
    public MapOperator(
        final String name, final Operator input, final Schema out, final RowMapper mapper, final String version)
    {
        super(name, input, out, version);
        this.mapper = mapper;
        this.writer = new RowWriter(out);
    }

    public String kind()
    {
        return "map";
    }

    void onRow(final RowView row, final long weight, final ZSetBatch output)
    {
        writer.reset();
        mapper.map(row, writer);
        writer.finish();
        output.add(writer, weight);
    }
}
