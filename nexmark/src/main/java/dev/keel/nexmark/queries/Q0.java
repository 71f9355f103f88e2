package dev.keel.nexmark.queries;

import dev.keel.nexmark.NexmarkSchemas;
import dev.keel.engine.program.ProgramBuilder;
import dev.keel.engine.program.ProgramDefinition;

/**
 * Nexmark q0, pass-through: every bid, unchanged. Measures the cost of moving rows through the engine.
 * <pre>
 *   CREATE VIEW q0 AS SELECT * FROM bid;
 * </pre>
 * Append-only: the view only ever inserts, in input order.
 */
public final class Q0 implements ProgramDefinition
{
    public static final String NAME = "nexmark-q0";
    public static final String VIEW = "q0";

    public void define(final ProgramBuilder program)
    {
        program.view(VIEW, program.table(NexmarkQueries.BID, NexmarkSchemas.BID));
    }
}
