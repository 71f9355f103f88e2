package dev.keel.engine.config;

/**
 * What a restart does when the program differs from the one that wrote the checkpoint
 * ({@code fault_tolerance.bootstrap_policy}, {@code keel run --bootstrap-policy}, or
 * {@code FaultToleranceContext.bootstrapPolicy}), as Feldera's {@code BootstrapPolicy}.
 */
public enum BootstrapPolicy
{
    /**
     * Keep the state of the unchanged operators and recompute the new and modified views from the input tables'
     * contents. JSON {@code "allow"}, the default.
     */
    ALLOW,

    /** Refuse to start, naming the added, removed and modified views. JSON {@code "reject"}. */
    REJECT,

    /**
     * Stop in {@code AWAITING_APPROVAL}, showing what changed, and bootstrap as {@link #ALLOW} once approved
     * ({@code POST /v0/pipelines/{name}/approve}, {@code keel approve}, {@code KeelPipeline.approve()}).
     * JSON {@code "await_approval"}.
     */
    AWAIT_APPROVAL;

    /**
     * The name used in JSON and on the command line.
     *
     * @return the name used in JSON.
     */
    public String jsonName()
    {
        return ConfigObject.jsonName(this);
    }

    /**
     * The policy of a JSON / command-line name.
     *
     * @param name e.g. {@code await_approval}.
     * @param where what gave it, for the error (e.g. {@code --bootstrap-policy}).
     * @return the policy.
     * @throws IllegalArgumentException naming {@code where} and the allowed values.
     */
    public static BootstrapPolicy fromJsonName(final String name, final String where)
    {
        for (final BootstrapPolicy policy : values())
        {
            if (policy.jsonName().equals(name))
            {
                return policy;
            }
        }
        throw new IllegalArgumentException(where + ": unknown bootstrap policy '" + name +
            "'; allowed: allow, reject, await_approval");
    }
}
