package dev.keel.engine.config;

/**
 * How the engine's agents get threads ({@code threading_mode}), as in Aeron's {@code ArchiveThreadingMode}.
 */
public enum ThreadingMode
{
    /** Each agent runs on a thread of its own. JSON {@code "dedicated"}. */
    DEDICATED,

    /** The agents share one thread through a composite agent. JSON {@code "shared"}. */
    SHARED,

    /** No threads are started: the host invokes the agents' duty cycles itself. JSON {@code "invoker"}. */
    INVOKER;

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
