package dev.keel.engine.api;

import dev.keel.engine.connector.InputEndpoint;
import dev.keel.engine.data.RowWriter;
import dev.keel.engine.data.Schema;
import dev.keel.engine.data.ZSetBatch;
import org.agrona.concurrent.Agent;
import org.agrona.concurrent.UnsafeBuffer;
import org.agrona.concurrent.ringbuffer.OneToOneRingBuffer;
import org.agrona.concurrent.ringbuffer.RingBufferDescriptor;

import java.nio.ByteBuffer;

/**
 * Input endpoint with its own agent, like a file reader: the agent "reads" ids 0..count-1, a few per duty
 * cycle, into a ring buffer that {@link #poll} drains. It can fail at a given id.
 */
final class AgentInputEndpoint implements InputEndpoint
{
    private final String name;
    private final RowWriter writer;
    private final long count;
    private final long failAtId;
    private final OneToOneRingBuffer ring = new OneToOneRingBuffer(
        new UnsafeBuffer(ByteBuffer.allocateDirect(4096 + RingBufferDescriptor.TRAILER_LENGTH)));
    private final UnsafeBuffer scratch = new UnsafeBuffer(new byte[8]);
    private volatile boolean allRead;
    private volatile Thread agentThread;

    AgentInputEndpoint(final String name, final Schema schema, final long count, final long failAtId)
    {
        this.name = name;
        this.writer = new RowWriter(schema);
        this.count = count;
        this.failAtId = failAtId;
    }

    Thread agentThread()
    {
        return agentThread;
    }

    public String name()
    {
        return name;
    }

    public boolean replayable()
    {
        return false;
    }

    public void open(final long resumePosition)
    {
    }

    public int poll(final ZSetBatch out, final int maxRecords, final long stopAtPosition)
    {
        return ring.read((msgTypeId, buffer, index, length) ->
        {
            writer.reset().putLong(0, buffer.getLong(index)).putString(1, name).finish();
            out.add(writer, 1);
        }, maxRecords);
    }

    public long position()
    {
        return NO_POSITION;
    }

    public boolean endOfInput()
    {
        return allRead && ring.size() == 0;
    }

    public long skippedRecords()
    {
        return 0;
    }

    public Agent agent()
    {
        return new Agent()
        {
            private long next;

            public int doWork()
            {
                agentThread = Thread.currentThread();
                int work = 0;
                while (work < 7 && next < count)
                {
                    if (next == failAtId)
                    {
                        throw new IllegalStateException("endpoint '" + name + "': read error at record " + next);
                    }
                    scratch.putLong(0, next);
                    if (!ring.write(1, scratch, 0, 8))
                    {
                        break;
                    }
                    next++;
                    work++;
                }
                if (next == count)
                {
                    allRead = true;
                }
                return work;
            }

            public String roleName()
            {
                return "reader-" + name;
            }
        };
    }

    public void close()
    {
    }
}
