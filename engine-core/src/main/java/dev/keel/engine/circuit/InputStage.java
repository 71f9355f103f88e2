package dev.keel.engine.circuit;

import dev.keel.engine.KeelException;
import dev.keel.engine.connector.InputEndpoint;
import dev.keel.engine.data.Hashing;
import dev.keel.engine.data.ZSetBatch;
import dev.keel.engine.program.InputTable;
import dev.keel.engine.spi.StepRecord;
import org.agrona.DirectBuffer;
import org.agrona.ExpandableDirectByteBuffer;
import org.agrona.concurrent.UnsafeBuffer;

/**
 * The collect half of a step, owned by the circuit thread: every input endpoint with the staging batch it fills
 * for the coming step, the batching rule that decides when a step starts, and the step's input count and hash.
 * <p>
 * Live: {@link #collect(long)} polls each endpoint into its staging batch, at most {@code maxBatchSizeRecords}
 * per endpoint per step; {@link #readyToStep(long)} applies {@code min_batch_size_records},
 * {@code max_buffering_delay_usecs}, a full endpoint and end of input. Replay: {@link #pollTowards} fills the
 * staging batch of a replayable endpoint up to a journaled position without blocking, and the replay decodes
 * the records the journal kept for a non-replayable one. Either way {@link #seal} computes the step's count and hash and
 * {@link #moveToTables()} hands the staged records to the program's tables.
 */
final class InputStage
{
    /** An input endpoint bound to a table, with the records it contributed to the coming step. */
    static final class Binding
    {
        final int index;
        final String name;
        final InputTable table;
        final InputEndpoint endpoint;
        final boolean replayable;
        final boolean usesToken;
        final ExpandableDirectByteBuffer token;
        int tokenLength;
        final ZSetBatch staging;
        final ZSetBatch.Cursor stagingCursor;
        int stepRecords;
        long position = InputEndpoint.NO_POSITION;

        Binding(final int index, final String name, final InputTable table, final InputEndpoint endpoint,
            final int bytes)
        {
            this.index = index;
            this.name = name;
            this.table = table;
            this.endpoint = endpoint;
            this.replayable = endpoint.replayable();
            this.usesToken = replayable && endpoint.usesPositionToken();
            this.token = usesToken ? new ExpandableDirectByteBuffer(64) : null;
            this.staging = new ZSetBatch(table.outputSchema(), bytes);
            this.stagingCursor = staging.cursor();
        }
    }

    private final Binding[] inputs;
    private final int maxBatchSizeRecords;
    private final long minBatchSizeRecords;
    private final long maxBufferingDelayNs;
    private long bufferedRecords;
    private long firstBufferedNs;
    private boolean endpointFull;
    private long stepCount;
    private long stepHash;
    private long notifiedDurableStep;

    InputStage(
        final Binding[] inputs,
        final int maxBatchSizeRecords,
        final long minBatchSizeRecords,
        final long maxBufferingDelayNs)
    {
        this.inputs = inputs;
        this.maxBatchSizeRecords = maxBatchSizeRecords;
        this.minBatchSizeRecords = minBatchSizeRecords;
        this.maxBufferingDelayNs = maxBufferingDelayNs;
    }

    int count()
    {
        return inputs.length;
    }

    Binding binding(final int index)
    {
        return inputs[index];
    }

    /** Opens every endpoint at its beginning. */
    void openFresh()
    {
        for (final Binding input : inputs)
        {
            input.endpoint.open(0);
            input.position = input.replayable ? 0 : InputEndpoint.NO_POSITION;
        }
    }

    /** Opens replayable endpoints at their checkpointed positions, the others fresh. */
    void openAt(final long[] positions)
    {
        openAt(positions, null);
    }

    /**
     * Opens replayable endpoints at their checkpointed positions and position tokens, the others fresh.
     *
     * @param tokens per endpoint its checkpointed token, null or empty for none; null for no tokens at all.
     */
    void openAt(final long[] positions, final byte[][] tokens)
    {
        for (final Binding input : inputs)
        {
            final long position = positions[input.index];
            final long resume = input.replayable && position != InputEndpoint.NO_POSITION ? position : 0;
            final byte[] token = null == tokens ? null : tokens[input.index];
            if (input.usesToken && null != token && token.length > 0)
            {
                input.endpoint.open(resume, new UnsafeBuffer(token), 0, token.length);
                input.token.putBytes(0, token);
                input.tokenLength = token.length;
            }
            else
            {
                input.endpoint.open(resume);
            }
            input.position = input.replayable ? position : InputEndpoint.NO_POSITION;
        }
    }

    /** Tells every endpoint that the circuit is live. */
    void live()
    {
        for (final Binding input : inputs)
        {
            input.endpoint.live();
        }
    }

    /** Replay: hands a token endpoint the token journaled with the step about to be replayed, its bound. */
    void replayBound(final Binding input, final long position, final DirectBuffer token, final int length)
    {
        if (input.usesToken)
        {
            input.endpoint.replayBound(position, token, 0, length);
        }
    }

    /**
     * Polls every endpoint with room left in this step.
     *
     * @return records polled.
     */
    int collect(final long nowNs)
    {
        int polled = 0;
        for (final Binding input : inputs)
        {
            final int room = maxBatchSizeRecords - input.stepRecords;
            if (room > 0)
            {
                final int count = input.endpoint.poll(input.staging, room, Long.MAX_VALUE);
                if (count > 0)
                {
                    input.stepRecords += count;
                    polled += count;
                    if (input.stepRecords >= maxBatchSizeRecords)
                    {
                        endpointFull = true;
                    }
                }
            }
        }
        if (polled > 0)
        {
            if (0 == bufferedRecords)
            {
                firstBufferedNs = nowNs;
            }
            bufferedRecords += polled;
        }
        return polled;
    }

