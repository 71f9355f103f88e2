package dev.keel.engine.operators;

import dev.keel.engine.data.Column;
import dev.keel.engine.data.ColumnType;
import dev.keel.engine.data.Schema;
import dev.keel.engine.program.Program;
import dev.keel.engine.program.ProgramDefinition;
import dev.keel.engine.program.Stream;
import org.junit.jupiter.api.Test;

import java.util.function.Function;

import static org.junit.jupiter.api.Assertions.*;

/** Operator parameters, user-code versions and the append-only fast path are part of the program fingerprint. */
class FingerprintTest
{
    static final Schema IN = Schema.of(Column.of("g", ColumnType.INT64), Column.of("t", ColumnType.INT64));

    private static long fingerprint(final boolean appendOnly, final Function<Stream, Stream> body)
    {
        final ProgramDefinition definition = program ->
        {
            final Stream in = appendOnly ? program.table("t", IN) : program.zsetTable("t", IN);
            program.view("v", body.apply(in));
        };
        try (Program program = Program.build(definition))
        {
            return program.fingerprint();
        }
    }

    @Test
    void parametersChangeTheFingerprint()
    {
        final long base = fingerprint(false, s -> s.map("m", IN, (in, out) -> out.copyColumn(0, in, 0)
            .copyColumn(1, in, 1), "1").aggregate("a", new String[]{ "g" }, Agg.max("t", "x")));
        assertEquals(base, fingerprint(false, s -> s.map("m", IN, (in, out) -> out.copyColumn(0, in, 0)
            .copyColumn(1, in, 1), "1").aggregate("a", new String[]{ "g" }, Agg.max("t", "x"))), "deterministic");
        assertNotEquals(base, fingerprint(false, s -> s.map("m", IN, (in, out) -> out.copyColumn(0, in, 0)
            .copyColumn(1, in, 1), "2").aggregate("a", new String[]{ "g" }, Agg.max("t", "x"))), "map version");
        assertNotEquals(base, fingerprint(false, s -> s.map("m", IN, (in, out) -> out.copyColumn(0, in, 0)
            .copyColumn(1, in, 1), "1").aggregate("a", new String[]{ "g" }, Agg.min("t", "x"))), "aggregate function");
        assertNotEquals(base, fingerprint(true, s -> s.map("m", IN, (in, out) -> out.copyColumn(0, in, 0)
            .copyColumn(1, in, 1), "1").aggregate("a", new String[]{ "g" }, Agg.max("t", "x"))), "append-only layout");

        final long window = fingerprint(false, s -> s.windowAggregate("w", "t", 10, 5, 2, new String[]{ "g" },
            Agg.count("n")));
        assertNotEquals(window, fingerprint(false, s -> s.windowAggregate("w", "t", 10, 10, 2, new String[]{ "g" },
            Agg.count("n"))), "hop");
        assertNotEquals(window, fingerprint(false, s -> s.windowAggregate("w", "t", 10, 5, 3, new String[]{ "g" },
            Agg.count("n"))), "lateness");
        assertNotEquals(fingerprint(false, s -> s.topN("n", new String[]{ "g" }, "t", true, 3)),
            fingerprint(false, s -> s.topN("n", new String[]{ "g" }, "t", true, 4)), "n of topN");
    }
}
