package dev.keel.engine.spi;

/**
 * The input write-ahead journal of an {@code exactly_once} pipeline.
 * <p>
 * The circuit agent appends one {@link StepRecord} per step and releases the step's output only once
 * {@link #durablePosition()} has reached the position {@link #append(StepRecord)} returned. Appending
 * never waits for durability, so several steps share one sync (group commit). All methods are called
 * from the circuit agent's thread, except {@link #close()}.
 */
public interface Journal extends AutoCloseable
{
    /**
     * Appends a step record without waiting for it to become durable.
     *
     * @return the journal position just after the record; durable once {@link #durablePosition()} reaches it.
     */
    long append(StepRecord record);

    /** Highest position that is durable to the configured sync level; never waits. */
    long durablePosition();

    /** Position after the last appended (or recovered) record. */
    long position();

    /**
     * Feeds every record that starts at or after {@code fromPosition} to {@code handler}, in order, and
     * returns the position after the last one. {@code fromPosition} must be a position returned by
     * {@link #append(StepRecord)} or recorded in a checkpoint manifest, or 0 for the start.
     */
    long replay(long fromPosition, StepRecordHandler handler);

    /**
     * Lowest position still held: {@link #replay(long, StepRecordHandler)} cannot start below it.
     *
     * @return the position; 0 unless released.
     */
    default long startPosition()
    {
        return 0;
    }

    /** Allows the journal to discard records that end at or below {@code position} (retention). */
    void releaseBefore(long position);

    @Override
    void close();

    /** Receives replayed step records; the record instance is reused between calls. */
    @FunctionalInterface
    interface StepRecordHandler
    {
        void onStepRecord(long endPosition, StepRecord record);
    }
}
