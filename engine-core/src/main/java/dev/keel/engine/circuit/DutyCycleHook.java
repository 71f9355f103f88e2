package dev.keel.engine.circuit;

/**
 * Called on the circuit thread at the end of every duty cycle once the pipeline started (not while replaying):
 * where work that spans steps, such as a checkpoint waiting for its pages to be written, makes progress.
 * Must not block.
 */
@FunctionalInterface
public interface DutyCycleHook
{
    /**
     * @param nowNs the duty cycle's clock reading.
     * @return work done, 0 when idle.
     */
    int onDutyCycle(long nowNs);
}
