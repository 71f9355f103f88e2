package dev.keel.bench;

import dev.keel.engine.connector.InputEndpoint;
import dev.keel.nexmark.NexmarkInputEndpoint;
import dev.keel.nexmark.NexmarkSettings;
import dev.keel.nexmark.NexmarkTable;
import dev.keel.engine.operators.Agg;
import dev.keel.engine.program.ProgramDefinition;

import java.util.ArrayList;
import java.util.Collection;
import java.util.List;

/**
 * What the harness runs: a program, the view it counts, and fresh input endpoints for N events (each
 * attached to the table of the same name).
 */
abstract class Workload
{
    abstract String name();

    abstract ProgramDefinition program();

    abstract String view();

    /** New endpoints (a run or a restart needs its own). */
    abstract List<InputEndpoint> inputs(long events);

    static Workload of(final HarnessOptions options)
    {
        return HarnessOptions.KEYED_AGGREGATE.equals(options.query) ?
            new KeyedAggregate(options.keys) : new Nexmark(options.query);
    }

    /** Table bids → per auction count, sum(price), max(price) → view. */
    static final class KeyedAggregate extends Workload
    {
        static final String TABLE = "bids";
        static final String VIEW = "per_auction";
        private final long keys;

        KeyedAggregate(final long keys)
        {
            this.keys = keys;
        }

        String name()
        {
            return HarnessOptions.KEYED_AGGREGATE;
        }

        ProgramDefinition program()
        {
            return p -> p.view(VIEW, p.table(TABLE, KeyedAggregateWorkload.SCHEMA).aggregate("by_auction",
                new String[]{ "auction" }, Agg.count("bids"), Agg.sum("price", "total"), Agg.max("price", "max_price")));
        }

        String view()
        {
            return VIEW;
        }

        List<InputEndpoint> inputs(final long events)
        {
            return List.of(new KeyedAggregateWorkload(TABLE, keys, events));
        }
    }

    /**
     * A query of {@code dev.keel.nexmark.queries.NexmarkQueries}, looked up reflectively so that the
     * harness builds whether or not the queries are on the class path: one {@code nexmark} endpoint per table
     * the query reads, named as the table, all with the default generator settings and {@code max_events} N.
     */
    static final class Nexmark extends Workload
    {
        private static final String REGISTRY = "dev.keel.nexmark.queries.NexmarkQueries";
        private final String name;
        private final Object query;

        Nexmark(final String name)
        {
            this.name = name;
            try
            {
                query = Class.forName(REGISTRY).getMethod("query", String.class).invoke(null, name);
            }
            catch (final ClassNotFoundException ex)
            {
                throw new IllegalArgumentException("--query " + name + ": the Nexmark queries (" + REGISTRY +
                    ") are not on the class path of this build", ex);
            }
            catch (final ReflectiveOperationException ex)
            {
                final Throwable cause = null == ex.getCause() ? ex : ex.getCause();
                throw new IllegalArgumentException("--query " + name + ": " + cause.getMessage(), cause);
            }
        }

        String name()
        {
            return name;
        }

        ProgramDefinition program()
        {
            return (ProgramDefinition)call("definition");
        }

        String view()
        {
            return (String)call("view");
        }

        List<InputEndpoint> inputs(final long events)
        {
            final NexmarkSettings settings = NexmarkSettings.builder().maxEvents(events).build();
            final List<InputEndpoint> endpoints = new ArrayList<>();
            for (final Object table : (Collection<?>)call("tables"))
            {
                final NexmarkTable t = (NexmarkTable)table;
                endpoints.add(NexmarkInputEndpoint.create(t.configName(), t, settings));
            }
            return endpoints;
        }

        private Object call(final String method)
        {
            try
            {
                return query.getClass().getMethod(method).invoke(query);
            }
            catch (final ReflectiveOperationException ex)
            {
                throw new IllegalStateException(REGISTRY + ".Query." + method + "(): " + ex, ex);
            }
        }
    }
}
