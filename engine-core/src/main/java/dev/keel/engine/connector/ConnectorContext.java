package dev.keel.engine.connector;

import dev.keel.engine.connector.http.HttpEndpoints;
import org.agrona.concurrent.NanoClock;
import org.agrona.concurrent.SystemNanoClock;

import java.util.Objects;

/**
 * What the host hands every connector when it creates an endpoint. Settings of the endpoint itself come from
 * its configuration; this carries only what is shared by all endpoints of a node.
 * <ul>
 *   <li>{@code nanoClock} = {@link SystemNanoClock}: the clock endpoint agents read once per duty cycle (sync
 *   intervals, pacing, follow polls); tests pass a hand clock to make them deterministic.</li>
 *   <li>{@link #httpEndpoints()}: where the {@code http_input} / {@code http_output} connectors register their
 *   endpoints for the node's HTTP server to find.</li>
 * </ul>
 */
public final class ConnectorContext
{
    private NanoClock nanoClock = new SystemNanoClock();
    private final HttpEndpoints httpEndpoints = new HttpEndpoints();

    /**
     * @param nanoClock the clock of endpoint agents.
     * @return this.
     */
    public ConnectorContext nanoClock(final NanoClock nanoClock)
    {
        this.nanoClock = Objects.requireNonNull(nanoClock, "nanoClock");
        return this;
    }

    /** @return the clock of endpoint agents. */
    public NanoClock nanoClock()
    {
        return nanoClock;
    }

    /** @return the HTTP ingress and egress endpoints created with this context. */
    public HttpEndpoints httpEndpoints()
    {
        return httpEndpoints;
    }
}
