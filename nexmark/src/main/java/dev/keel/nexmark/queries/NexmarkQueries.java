package dev.keel.nexmark.queries;

import dev.keel.nexmark.NexmarkTable;
import dev.keel.engine.program.ProgramDefinition;

import java.util.Collections;
import java.util.EnumSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Supplier;

/**
 * The Nexmark queries Keel implements, by name ({@code nexmark-q0} ...): each one's program, its view and the
 * input tables it reads, so that a harness attaches one {@code nexmark} endpoint per table (named as the
 * table) and runs the query by name. Tables are named {@code person}, {@code auction} and {@code bid}, with the
 * schemas of {@link dev.keel.nexmark.NexmarkSchemas}; the view of {@code nexmark-qN} is {@code qN}.
 */
public final class NexmarkQueries
{
    public static final String PERSON = NexmarkTable.PERSON.configName();
    public static final String AUCTION = NexmarkTable.AUCTION.configName();
    public static final String BID = NexmarkTable.BID.configName();

    /** One query: how to build it and what it reads and writes. */
    public static final class Query
    {
        private final String name;
        private final String view;
        private final Set<NexmarkTable> tables;
        private final boolean appendOnly;
        private final Supplier<ProgramDefinition> definition;

        Query(
            final String name,
            final String view,
            final Set<NexmarkTable> tables,
            final boolean appendOnly,
            final Supplier<ProgramDefinition> definition)
        {
            this.name = name;
            this.view = view;
            this.tables = Collections.unmodifiableSet(EnumSet.copyOf(tables));
            this.appendOnly = appendOnly;
            this.definition = definition;
        }

        /** Registry name, {@code nexmark-qN}. */
        public String name()
        {
            return name;
        }

        /** The view the query publishes, {@code qN}. */
        public String view()
        {
            return view;
        }

        /** Input tables the program declares (each needs an endpoint), in person, auction, bid order. */
        public Set<NexmarkTable> tables()
        {
            return tables;
        }

        /** True if the view only ever inserts (its deltas carry no retractions). */
        public boolean appendOnly()
        {
            return appendOnly;
        }

        /** A new program definition with the query's default parameters. */
        public ProgramDefinition definition()
        {
            return definition.get();
        }

        public String toString()
        {
            return name + " (view " + view + ", tables " + tables + ")";
        }
    }

    private static final Map<String, Query> QUERIES = new LinkedHashMap<>();

    static
    {
        add(Q0.NAME, Q0.VIEW, EnumSet.of(NexmarkTable.BID), true, Q0::new);
        add(Q1.NAME, Q1.VIEW, EnumSet.of(NexmarkTable.BID), true, Q1::new);
        add(Q2.NAME, Q2.VIEW, EnumSet.of(NexmarkTable.BID), true, Q2::new);
        add(Q3.NAME, Q3.VIEW, EnumSet.of(NexmarkTable.PERSON, NexmarkTable.AUCTION), true, Q3::new);
        add(Q4.NAME, Q4.VIEW, EnumSet.of(NexmarkTable.AUCTION, NexmarkTable.BID), false, Q4::new);
        add(Q5.NAME, Q5.VIEW, EnumSet.of(NexmarkTable.BID), false, Q5::new);
        add(Q6.NAME, Q6.VIEW, EnumSet.of(NexmarkTable.AUCTION, NexmarkTable.BID), false, Q6::new);
        add(Q7.NAME, Q7.VIEW, EnumSet.of(NexmarkTable.BID), false, Q7::new);
        add(Q8.NAME, Q8.VIEW, EnumSet.of(NexmarkTable.PERSON, NexmarkTable.AUCTION), false, Q8::new);
        add(Q9.NAME, Q9.VIEW, EnumSet.of(NexmarkTable.AUCTION, NexmarkTable.BID), false, Q9::new);
        add(Q10.NAME, Q10.VIEW, EnumSet.of(NexmarkTable.BID), true, Q10::new);
        add(Q14.NAME, Q14.VIEW, EnumSet.of(NexmarkTable.BID), true, Q14::new);
        add(Q15.NAME, Q15.VIEW, EnumSet.of(NexmarkTable.BID), false, Q15::new);
        add(Q16.NAME, Q16.VIEW, EnumSet.of(NexmarkTable.BID), false, Q16::new);
        add(Q17.NAME, Q17.VIEW, EnumSet.of(NexmarkTable.BID), false, Q17::new);
        add(Q18.NAME, Q18.VIEW, EnumSet.of(NexmarkTable.BID), false, Q18::new);
        add(Q19.NAME, Q19.VIEW, EnumSet.of(NexmarkTable.BID), false, Q19::new);
        add(Q20.NAME, Q20.VIEW, EnumSet.of(NexmarkTable.AUCTION, NexmarkTable.BID), true, Q20::new);
        add(Q21.NAME, Q21.VIEW, EnumSet.of(NexmarkTable.BID), true, Q21::new);
        add(Q22.NAME, Q22.VIEW, EnumSet.of(NexmarkTable.BID), true, Q22::new);
    }

    private NexmarkQueries()
    {
    }

    private static void add(
        final String name,
        final String view,
        final Set<NexmarkTable> tables,
        final boolean appendOnly,
        final Supplier<ProgramDefinition> definition)
    {
        QUERIES.put(name, new Query(name, view, tables, appendOnly, definition));
    }

    /** Every query, in query-number order. */
    public static List<Query> all()
    {
        return List.copyOf(QUERIES.values());
    }

    /** Query names, in query-number order. */
    public static Set<String> names()
    {
        return Collections.unmodifiableSet(QUERIES.keySet());
    }

    /**
     * The query of a name.
     *
     * @throws IllegalArgumentException naming the known queries when there is none of that name.
     */
    public static Query query(final String name)
    {
        final Query query = QUERIES.get(name);
        if (null == query)
        {
            throw new IllegalArgumentException("no Nexmark query '" + name + "'; known: " + QUERIES.keySet());
        }
        return query;
    }
}
