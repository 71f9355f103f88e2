package dev.keel.engine.api;

import dev.keel.engine.connector.OutputEndpoint;
import dev.keel.engine.data.Schema;

/**
 * Creates an output endpoint for one view, or returns null to give that view none
 * ({@link EngineContext#outputForEveryView}).
 */
@FunctionalInterface
public interface ViewOutputFactory
{
    /**
     * @param name   the endpoint's name: the view's name and the suffix given.
     * @param view   the view.
     * @param schema its schema.
     * @return the endpoint, owned by the pipeline, or null.
     */
    OutputEndpoint create(String name, String view, Schema schema);

    /**
     * An output attached to every view.
     *
     * @param nameSuffix appended to a view's name to name its endpoint.
     * @param factory    creates each view's endpoint.
     */
    record EveryView(String nameSuffix, ViewOutputFactory factory)
    {
    }
}
