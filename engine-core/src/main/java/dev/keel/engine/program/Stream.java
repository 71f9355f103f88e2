package dev.keel.engine.program;

import dev.keel.engine.data.Schema;

/**
 * A stream of changes (Z-set deltas) in a program under construction: the output of one operator.
 * Transformations add operators to the same program and return their streams.
 */
public final class Stream
{
    private final ProgramBuilder builder;
    private final Operator operator;

    Stream(final ProgramBuilder builder, final Operator operator)
    {
        this.builder = builder;
        this.operator = operator;
    }

    public Schema schema()
    {
        return operator.outputSchema();
    }

    public Operator operator()
    {
        return operator;
    }

    public ProgramBuilder builder()
    {
        return builder;
    }
}
