package dev.keel.engine.connector.http;

import java.util.Collections;
import java.util.Map;
import java.util.SortedMap;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The HTTP ingress and egress endpoints of one node, by table and by view: the {@code http_input} and
 * {@code http_output} connectors register each endpoint they create here (through
 * {@link #of(dev.keel.engine.connector.ConnectorContext)}), and the node's HTTP server finds the
 * endpoint of {@code POST .../ingress/{table}} and {@code GET .../egress/{view}} here. Thread safe.
 */
public final class HttpEndpoints
{
    private final Map<String, HttpInputEndpoint> inputs = new ConcurrentHashMap<>();
    private final Map<String, HttpOutputEndpoint> outputs = new ConcurrentHashMap<>();

    /**
     * The HTTP endpoints of the node whose connectors share {@code context}.
     *
     * @param context the node's connector context.
     * @return its registry, created on first use.
     */
    public static HttpEndpoints of(final dev.keel.engine.connector.ConnectorContext context)
    {
        return context.shared(HttpEndpoints.class, HttpEndpoints::new);
    }

    /**
     * Registers the ingress endpoint of a table.
     *
     * @throws IllegalArgumentException naming both endpoints if the table has one already.
     */
    void register(final HttpInputEndpoint endpoint)
    {
        final HttpInputEndpoint previous = inputs.putIfAbsent(endpoint.table(), endpoint);
        if (null != previous)
        {
            throw new IllegalArgumentException("table '" + endpoint.table() + "' has two http_input endpoints, '" +
                previous.name() + "' and '" + endpoint.name() + "'; POST .../ingress/" + endpoint.table() +
                " needs exactly one");
        }
    }

    /** Registers an egress endpoint of a view; the first one of a view serves it. */
    void register(final HttpOutputEndpoint endpoint)
    {
        outputs.putIfAbsent(endpoint.view(), endpoint);
    }

    /** Removes a closed endpoint. */
    void unregister(final HttpInputEndpoint endpoint)
    {
        inputs.remove(endpoint.table(), endpoint);
    }

    /** Removes a closed endpoint. */
    void unregister(final HttpOutputEndpoint endpoint)
    {
        outputs.remove(endpoint.view(), endpoint);
    }

    /** @return the ingress endpoint of {@code table}, or null. */
    public HttpInputEndpoint input(final String table)
    {
        return inputs.get(table);
    }

    /** @return the egress endpoint of {@code view}, or null. */
    public HttpOutputEndpoint output(final String view)
    {
        return outputs.get(view);
    }

    /** @return the tables with an ingress endpoint, sorted, with their endpoints. */
    public SortedMap<String, HttpInputEndpoint> inputs()
    {
        return Collections.unmodifiableSortedMap(new TreeMap<>(inputs));
    }

    /** @return the views with an egress endpoint, sorted, with their endpoints. */
    public SortedMap<String, HttpOutputEndpoint> outputs()
    {
        return Collections.unmodifiableSortedMap(new TreeMap<>(outputs));
    }
}
