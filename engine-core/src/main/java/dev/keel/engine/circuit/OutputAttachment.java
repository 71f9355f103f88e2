package dev.keel.engine.circuit;

import dev.keel.engine.connector.OutputEndpoint;
import dev.keel.engine.data.Schema;

/** An output endpoint bound to a view. */
public final class OutputAttachment
{
    private final String name;
    private final String view;
    private final OutputEndpoint endpoint;
    private final EndpointFactory<OutputEndpoint> factory;
    private final String where;

    /**
     * @param name     endpoint name, unique in the pipeline.
     * @param view     view it receives.
     * @param endpoint the endpoint.
     */
    public OutputAttachment(final String name, final String view, final OutputEndpoint endpoint)
    {
        this.name = name;
        this.view = view;
        this.endpoint = endpoint;
        this.factory = null;
        this.where = null;
    }

    /**
     * An endpoint the pipeline creates once it built the program, from the schema of its view, so that
     * the program is built once.
     *
     * @param name    endpoint name, unique in the pipeline.
     * @param view    view it is bound to.
     * @param factory creates the endpoint.
     * @param where   where the binding was configured (e.g. a JSON path), for the error if the view is missing.
     */
    public OutputAttachment(
        final String name, final String view, final EndpointFactory<OutputEndpoint> factory, final String where)
    {
        this.name = name;
        this.view = view;
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
    public OutputAttachment resolve(final Schema schema)
    {
        return new OutputAttachment(name, view, factory.create(schema));
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

    /** View received. */
    public String view()
    {
        return view;
    }

    /** The endpoint. */
    public OutputEndpoint endpoint()
    {
        return endpoint;
    }
}
