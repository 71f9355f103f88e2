package dev.keel.engine.connector;

import dev.keel.engine.KeelException;
import dev.keel.engine.data.Schema;
import dev.keel.engine.data.ZSetBatch;

/**
 * Base of the output endpoints that deliver on their own agent from an {@link OutputQueue} ({@code file_output},
 * {@code kafka_output}, {@code delta_table_output}): the queue, the endpoint's name and counters, flush requests and
 * the agent's error, so that every one of them offers, flushes and fails the same way. The offer protocol is the
 * queue's ({@link OutputQueue}); errors read {@code endpoint '<name>': <target>: <message>}.
 * <p>
 * Threads: {@link #offer}, {@link #flush()} and {@link #checkError()} run on the circuit thread; the agent reads
 * {@link #flushRequests()} and {@link #isOpened()}, writes the {@link #endpointCounters() counters} and
 * {@link #publishError publishes} its error.
 */
public abstract class QueuedOutputEndpoint implements OutputEndpoint
{
    /** The endpoint's name. */
    protected final String name;
    /** The hand-over queue from the circuit thread to the agent. */
    protected final OutputQueue queue;
    private final String target;

    // set before open; the agent writes records, bytes, errors and buffered
    private EndpointCounters counters;

    // shared
    private volatile boolean opened;
    private volatile long flushRequests;
    private volatile KeelException error;

    /**
     * @param name               the endpoint's name.
     * @param target             what it writes to, for errors: a file path, {@code topic t}, {@code table u}.
     * @param schema             schema of the view it drains.
     * @param queueCapacityBytes capacity of the hand-over queue.
     */
    protected QueuedOutputEndpoint(
        final String name, final String target, final Schema schema, final int queueCapacityBytes)
    {
        this.name = name;
        this.target = target;
        this.queue = new OutputQueue(name, target, schema, queueCapacityBytes);
        this.counters = EndpointCounters.detached(name);
    }

    public final String name()
    {
        return name;
    }

    /** The agent publishes records and bytes delivered, errors, and the queue's rows and bytes as buffered. */
    public final void counters(final EndpointCounters counters)
    {
        this.counters = counters;
    }

    /** Queues the delta, or the part of it that fits; see {@link OutputQueue} for the protocol. */
    public final boolean offer(final long transactionId, final ZSetBatch delta)
    {
        return queue.offer(transactionId, delta);
    }

    public final void flush()
    {
        flushRequests = flushRequests + 1;
    }

    public final void checkError()
    {
        final KeelException e = error;
        if (null != e)
        {
            throw e;
        }
    }

    /** @return the counters to publish to (detached ones until the pipeline hands real ones). */
    protected final EndpointCounters endpointCounters()
    {
        return counters;
    }

    /** Circuit thread, at open or restore: the agent may start. */
    protected final void markOpened()
    {
        opened = true;
    }

    /** @return true once opened or restored. */
    protected final boolean isOpened()
    {
        return opened;
    }

    /** @return flushes requested so far; the agent compares it with the ones it did. */
    protected final long flushRequests()
    {
        return flushRequests;
    }

    /** Agent thread: keeps the error; the circuit thread raises it from {@link #checkError()}. */
    protected final void publishError(final KeelException e)
    {
        error = e;
    }

    /**
     * A connector error naming the endpoint and its target.
     *
     * @return {@code endpoint '<name>': <target>: <message>} with the code and cause.
     */
    protected final KeelException error(final String code, final String message, final Throwable cause)
    {
        return new KeelException(KeelException.Category.CONNECTOR, code,
            "endpoint '" + name + "': " + target + ": " + message, cause);
    }
}
