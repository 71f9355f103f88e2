package dev.keel.engine.config;

/**
 * What an input endpoint does with a record it cannot parse ({@code on_error}).
 */
public enum OnErrorPolicy
{
    /** Fail the pipeline, naming the endpoint and the offset. JSON {@code "fail"}. */
    FAIL,

    /** Skip the record and count it in the endpoint's error counter. JSON {@code "skip"}. */
    SKIP;

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
