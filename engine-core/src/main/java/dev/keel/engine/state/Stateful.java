package dev.keel.engine.state;

/**
 * A component whose state lives in a {@link PagedArena} plus a little metadata held on the heap
 * (sizes, table page indexes). At a checkpoint the metadata is saved next to the arena's pages; at
 * restore, after the pages are back, the same component (built by the same program) loads it.
 */
public interface Stateful
{
    void saveMeta(MetaBuffer meta);

    void loadMeta(MetaBuffer meta);
}
