package dev.keel.nexmark.queries;

import dev.keel.engine.data.Column;
import dev.keel.engine.data.ColumnType;
import dev.keel.engine.data.Schema;
import dev.keel.engine.operators.JoinType;
import dev.keel.engine.program.ProgramBuilder;
import dev.keel.engine.program.ProgramDefinition;
import dev.keel.engine.program.Stream;

import static dev.keel.nexmark.NexmarkSchemas.*;

/**
 * Nexmark q3, local item suggestion: who sells in category 10 in Oregon, Idaho or California.
 * <pre>
 *   CREATE VIEW q3 AS
 *   SELECT P.name, P.city, P.state, A.id
 *   FROM auction AS A INNER JOIN person AS P ON A.seller = P.id
 *   WHERE A.category = 10 AND (P.state = 'OR' OR P.state = 'ID' OR P.state = 'CA');
 * </pre>
 * Both sides are filtered before the join so that the join indexes only candidate rows. An inner join of
 * append-only inputs is append-only. Its state is unbounded (every matching person and auction is kept),
 * as in every engine: the query has no time bound.
 */
public final class Q3 implements ProgramDefinition
{
    public static final String NAME = "nexmark-q3";
    public static final String VIEW = "q3";
    public static final long CATEGORY = 10;

    public static final Schema SCHEMA = Schema.of(
        Column.of("name", ColumnType.STRING),
        Column.of("city", ColumnType.STRING),
        Column.of("state", ColumnType.STRING),
        Column.of("id", ColumnType.INT64));

    private static final byte[] OR = QuerySupport.ascii("OR");
    private static final byte[] ID = QuerySupport.ascii("ID");
    private static final byte[] CA = QuerySupport.ascii("CA");

    public void define(final ProgramBuilder program)
    {
        final Stream auctions = program.table(NexmarkQueries.AUCTION, AUCTION)
            .filter("q3_category", row -> row.getLong(AUCTION_CATEGORY) == CATEGORY, "1");
        final Stream persons = program.table(NexmarkQueries.PERSON, PERSON)
            .filter("q3_state", row ->
                QuerySupport.equalsAscii(row, PERSON_STATE, OR) ||
                QuerySupport.equalsAscii(row, PERSON_STATE, ID) ||
                QuerySupport.equalsAscii(row, PERSON_STATE, CA),
                "1");
        program.view(VIEW, auctions.join(VIEW, persons,
            new String[]{ "seller" }, new String[]{ "id" }, JoinType.INNER, SCHEMA,
            (auction, person, out) -> out
                .copyColumn(0, person, PERSON_NAME)
                .copyColumn(1, person, PERSON_CITY)
                .copyColumn(2, person, PERSON_STATE)
                .copyColumn(3, auction, AUCTION_ID),
            "1"));
    }
}
