package dev.keel.engine.operators;

import dev.keel.engine.KeelException;
import dev.keel.engine.data.ZSetBatch;

/**
 * Z-set sum of streams of one schema (SQL UNION ALL): the deltas are concatenated. Stateless.
 */
public final class UnionOperator extends Operator
{
    private final Operator[] inputs;

    public UnionOperator(final String name, final Operator[] inputs)
    {
        super(name, inputs[0].outputSchema());
        for (int i = 1; i < inputs.length; i++)
        {
            if (!inputs[i].outputSchema().equals(inputs[0].outputSchema()))
            {
                throw new KeelException(KeelException.Category.PROGRAM, "PROGRAM_SCHEMA_MISMATCH",
                    "union '" + name + "': '" + inputs[0].name() + "' has " + inputs[0].outputSchema() + " but '" +
                    inputs[i].name() + "' has " + inputs[i].outputSchema());
            }
        }
        this.inputs = inputs.clone();
    }

    public String kind()
    {
        return "union";
    }

    public boolean appendOnly()
    {
        for (final Operator input : inputs)
        {
            if (!input.appendOnly())
            {
                return false;
            }
        }
        return true;
    }

    protected long fingerprintParameters(final long h)
    {
        long result = Params.mix(h, inputs.length);
        for (final Operator input : inputs)
        {
            result = Params.mix(result, input.name());
        }
        return result;
    }

    public void step()
    {
        final ZSetBatch output = output();
        for (final Operator input : inputs)
        {
            output.addAll(input.output(), 1);
        }
    }

    /** Stateless: runs on every worker over its part of the delta. */
    public boolean shardable()
    {
        return true;
    }
}
