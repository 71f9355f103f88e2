package dev.keel.engine.spi;

import java.util.Arrays;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;

/**
 * What a checkpoint records besides the state pages: where the circuit was (step, transaction id,
 * journal position), where every endpoint was, and the program's own metadata. Immutable; the
 * maps keep the order they were given in.
 *
 * @param programFingerprint {@code Program.fingerprint()} of the program that wrote the checkpoint.
 * @param step               last step covered by the checkpoint.
 * @param transactionId      transaction id of that step.
 * @param journalPosition    journal position after that step: replay starts here.
 * @param inputPositions     per input endpoint name, its resume position after {@code step}.
 * @param outputPositions    per output endpoint name, what it had durably delivered.
 * @param programMeta        bytes of {@code Program.saveMeta}.
 * @param model              fault-tolerance model name, e.g. {@code exactly_once}.
 * @param wallClockMillis    epoch milliseconds when the checkpoint was taken.
 * @param inputTokens        per input endpoint name that uses position tokens, its token after {@code step}
 *                           ({@link dev.keel.engine.connector.InputEndpoint#usesPositionToken()}); empty if none.
 */
public record CheckpointMetadata(
    long programFingerprint,
    long step,
    long transactionId,
    long journalPosition,
    Map<String, Long> inputPositions,
    Map<String, OutputPosition> outputPositions,
    byte[] programMeta,
    String model,
    long wallClockMillis,
    Map<String, byte[]> inputTokens)
{
    /**
     * Metadata without position tokens (the inputs carry only {@code long} positions).
     */
    public CheckpointMetadata(
        final long programFingerprint,
        final long step,
        final long transactionId,
        final long journalPosition,
        final Map<String, Long> inputPositions,
        final Map<String, OutputPosition> outputPositions,
        final byte[] programMeta,
        final String model,
        final long wallClockMillis)
    {
        this(programFingerprint, step, transactionId, journalPosition, inputPositions, outputPositions, programMeta,
            model, wallClockMillis, Map.of());
    }

    /**
     * What an output endpoint had durably delivered when the checkpoint was taken.
     *
     * @param deliveredPosition      endpoint-specific position after the last delivered record.
     * @param deliveredTransactionId transaction id of the last delivered transaction.
     */
    public record OutputPosition(long deliveredPosition, long deliveredTransactionId)
    {
    }

    /**
     * Copies the maps and the bytes so that the instance stays immutable.
     */
    public CheckpointMetadata
    {
        Objects.requireNonNull(model, "model");
        inputPositions = Collections.unmodifiableMap(new LinkedHashMap<>(inputPositions));
        outputPositions = Collections.unmodifiableMap(new LinkedHashMap<>(outputPositions));
        programMeta = programMeta.clone();
        final Map<String, byte[]> tokens = new LinkedHashMap<>();
        for (final Map.Entry<String, byte[]> e : inputTokens.entrySet())
        {
            tokens.put(e.getKey(), e.getValue().clone());
        }
        inputTokens = Collections.unmodifiableMap(tokens);
    }

    /**
     * @param name an input endpoint's name.
     * @return a copy of its position token, or null if it has none.
     */
    public byte[] inputToken(final String name)
    {
        final byte[] token = inputTokens.get(name);
        return null == token ? null : token.clone();
    }

    private static boolean tokensEqual(final Map<String, byte[]> a, final Map<String, byte[]> b)
    {
        if (a.size() != b.size())
        {
            return false;
        }
        for (final Map.Entry<String, byte[]> e : a.entrySet())
        {
            if (!Arrays.equals(e.getValue(), b.get(e.getKey())))
            {
                return false;
            }
        }
        return true;
    }

    /**
     * @return a copy of the program metadata bytes.
     */
    @Override
    public byte[] programMeta()
    {
        return programMeta.clone();
    }

    @Override
    public boolean equals(final Object o)
    {
        if (this == o)
        {
            return true;
        }
        if (!(o instanceof CheckpointMetadata))
        {
            return false;
        }
        final CheckpointMetadata that = (CheckpointMetadata)o;
        return programFingerprint == that.programFingerprint && step == that.step &&
            transactionId == that.transactionId && journalPosition == that.journalPosition &&
            wallClockMillis == that.wallClockMillis && inputPositions.equals(that.inputPositions) &&
            outputPositions.equals(that.outputPositions) && Arrays.equals(programMeta, that.programMeta) &&
            model.equals(that.model) && tokensEqual(inputTokens, that.inputTokens);
    }

    @Override
    public int hashCode()
    {
        return Objects.hash(programFingerprint, step, transactionId, journalPosition, wallClockMillis, inputPositions,
            outputPositions, Arrays.hashCode(programMeta), model, inputTokens.keySet());
    }

    @Override
    public String toString()
    {
        return "CheckpointMetadata{fingerprint=" + programFingerprint + ", step=" + step + ", transactionId=" +
            transactionId + ", journalPosition=" + journalPosition + ", inputs=" + inputPositions + ", outputs=" +
            outputPositions + ", programMeta=" + programMeta.length + " bytes, model=" + model + ", wallClock=" +
            wallClockMillis + (inputTokens.isEmpty() ? "" : ", tokens=" + inputTokens.keySet()) + "}";
    }
}
