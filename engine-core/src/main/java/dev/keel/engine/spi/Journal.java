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
     * Opens a replay of every record that starts at or after {@code fromPosition} and ends at or before
     * {@link #position()} as it is now; the circuit polls it once per duty cycle ({@link Replay#poll}) so that
     * recovery never blocks its thread. {@code fromPosition} must be a position returned by
     * {@link #append(StepRecord)} or recorded in a checkpoint manifest, or 0 for the start.
     *
     * @param fromPosition where to start.
     * @return the replay; the caller closes it.
     * @throws dev.keel.engine.KeelException if the position is not a record start or no longer held.
     */
    Replay openReplay(long fromPosition);

    /**
     * Feeds every record that starts at or after {@code fromPosition} to {@code handler}, in order, and returns
     * the position after the last one: {@link #openReplay(long)} polled until done, on the calling thread.
     *
     * @param fromPosition where to start, as for {@link #openReplay(long)}.
     * @param handler      receives each record.
     * @return the position after the last record.
     */
    default long replay(final long fromPosition, final StepRecordHandler handler)
    {
        try (Replay replay = openReplay(fromPosition))
        {
            final org.agrona.concurrent.IdleStrategy idle = new org.agrona.concurrent.BackoffIdleStrategy();
            while (!replay.isDone())
            {
                idle.idle(replay.poll(handler));
            }
            return replay.position();
        }
    }

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

    /**
     * A replay in progress, polled from one thread. Each {@link #poll} hands over at most one record, which stays
     * valid until the next poll, so that a caller can take several duty cycles over one step.
     */
    interface Replay extends AutoCloseable
    {
        /**
         * Hands the next record to {@code handler} if one is available now; never waits.
         *
         * @param handler receives the record and the journal position just after it.
         * @return 1 if a record was handed over, else 0.
         * @throws dev.keel.engine.KeelException if the journal is corrupt there, or the replay made no progress for
         *                                       the journal's time-out.
         */
        int poll(StepRecordHandler handler);

        /**
         * @return true once every record up to the end position fixed at open was handed over.
         */
        boolean isDone();

        /**
         * @return the journal position after the last record handed over (the start position before the first).
         */
        long position();

        /** Stops the replay; idempotent. */
        @Override
        void close();

        /**
         * A replay with nothing to hand over, for a journal that holds no record at or after a position.
         *
         * @param position the position it reports.
         * @return a replay that is done.
         */
        static Replay empty(final long position)
        {
            return new Replay()
            {
                public int poll(final StepRecordHandler handler)
                {
                    return 0;
                }

                public boolean isDone()
                {
                    return true;
                }

                public long position()
                {
                    return position;
                }

                public void close()
                {
                }
            };
        }
    }

    /** Receives replayed step records; the record instance is reused between calls. */
    @FunctionalInterface
    interface StepRecordHandler
    {
        void onStepRecord(long endPosition, StepRecord record);
    }
}
