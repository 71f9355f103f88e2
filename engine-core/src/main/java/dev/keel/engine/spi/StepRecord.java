package dev.keel.engine.spi;

import org.agrona.DirectBuffer;
import org.agrona.ExpandableDirectByteBuffer;
import org.agrona.MutableDirectBuffer;

/**
 * One journaled step, as the circuit hands it to a {@link Journal} and gets it back on replay.
 * <p>
 * A reusable holder: the circuit fills one instance per step and the journal encodes it (the
 * encoding is the journal's business, SBE in {@code wal-aeron}). For every input endpoint, by its
 * index in the program, the record carries either the endpoint's resume position after the step
 * (replayable sources) or the raw bytes the endpoint delivered in the step (non-replayable
 * sources). {@link #inputCount()} and {@link #inputHash()} let replay verify that it reproduced the
 * same input. A replayable endpoint that {@linkplain dev.keel.engine.connector.InputEndpoint#usesPositionToken()
 * uses position tokens} also has its token after the step ({@link #tokenLength(int)}, 0 for every other one).
 */
public final class StepRecord
{
    /** Marks an endpoint whose step input is carried as data rather than as a position. */
    public static final long NO_POSITION = -1;

    private long step;
    private long transactionId;
    private long inputCount;
    private long inputHash;
    private int endpointCount;
    private long[] positions = new long[4];
    private ExpandableDirectByteBuffer[] data = new ExpandableDirectByteBuffer[4];
    private int[] dataLengths = new int[4];
    private ExpandableDirectByteBuffer[] tokens = new ExpandableDirectByteBuffer[4];
    private int[] tokenLengths = new int[4];

    public StepRecord reset(final long step, final long transactionId, final int endpointCount)
    {
        this.step = step;
        this.transactionId = transactionId;
        this.inputCount = 0;
        this.inputHash = 0;
        ensureEndpoints(endpointCount);
        this.endpointCount = endpointCount;
        for (int i = 0; i < endpointCount; i++)
        {
            positions[i] = NO_POSITION;
            dataLengths[i] = 0;
            tokenLengths[i] = 0;
        }
        return this;
    }

    public long step()
    {
        return step;
    }

    public long transactionId()
    {
        return transactionId;
    }

    public long inputCount()
    {
        return inputCount;
    }

    public long inputHash()
    {
        return inputHash;
    }

    public StepRecord inputCount(final long inputCount)
    {
        this.inputCount = inputCount;
        return this;
    }

    public StepRecord inputHash(final long inputHash)
    {
        this.inputHash = inputHash;
        return this;
    }

    public int endpointCount()
    {
        return endpointCount;
    }

    /** Resume position of the endpoint after this step, or {@link #NO_POSITION} if it carries data. */
    public long position(final int endpoint)
    {
        checkEndpoint(endpoint);
        return positions[endpoint];
    }

    public StepRecord position(final int endpoint, final long position)
    {
        checkEndpoint(endpoint);
        positions[endpoint] = position;
        return this;
    }

    /** Length of the raw input bytes carried for the endpoint (0 if none). */
    public int dataLength(final int endpoint)
    {
        checkEndpoint(endpoint);
        return dataLengths[endpoint];
    }

    /** Buffer holding the raw input bytes of the endpoint, valid for {@link #dataLength(int)} bytes. */
    public DirectBuffer data(final int endpoint)
    {
        checkEndpoint(endpoint);
        return dataBuffer(endpoint);
    }

    /** Sets the endpoint's raw input bytes by copying them. */
    public StepRecord data(final int endpoint, final DirectBuffer src, final int offset, final int length)
    {
        checkEndpoint(endpoint);
        final MutableDirectBuffer dst = dataBuffer(endpoint);
        dst.putBytes(0, src, offset, length);
        dataLengths[endpoint] = length;
        positions[endpoint] = NO_POSITION;
        return this;
    }

    /** Direct access for decoders: the buffer to fill with {@code length} bytes of endpoint data. */
    public MutableDirectBuffer dataForWrite(final int endpoint, final int length)
    {
        checkEndpoint(endpoint);
        final ExpandableDirectByteBuffer dst = dataBuffer(endpoint);
        dst.checkLimit(length);
        dataLengths[endpoint] = length;
        positions[endpoint] = NO_POSITION;
        return dst;
    }

    /** Length of the endpoint's position token after this step (0 = none). */
    public int tokenLength(final int endpoint)
    {
        checkEndpoint(endpoint);
        return tokenLengths[endpoint];
    }

    /** Buffer holding the endpoint's position token, valid for {@link #tokenLength(int)} bytes. */
    public DirectBuffer token(final int endpoint)
    {
        checkEndpoint(endpoint);
        return tokenBuffer(endpoint);
    }

    /**
     * The expandable buffer to write the endpoint's token into from index 0; then set its length with
     * {@link #tokenLength(int, int)}.
     */
    public MutableDirectBuffer tokenForWrite(final int endpoint)
    {
        checkEndpoint(endpoint);
        return tokenBuffer(endpoint);
    }

    /** Sets the length of the token written through {@link #tokenForWrite(int)}. */
    public StepRecord tokenLength(final int endpoint, final int length)
    {
        checkEndpoint(endpoint);
        tokenBuffer(endpoint).checkLimit(length);
        tokenLengths[endpoint] = length;
        return this;
    }

    private ExpandableDirectByteBuffer tokenBuffer(final int endpoint)
    {
        ExpandableDirectByteBuffer buffer = tokens[endpoint];
        if (null == buffer)
        {
            buffer = new ExpandableDirectByteBuffer(64);
            tokens[endpoint] = buffer;
        }
        return buffer;
    }

    private ExpandableDirectByteBuffer dataBuffer(final int endpoint)
    {
        ExpandableDirectByteBuffer buffer = data[endpoint];
        if (null == buffer)
        {
            buffer = new ExpandableDirectByteBuffer(256);
            data[endpoint] = buffer;
        }
        return buffer;
    }

    private void ensureEndpoints(final int count)
    {
        if (count > positions.length)
        {
            final int newLength = Math.max(count, positions.length * 2);
            positions = java.util.Arrays.copyOf(positions, newLength);
            data = java.util.Arrays.copyOf(data, newLength);
            dataLengths = java.util.Arrays.copyOf(dataLengths, newLength);
            tokens = java.util.Arrays.copyOf(tokens, newLength);
            tokenLengths = java.util.Arrays.copyOf(tokenLengths, newLength);
        }
    }

    private void checkEndpoint(final int endpoint)
    {
        if (endpoint < 0 || endpoint >= endpointCount)
        {
            throw new IndexOutOfBoundsException("endpoint=" + endpoint + " endpointCount=" + endpointCount);
        }
    }

    public String toString()
    {
        return "StepRecord{step=" + step + ", transactionId=" + transactionId + ", inputCount=" + inputCount +
            ", inputHash=" + Long.toHexString(inputHash) + ", endpoints=" + endpointCount + '}';
    }
}
