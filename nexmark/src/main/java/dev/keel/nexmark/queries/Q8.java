package dev.keel.nexmark.queries;

import dev.keel.engine.data.Column;
import dev.keel.engine.data.ColumnType;
import dev.keel.engine.data.Schema;
import dev.keel.engine.operators.Agg;
import dev.keel.engine.operators.JoinType;
import dev.keel.engine.program.ProgramBuilder;
import dev.keel.engine.program.ProgramDefinition;
import dev.keel.engine.program.Stream;

import static dev.keel.nexmark.NexmarkSchemas.*;
import static dev.keel.nexmark.queries.QuerySupport.SECOND;

/**
 * Nexmark q8, monitor new users: people who registered and opened an auction in the same 10 s tumbling window.
 * <pre>
 *   CREATE VIEW q8 AS
 *   SELECT P.id, P.name, P.starttime AS window_start
 *   FROM (
 *       SELECT id, name, window_start AS starttime, window_end AS endtime
 *       FROM TABLE(TUMBLE(TABLE person, DESCRIPTOR(date_time), INTERVAL '10' SECOND))
 *       GROUP BY id, name, window_start, window_end
 *   ) P
 *   JOIN (
 *       SELECT seller, window_start AS starttime, window_end AS endtime
 *       FROM TABLE(TUMBLE(TABLE auction, DESCRIPTOR(date_time), INTERVAL '10' SECOND))
 *       GROUP BY seller, window_start, window_end
 *   ) A
 *   ON P.id = A.seller AND P.starttime = A.starttime AND P.endtime = A.endtime;
 * </pre>
 * Each GROUP BY is a window aggregate whose only aggregate is the maximum of a group column: that row never
 * changes after the group's first row, so each side emits every (key, window) exactly once, and the state is
 * freed when the window closes, where a DISTINCT would keep every row forever. The sides are joined by a
 * windowed join on (id, window_end) that frees the index of closed windows. The join's watermark is the
 * latest window end of <em>either</em> table, so it allows one window of skew between the person and auction
 * tables on top of the query's lateness. A set.
 */
public final class Q8 implements ProgramDefinition
{
    public static final String NAME = "nexmark-q8";
    public static final String VIEW = "q8";
    public static final long WINDOW = 10 * SECOND;

    public static final Schema SCHEMA = Schema.of(
        Column.of("id", ColumnType.INT64),
        Column.of("name", ColumnType.STRING),
        Column.of("window_start", ColumnType.TIMESTAMP));

    private final long lateness;

    /** Each table in event-time order (the generator's default). */
    public Q8()
    {
        this(0);
    }

    /**
     * @param lateness how far (micros) a person's or auction's date_time may fall behind the latest one of the
     *                 same table seen in earlier steps and still count; later rows are dropped.
     */
    public Q8(final long lateness)
    {
        this.lateness = QuerySupport.lateness("q8", lateness);
    }

    public void define(final ProgramBuilder program)
    {
        final Stream persons = program.table(NexmarkQueries.PERSON, PERSON)
            .windowAggregate("q8_persons", "date_time", WINDOW, WINDOW, lateness, new String[]{ "id", "name" },
                Agg.max("id", "max_id"));
        final Stream sellers = program.table(NexmarkQueries.AUCTION, AUCTION)
            .windowAggregate("q8_sellers", "date_time", WINDOW, WINDOW, lateness, new String[]{ "seller" },
                Agg.max("seller", "max_seller"));
        final int id = persons.schema().require("id");
        final int name = persons.schema().require("name");
        final int windowStart = persons.schema().require("window_start");
        program.view(VIEW, persons.windowedJoin(VIEW, sellers,
            new String[]{ "id", "window_end" }, new String[]{ "seller", "window_end" }, "window_end", "window_end",
            lateness + WINDOW, JoinType.INNER, SCHEMA,
            (person, seller, out) -> out
                .copyColumn(0, person, id)
                .copyColumn(1, person, name)
                .copyColumn(2, person, windowStart),
            "1"));
    }
}
