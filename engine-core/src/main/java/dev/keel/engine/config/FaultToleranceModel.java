package dev.keel.engine.config;

/**
 * Delivery guarantee after a crash ({@code fault_tolerance.model}). Both guarantees need storage: the journal and
 * the checkpoints live under {@code storage_config.path}.
 */
public enum FaultToleranceModel
{
    /** No journal, no recovery: a restart starts from nothing. JSON {@code "none"}. */
    NONE,

    /** Every output record is delivered at least once; a crash may repeat some. JSON {@code "at_least_once"}. */
    AT_LEAST_ONCE,

    /** Every output record is delivered exactly once, whatever the crash. JSON {@code "exactly_once"}. */
    EXACTLY_ONCE;

    /**
     * The name used in JSON.
     *
     * @return the name used in JSON.
     */
    public String jsonName()
    {
        return ConfigObject.jsonName(this);
    }
}