    /** True if a live step should start now (the caller checks that outputs have room). */
    boolean readyToStep(final long nowNs)
    {
        if (0 == bufferedRecords)
        {
            return false;
        }
        return bufferedRecords >= minBatchSizeRecords ||
            endpointFull ||
            nowNs - firstBufferedNs >= maxBufferingDelayNs ||
            allEnded();
    }

    /** True if records are buffered for the coming step. */
    boolean hasBuffered()
    {
        return 0 != bufferedRecords;
    }

    boolean allEnded()
    {
        for (final Binding input : inputs)
        {
            if (!input.endpoint.endOfInput())
            {
                return false;
            }
        }
        return true;
    }

    /**
     * Fixes the live step's input: notes each endpoint's resume position, computes count and hash (only when
     * {@code hashed}: a pass over every input byte), and fills the journal record if there is one.
     *
     * @param record the step's journal record, reset by the caller, or null without a journal.
     * @param hashed whether to compute the hash.
     */
    void seal(final StepRecord record, final boolean hashed)
    {
        seal(record, hashed, false);
    }

    /**
     * As {@link #seal(StepRecord, boolean)}; a replayed step keeps the tokens the journal gave
     * ({@link #replayedToken}) instead of asking the endpoints.
     */
    void seal(final StepRecord record, final boolean hashed, final boolean replayed)
    {
        long count = 0;
        long hash = 0;
        for (final Binding input : inputs)
        {
            final ZSetBatch staging = input.staging;
            count += staging.size();
            if (hashed)
            {
                hash = Hashing.combine(hash, staging.contentHash());
            }
            input.position = input.replayable ? input.endpoint.position() : InputEndpoint.NO_POSITION;
            if (input.usesToken && !replayed)
            {
                input.tokenLength = input.endpoint.positionToken(input.token);
            }
            if (null != record)
            {
                if (input.usesToken)
                {
                    record.tokenForWrite(input.index).putBytes(0, input.token, 0, input.tokenLength);
                    record.tokenLength(input.index, input.tokenLength);
                }
                if (input.replayable)
                {
                    record.position(input.index, input.position);
                }
                else
                {
                    BatchCodec.encode(input.stagingCursor, record.dataForWrite(input.index, staging.byteLength()), 0);
                }
            }
        }
        stepCount = count;
        stepHash = hash;
    }

    /** Tells every endpoint that the live step {@code step} is sealed ({@link InputEndpoint#onStepSealed}). */
    void sealed(final long step)
    {
        for (final Binding input : inputs)
        {
            input.endpoint.onStepSealed(step);
        }
    }

    /** Tells every endpoint once the durable step advanced past what they were last told. */
    int durable(final long step)
    {
        if (step <= notifiedDurableStep)
        {
            return 0;
        }
        notifiedDurableStep = step;
        for (final Binding input : inputs)
        {
            input.endpoint.onStepsDurable(step);
        }
        return 1;
    }

    long stepCount()
    {
        return stepCount;
    }

    long stepHash()
    {
        return stepHash;
    }

    /**
     * The staged input's hash as journals written before 2026-12-03 computed it ({@link ZSetBatch#legacyContentHash}
     * per endpoint, combined in endpoint order); replay compares it when {@link #stepHash()} does not match.
     */
    long legacyStepHash()
    {
        long hash = 0;
        for (final Binding input : inputs)
        {
            hash = Hashing.combine(hash, input.staging.legacyContentHash());
        }
        return hash;
    }

    /** Moves the staged records into the tables' inputs, ready for the program's step. */
    void moveToTables()
    {
        for (final Binding input : inputs)
        {
            final ZSetBatch staging = input.staging;
            if (!staging.isEmpty())
            {
                input.table.input().addAll(staging, 1);
                staging.clear();
            }
            input.stepRecords = 0;
        }
    }

    /** After a step: nothing is buffered for the next one yet. */
    void stepDone()
    {
        bufferedRecords = 0;
        endpointFull = false;
    }

    /** Drops what was staged for a step that will not run. */
    void clearStaging()
    {
        for (final Binding input : inputs)
        {
            input.staging.clear();
        }
    }

    /**
     * Polls a replayable endpoint towards the position journaled for the step being replayed, without blocking.
     *
     * @return true once the endpoint is exactly at {@code target}.
     * @throws KeelException (RECOVERY_INPUT_OVERSHOOT) if it went past it.
     */
    boolean pollTowards(final Binding input, final long target, final long step, final String pipelineName)
    {
        long position = input.endpoint.position();
        if (position < target)
        {
            input.endpoint.poll(input.staging, Integer.MAX_VALUE, target);
            position = input.endpoint.position();
        }
        if (position > target)
        {
            throw new KeelException(KeelException.Category.RECOVERY, "RECOVERY_INPUT_OVERSHOOT", "pipeline '" +
                pipelineName + "': input endpoint '" + input.name + "' is at position " + position + ", beyond " +
                "position " + target + " journaled for step " + step);
        }
        if (position == target)
        {
            input.position = target;
            return true;
        }
        return false;
    }

    /** Replay: the token journaled for a step the endpoint reached, kept for a checkpoint at that boundary. */
    void replayedToken(final Binding input, final DirectBuffer token, final int length)
    {
        if (input.usesToken)
        {
            input.token.putBytes(0, token, 0, length);
            input.tokenLength = length;
        }
    }

    /** Names of the endpoints in journal order, for messages. */
    String names()
    {
        final StringBuilder names = new StringBuilder("[");
        for (final Binding input : inputs)
        {
            names.append(names.length() > 1 ? ", " : "").append(input.name);
        }
        return names.append(']').toString();
    }
}
