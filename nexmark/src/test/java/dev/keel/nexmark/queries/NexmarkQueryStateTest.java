package dev.keel.nexmark.queries;

import dev.keel.engine.data.RowWriter;
import dev.keel.nexmark.NexmarkGenerator;
import dev.keel.nexmark.NexmarkSettings;
import dev.keel.engine.operators.JoinOperator;
import dev.keel.engine.operators.WindowAggregateOperator;
import dev.keel.engine.program.InputTable;
import dev.keel.engine.operators.Operator;
import dev.keel.engine.program.Program;
import dev.keel.engine.program.ProgramDefinition;
import org.junit.jupiter.api.Test;

import java.util.Map;

import static dev.keel.nexmark.NexmarkSchemas.*;
import static org.junit.jupiter.api.Assertions.*;

/**
 * The windowed queries free the state of closed windows: after 100 s of in-order events their windowed
 * operators hold state for the open windows only (far less than with a lateness that closes nothing), and no
 * row was dropped as late.
 */
class NexmarkQueryStateTest
{
    private static final long EVENTS = 10_000;
    private static final int STEP = 50;
    private static final long HOUR = 3_600_000_000L;
    private static final NexmarkSettings SETTINGS = NexmarkSettings.builder().seed(5).firstEventRate(100).build();

    @Test
    void windowedQueriesHoldOnlyOpenWindows()
    {
        final Map<String, ProgramDefinition[]> queries = Map.of(
            Q5.NAME, new ProgramDefinition[]{ new Q5(), new Q5(HOUR) },
            Q7.NAME, new ProgramDefinition[]{ new Q7(), new Q7(HOUR) },
            Q8.NAME, new ProgramDefinition[]{ new Q8(), new Q8(HOUR) });
        for (final Map.Entry<String, ProgramDefinition[]> query : queries.entrySet())
        {
            final long freed = stateAfterRun(query.getValue()[0]);
            final long kept = stateAfterRun(query.getValue()[1]);
            assertTrue(freed > 0, query.getKey() + ": the open window holds state");
            assertTrue(freed * 4 < kept, query.getKey() + ": " + freed + " entries, with nothing closed " + kept);
        }
    }

    /** Runs the events through the program step by step; returns the windowed operators' state entries. */
    private static long stateAfterRun(final ProgramDefinition definition)
    {
        try (Program program = Program.build(definition))
        {
            final NexmarkGenerator generator = new NexmarkGenerator(SETTINGS);
            final RowWriter person = new RowWriter(PERSON);
            final RowWriter auction = new RowWriter(AUCTION);
            final RowWriter bid = new RowWriter(BID);
            final Map<String, InputTable> tables = program.tables();
            for (long index = 0; index < EVENTS; index++)
            {
                final int kind = generator.eventAt(index, person, auction, bid);
                final String table = kind == NexmarkGenerator.PERSON ? NexmarkQueries.PERSON :
                    (kind == NexmarkGenerator.AUCTION ? NexmarkQueries.AUCTION : NexmarkQueries.BID);
                final InputTable input = tables.get(table);
                if (null != input)
                {
                    input.input().add(kind == NexmarkGenerator.PERSON ? person :
                        (kind == NexmarkGenerator.AUCTION ? auction : bid), 1);
                }
                if (index % STEP == STEP - 1)
                {
                    program.step();
                    program.endStep();
                }
            }
            program.step();
            program.endStep();
            long entries = 0;
            for (final Operator operator : program.operators())
            {
                if (operator instanceof WindowAggregateOperator windowAggregate)
                {
                    assertEquals(0, windowAggregate.lateRecords(), operator.name());
                    entries += windowAggregate.groupCount();
                }
                else if (operator instanceof JoinOperator join)
                {
                    assertEquals(0, join.lateRecords(), operator.name());
                    entries += join.indexedKeys();
                }
            }
            return entries;
        }
    }
}
