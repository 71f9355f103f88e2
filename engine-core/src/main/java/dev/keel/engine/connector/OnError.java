package dev.keel.engine.connector;

/**
 * What an input endpoint does with a malformed record ({@code on_error} in configuration).
 */
public enum OnError
{
    /** Stop: the next poll throws a {@code KeelException} naming the record; records before it are delivered. */
    FAIL("fail"),
    /** Skip the record, count it ({@link InputEndpoint#skippedRecords()}) and log the first few. */
    SKIP("skip");

    private final String configName;

    OnError(final String configName)
    {
        this.configName = configName;
    }

    public String configName()
    {
        return configName;
    }

    public static OnError fromConfigName(final String name)
    {
        for (final OnError value : values())
        {
            if (value.configName.equals(name))
            {
                return value;
            }
        }
        throw new IllegalArgumentException("on_error: '" + name + "' is not allowed, allowed: fail, skip");
    }
}
