package dev.keel.engine.operators;

import dev.keel.engine.data.RowWriter;
import dev.keel.engine.data.Schema;
import dev.keel.engine.data.ZSetBatch;
import dev.keel.engine.program.Operator;

/**
 * Maps every row to 0..n rows of another schema, each with the input row's weight. Stateless.
 */
public final class FlatMapOperator extends Operator implements RowEmitter
{
    private final Operator input;
    private final ZSetBatch.Cursor cursor;
    private final RowFlatMapper mapper;
    private final RowWriter writer;
    private final String version;
    private long weight;
    private boolean begun;

    public FlatMapOperator(
        final String name, final Operator input, final Schema out, final RowFlatMapper mapper, final String version)
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
        return "flatMap";
    }

    public boolean appendOnly()
    {
        return input.appendOnly();
    }

    protected long fingerprintParameters(final long h)
    {
        return Params.mix(Params.mix(h, input.name()), version);
    }

    public RowWriter begin()
    {
        begun = true;
        return writer.reset();
    }

    public void emit()
    {
        if (!begun)
        {
            throw new IllegalStateException("flatMap '" + name() + "': emit() without begin()");
        }
        begun = false;
        writer.finish();
        output().add(writer, weight);
    }

    public void step()
    {
        final ZSetBatch.Cursor cursor = this.cursor.reset();
        while (cursor.next())
        {
            weight = cursor.weight();
            begun = false;
            mapper.flatMap(cursor.row(), this);
        }
    }
}
