package dev.keel.engine.operators;

import dev.keel.engine.data.RowWriter;
import dev.keel.engine.data.Schema;
import dev.keel.engine.data.ZSetBatch;
import dev.keel.engine.program.Operator;

/**
 * Maps every row to one row of another schema, keeping its weight. Linear, so stateless: the image of a
 * retraction retracts the image of the insert as long as the mapper is a pure function.
 */
public final class MapOperator extends Operator
{
    private final Operator input;
    private final ZSetBatch.Cursor cursor;
    private final RowMapper mapper;
    private final RowWriter writer;
    private final String version;

    /**
     * @param version identifies the mapper's code in the program fingerprint (user code cannot be hashed).
     */
    public MapOperator(
        final String name, final Operator input, final Schema out, final RowMapper mapper, final String version)
    {
        super(name, out);
        this.input = input;
        this.cursor = input.output().cursor();
        this.mapper = mapper;
        this.writer = new RowWriter(out);
        this.version = version;
    }

    public String kind()
    {
        return "map";
    }

    public boolean appendOnly()
    {
        return input.appendOnly();
    }

    protected long fingerprintParameters(final long h)
    {
        return Params.mix(Params.mix(h, input.name()), version);
    }

    public void step()
    {
        final ZSetBatch output = output();
        final ZSetBatch.Cursor cursor = this.cursor.reset();
        while (cursor.next())
        {
            writer.reset();
            mapper.map(cursor.row(), writer);
            writer.finish();
            output.add(writer, cursor.weight());
        }
    }
}
