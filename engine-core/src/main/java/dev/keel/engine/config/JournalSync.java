package dev.keel.engine.config;

/**
 * How durable a journaled step must be before its output may leave ({@code fault_tolerance.journal_sync}).
 */
public enum JournalSync
{
    /** Written to the OS, not synced: survives a process crash, not a power cut. JSON {@code "none"}. */
    NONE,

    /** Data synced ({@code fdatasync}): survives a power cut. JSON {@code "data"}. */
    DATA,

    /** Data and metadata synced ({@code fsync}). JSON {@code "full"}. */
    FULL;

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
