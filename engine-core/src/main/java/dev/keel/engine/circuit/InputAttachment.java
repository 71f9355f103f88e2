package dev.keel.engine.circuit;

import dev.keel.engine.connector.InputEndpoint;
import dev.keel.engine.data.Schema;

/** An input endpoint bound to a table. */
public final class InputAttachment
{
    private final String name;
    private final String table;
    private final InputEndpoint endpoint;
    private final EndpointFactory<InputEndpoint> factory;
    private final String where;

    /**
     * @param name     endpoint name, unique in the pipeline.
     * @param table    input table it feeds.
     * @param endpoint the endpoint.
     */
    public InputAttachment(final String name, final String table, final InputEndpoint endpoint)
    {
        this.name = name;
        this.table = table;
        this.endpoint = endpoint;
        this.factory = null;
        this.where = null;
    }

    /**
     * An endpoint the pipeline creates once it built the program, from the schema of its input table, so that
     * the program is built once.
     *
     * @param name    endpoint name, unique in the pipeline.
     * @param table   input table it is bound to.
     * @param factory creates the endpoint.
     * @param where   where the binding was configured (e.g. a JSON path), for the error if the input table is missing.
     */
    public InputAttachment(
        final String name, final String table, final EndpointFactory<InputEndpoint> factory, final String where)
    {
        this.name = name;
        this.table = table;
        this.endpoint = null;
        this.factory = factory;
        this.where = where;
    }

    /** True until the pipeline created the endpoint of a factory attachment. */
    public boolean isDeferred()
    {
        return null == endpoint;
    }

    /** The factory attachment with its endpoint created for {@code schema}. */
    public InputAttachment resolve(final Schema schema)
    {
        return new InputAttachment(name, table, factory.create(schema));
    }

    /** Where the binding was configured, or null. */
    public String where()
    {
        return where;
    }

    /** Endpoint name. */
    public String name()
    {
        return name;
    }

    /** Table fed. */
    public String table()
    {
        return table;
    }

    /** The endpoint. */
    public InputEndpoint endpoint()
    {
        return endpoint;
    }
}
