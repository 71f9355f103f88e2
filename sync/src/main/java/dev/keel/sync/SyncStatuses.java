package dev.keel.sync;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.UUID;

/**
 * The sync status of each checkpoint this process was asked to push (the newest {@value #MAX_STATUSES}) and the
 * newest one pushed successfully. Written by the caller's thread, the sync thread and CRT completions; read by any
 * thread.
 */
final class SyncStatuses
{
    static final int MAX_STATUSES = 4096;

    private final Map<UUID, SyncStatus> statuses = new LinkedHashMap<>(64, 0.75f, false)
    {
        protected boolean removeEldestEntry(final Map.Entry<UUID, SyncStatus> eldest)
        {
            return size() > MAX_STATUSES;
        }
    };
    private volatile UUID lastSuccessful;

    void put(final UUID id, final SyncStatus status)
    {
        synchronized (statuses)
        {
            statuses.put(id, status);
        }
    }

    SyncStatus get(final UUID id)
    {
        synchronized (statuses)
        {
            return statuses.getOrDefault(id, SyncStatus.UNKNOWN);
        }
    }

    void succeeded(final UUID id)
    {
        lastSuccessful = id;
        put(id, SyncStatus.SUCCESS);
    }

    /**
     * Take the catalog's newest checkpoint as the last successful sync until this process pushes one itself.
     */
    void seedLastSuccessful(final UUID id)
    {
        if (null == lastSuccessful)
        {
            lastSuccessful = id;
        }
    }

    UUID lastSuccessful()
    {
        return lastSuccessful;
    }
}
