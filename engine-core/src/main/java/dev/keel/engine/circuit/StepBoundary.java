package dev.keel.engine.circuit;

import dev.keel.engine.program.Program;

/**
 * What a {@link StepListener} sees at the boundary after a step: the step just run, where every input
 * endpoint stands, and the program, whose state is consistent here and nowhere else. Valid only during
 * the callback, on the circuit thread.
 * <p>
 * A checkpoint is taken here: {@code program().arena().freeze()} and {@code program().saveMeta(meta)}
 * capture the state after {@link #step()}; {@link #inputPosition(int)} and {@link #journalPosition()}
 * say where to resume; the checkpoint may complete only once every output delivered
 * {@link #transactionId()} (see {@link CircuitAgent#emittedTransactionId()} and
 * {@link dev.keel.engine.connector.OutputEndpoint#deliveredTransactionId()}).
 */
public interface StepBoundary
{
    /** Number of the step just run; steps are numbered from 1 without gaps. */
    long step();

    /** Transaction id of the step's output (equal to the step number: one transaction per step). */
    long transactionId();

    /** Journal position just after the step's record, or 0 without a journal. */
    long journalPosition();

    /** Records the step took from all input endpoints. */
    long inputCount();

    /** Input hash of the step, as journaled. */
    long inputHash();

    /** True while re-running journaled steps during recovery. */
    boolean replaying();

    /** Number of input endpoints, in journal order. */
    int inputEndpointCount();

    /**
     * Name of an input endpoint.
     *
     * @param endpoint index in journal order.
     * @return the endpoint's name.
     */
    String inputName(int endpoint);

    /**
     * Resume position of an input endpoint after this step.
     *
     * @param endpoint index in journal order.
     * @return the position, or {@link dev.keel.engine.connector.InputEndpoint#NO_POSITION} if not replayable.
     */
    long inputPosition(int endpoint);

    /**
     * Length of the position token of an input endpoint after this step
     * ({@link dev.keel.engine.connector.InputEndpoint#usesPositionToken()}).
     *
     * @param endpoint index in journal order.
     * @return the length, 0 if the endpoint has none.
     */
    default int inputTokenLength(final int endpoint)
    {
        return 0;
    }

    /**
     * The position token of an input endpoint after this step, valid for {@link #inputTokenLength(int)} bytes
     * until the step listener returns.
     *
     * @param endpoint index in journal order.
     * @return the buffer, null if the endpoint has none.
     */
    default org.agrona.DirectBuffer inputToken(final int endpoint)
    {
        return null;
    }

        /** The program, for freezing its state. */
    Program program();
}
