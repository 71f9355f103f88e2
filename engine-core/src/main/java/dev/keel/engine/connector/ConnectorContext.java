package dev.keel.engine.connector;

import dev.keel.engine.config.FaultToleranceModel;
import org.agrona.concurrent.NanoClock;
import org.agrona.concurrent.SystemNanoClock;

import java.util.Map;
import java.util.Objects;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Supplier;

/**
 * What the host hands every connector when it creates an endpoint. Settings of the endpoint itself come from
 * its configuration; this carries only what is shared by all endpoints of a node.
 * <ul>
 *   <li>{@code nanoClock} = {@link SystemNanoClock}: the clock endpoint agents read once per duty cycle (sync
 *   intervals, pacing, follow polls); tests pass a hand clock to make them deterministic.</li>
 *   <li>{@link #shared(Class, Supplier)}: objects the connectors of one transport share with each other and with
 *   the host, one per type (e.g. the HTTP connectors' {@code HttpEndpoints}, where {@code http_input} /
 *   {@code http_output} register their endpoints for the node's HTTP server to find).</li>
 *   <li>{@code pipelineName} = {@code "pipeline"}: the pipeline's name, e.g. to derive a transactional id.</li>
 *   <li>{@code faultToleranceModel} = {@code none}: the pipeline's model; a sink may choose its delivery mode
 *   by it (transactions for {@code exactly_once}).</li>
 * </ul>
 */
public final class ConnectorContext
{
    private NanoClock nanoClock = new SystemNanoClock();
    private final Map<Class<?>, Object> shared = new ConcurrentHashMap<>();
    private String pipelineName = "pipeline";
    private FaultToleranceModel faultToleranceModel = FaultToleranceModel.NONE;

    /**
     * @param pipelineName the pipeline's name.
     * @return this.
     */
    public ConnectorContext pipelineName(final String pipelineName)
    {
        this.pipelineName = Objects.requireNonNull(pipelineName, "pipelineName");
        return this;
    }

    /** @return the pipeline's name. */
    public String pipelineName()
    {
        return pipelineName;
    }

    /**
     * @param faultToleranceModel the pipeline's fault-tolerance model.
     * @return this.
     */
    public ConnectorContext faultToleranceModel(final FaultToleranceModel faultToleranceModel)
    {
        this.faultToleranceModel = Objects.requireNonNull(faultToleranceModel, "faultToleranceModel");
        return this;
    }

    /** @return the pipeline's fault-tolerance model. */
    public FaultToleranceModel faultToleranceModel()
    {
        return faultToleranceModel;
    }

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

    /**
     * The one object of {@code type} the connectors and the host share, created by {@code factory} on first use;
     * any thread.
     *
     * @param type    its type (the key).
     * @param factory creates it, once.
     * @param <T>     its type.
     * @return the shared instance.
     */
    public <T> T shared(final Class<T> type, final Supplier<T> factory)
    {
        return type.cast(shared.computeIfAbsent(type, t -> Objects.requireNonNull(factory.get(), "factory result")));
    }
}
