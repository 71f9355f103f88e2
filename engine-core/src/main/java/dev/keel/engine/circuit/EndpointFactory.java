package dev.keel.engine.circuit;

import dev.keel.engine.data.Schema;

/**
 * Creates an endpoint for the schema of the table or view it is bound to.
 *
 * @param <E> the endpoint type.
 */
@FunctionalInterface
public interface EndpointFactory<E>
{
    /**
     * @param schema the bound table's or view's schema.
     * @return the endpoint, owned by the pipeline.
     */
    E create(Schema schema);
}
