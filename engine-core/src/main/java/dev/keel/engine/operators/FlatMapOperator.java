package dev.keel.engine.operators;

import dev.keel.engine.data.RowView;
import dev.keel.engine.data.RowWriter;
import dev.keel.engine.data.Schema;
import dev.keel.engine.data.ZSetBatch;

/**
 * Maps every row to 0..n rows of another schema, each with the input row's weight. Stateless.
 */
public final class FlatMapOperator extends RowwiseOperator implements RowEmitter
{
    private final RowFlatMapper mapper;
    private final RowWriter writer;
    private ZSetBatch output;
    private long weight;
    private boolean begun;

    public FlatMapOperator(
        final String name, final Operator input, final Schema out, final RowFlatMapper mapper, final String version)
    {
        super(name, input, out, version);
        this.mapper = mapper;
        this.writer = new RowWriter(out);
    }

    public String kind()
    {
        return "flatMap";
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
        output.add(writer, weight);
    }

    void onRow(final RowView row, final long weight, final ZSetBatch output)
    {
        this.weight = weight;
        this.output = output;
        begun = false;
        mapper.flatMap(row, this);
    }
}
