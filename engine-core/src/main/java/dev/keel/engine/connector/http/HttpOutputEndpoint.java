package dev.keel.engine.connector.http;

import dev.keel.engine.connector.EndpointCounters;
import dev.keel.engine.connector.OutputEndpoint;
import dev.keel.engine.data.Schema;
import dev.keel.engine.data.ZSetBatch;

import java.util.Arrays;

/**
 * The {@code http_output} endpoint of one view: every change the view makes is copied to each connected
 * {@link EgressClient} ({@code GET .../egress/{view}}); without clients an offer costs one volatile read.
 * <p>
 * <b>No fault tolerance.</b> A client sees the changes of the transactions offered after it connected, as the
 * circuit offers them (with {@code exactly_once}, once they are durable); nothing is kept for a client that was not
 * connected, and a restart does not resend anything. The endpoint accepts every offer at once and reports it
 * delivered: it never holds back the pipeline or its checkpoints.
 * <p>
 * <b>Slow clients.</b> Each client has a bounded buffer ({@code client_buffer_bytes}); one that falls behind by
 * more is dropped (its stream ends with an error line), never waited for.
 */
public final class HttpOutputEndpoint implements OutputEndpoint
{
    /** Default of {@code client_buffer_bytes}: 4 MiB. */
    public static final int DEFAULT_CLIENT_BUFFER_BYTES = 4 << 20;

    private static final EgressClient[] NO_CLIENTS = new EgressClient[0];

    private final String name;
    private final String view;
    private final Schema schema;
    private final int clientBufferBytes;
    private final HttpEndpoints registry;
    private volatile EgressClient[] clients = NO_CLIENTS;
    private EndpointCounters counters;
    private boolean closed;

    // circuit thread
    private long deliveredTransactionId;
    private ZSetBatch[] cursorBatches = new ZSetBatch[8];
    private ZSetBatch.Cursor[] cursors = new ZSetBatch.Cursor[8];
    private int cursorCount;

    HttpOutputEndpoint(
        final String name, final String view, final Schema schema, final int clientBufferBytes,
        final HttpEndpoints registry)
    {
        this.name = name;
        this.view = view;
        this.schema = schema;
        this.clientBufferBytes = clientBufferBytes;
        this.registry = registry;
        this.counters = EndpointCounters.detached(name);
        registry.register(this);
    }

    public String name()
    {
        return name;
    }

    /** @return the view streamed. */
    public String view()
    {
        return view;
    }

    /** @return the schema of the view's rows. */
    public Schema schema()
    {
        return schema;
    }

    /**
     * Connects a client: it gets the changes of the transactions offered from now on. Any thread.
     *
     * @return the client; close it when the connection ends.
     * @throws IllegalStateException if the endpoint is closed.
     */
    public synchronized EgressClient subscribe()
    {
        if (closed)
        {
            throw new IllegalStateException("view '" + view + "': the pipeline is closed");
        }
        final EgressClient client = new EgressClient(this, schema, clientBufferBytes);
        final EgressClient[] current = clients;
        final EgressClient[] next = Arrays.copyOf(current, current.length + 1);
        next[current.length] = client;
        clients = next;
        return client;
    }

    /** @return the clients connected now. */
    public int clientCount()
    {
        return clients.length;
    }

    synchronized void unsubscribe(final EgressClient client)
    {
        final EgressClient[] current = clients;
        for (int i = 0; i < current.length; i++)
        {
            if (current[i] == client)
            {
                final EgressClient[] next = new EgressClient[current.length - 1];
                System.arraycopy(current, 0, next, 0, i);
                System.arraycopy(current, i + 1, next, i, current.length - i - 1);
                clients = next;
                return;
            }
        }
    }

    /**
     * Records and errors, counted on the circuit thread: rows copied to at least one client, and clients dropped
     * for falling behind.
     */
    public void counters(final EndpointCounters counters)
    {
        this.counters = counters;
    }

    public void open()
    {
        deliveredTransactionId = 0;
    }

    public void restore(final long position, final long transactionId)
    {
        deliveredTransactionId = transactionId;
    }

    public boolean offer(final long transactionId, final ZSetBatch delta)
    {
        if (transactionId <= deliveredTransactionId)
        {
            return true;
        }
        final EgressClient[] current = clients;
        if (current.length > 0 && !delta.isEmpty())
        {
            final ZSetBatch.Cursor cursor = cursorOf(delta);
            for (final EgressClient client : current)
            {
                if (null == client.dropReason() && !client.write(cursor, transactionId))
                {
                    counters.errors().incrementRelease();
                }
            }
            counters.records().getAndAddRelease(delta.size());
        }
        deliveredTransactionId = transactionId;
        return true;
    }

    private ZSetBatch.Cursor cursorOf(final ZSetBatch batch)
    {
        for (int i = 0; i < cursorCount; i++)
        {
            if (cursorBatches[i] == batch)
            {
                return cursors[i];
            }
        }
        if (cursorCount == cursorBatches.length)
        {
            cursorBatches = Arrays.copyOf(cursorBatches, cursorCount * 2);
            cursors = Arrays.copyOf(cursors, cursorCount * 2);
        }
        cursorBatches[cursorCount] = batch;
        cursors[cursorCount] = batch.cursor();
        return cursors[cursorCount++];
    }

    public long deliveredTransactionId()
    {
        return deliveredTransactionId;
    }

    public long deliveredPosition()
    {
        return 0;
    }

    public void flush()
    {
    }

    public void checkError()
    {
    }

    public void close()
    {
        final EgressClient[] current;
        synchronized (this)
        {
            closed = true;
            current = clients;
            clients = NO_CLIENTS;
        }
        for (final EgressClient client : current)
        {
            client.endpointClosed();
        }
        registry.unregister(this);
    }
}
