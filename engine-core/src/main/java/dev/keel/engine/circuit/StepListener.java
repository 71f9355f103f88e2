package dev.keel.engine.circuit;

/**
 * Called on the circuit thread after every step (live or replayed), once the step's output is queued
 * and before the next step collects input: the hook where a checkpoint freezes state. Must not block;
 * anything slow (writing pages) runs on another agent from the frozen snapshot.
 */
@FunctionalInterface
public interface StepListener
{
    /**
     * @param boundary the step just run; valid during this call only.
     */
    void onStepEnd(StepBoundary boundary);
}
