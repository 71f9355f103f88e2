package dev.keel.engine.circuit;

import dev.keel.engine.program.Program;
import org.agrona.DirectBuffer;

/**
 * The {@link StepBoundary} a {@link CircuitAgent} hands its step listener: one instance, refilled at every
 * boundary, reading the input positions and tokens from the circuit's {@link InputStage}.
 */
final class CircuitBoundary implements StepBoundary
{
    private final InputStage inputs;
    private final Program program;
    private long step;
    private long journalPosition;
    private long inputCount;
    private long inputHash;
    private boolean replaying;

    CircuitBoundary(final InputStage inputs, final Program program)
    {
        this.inputs = inputs;
        this.program = program;
    }

    void set(
        final long step,
        final long journalPosition,
        final long inputCount,
        final long inputHash,
        final boolean replaying)
    {
        this.step = step;
        this.journalPosition = journalPosition;
        this.inputCount = inputCount;
        this.inputHash = inputHash;
        this.replaying = replaying;
    }

    public long step()
    {
        return step;
    }

    public long transactionId()
    {
        return step;
    }

    public long journalPosition()
    {
        return journalPosition;
    }

    public long inputCount()
    {
        return inputCount;
    }

    public long inputHash()
    {
        return inputHash;
    }

    public boolean replaying()
    {
        return replaying;
    }

    public int inputEndpointCount()
    {
        return inputs.count();
    }

    public String inputName(final int endpoint)
    {
        return inputs.binding(endpoint).name;
    }

    public long inputPosition(final int endpoint)
    {
        return inputs.binding(endpoint).position;
    }

    public int inputTokenLength(final int endpoint)
    {
        final InputStage.Binding input = inputs.binding(endpoint);
        return input.usesToken ? input.tokenLength : 0;
    }

    public DirectBuffer inputToken(final int endpoint)
    {
        return inputs.binding(endpoint).token;
    }

    public Program program()
    {
        return program;
    }
}
