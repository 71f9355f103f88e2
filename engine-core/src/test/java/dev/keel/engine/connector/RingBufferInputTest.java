package dev.keel.engine.connector;

import dev.keel.engine.KeelException;
import dev.keel.engine.config.OnErrorPolicy;
import dev.keel.engine.data.Column;
import dev.keel.engine.data.ColumnType;
import dev.keel.engine.data.RowWriter;
import dev.keel.engine.data.Schema;
import dev.keel.engine.data.ZSetBatch;
import org.agrona.concurrent.CachedNanoClock;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.util.ArrayDeque;
import java.util.Deque;

import static org.junit.jupiter.api.Assertions.*;

class RingBufferInputTest
{
    private static final Schema SCHEMA = Schema.of(Column.of("v", ColumnType.INT64));

    /** Emits scripted actions, one per duty cycle step, as a transport would. */
    static final class ScriptedInput extends RingBufferInput
    {
        final Deque<Object> script = new ArrayDeque<>();
        final RowWriter writer = new RowWriter(SCHEMA);
        long openedAt = -1;
        long nextPosition;
        int refused;

        ScriptedInput(final int capacity)
        {
            super("scripted", SCHEMA, capacity, new CachedNanoClock());
        }

        protected void onOpen(final long resumePosition)
        {
            openedAt = resumePosition;
            nextPosition = resumePosition;
        }

        protected int produce(final long nowNs) throws IOException
        {
            int work = 0;
            while (!script.isEmpty())
            {
                final Object action = script.peekFirst();
                if (action instanceof Long)
                {
                    final long value = (Long)action;
                    writer.reset().putLong(0, value);
                    writer.finish();
                    if (!offerRecord(nextPosition + 10, value < 0 ? -1 : 1, writer.buffer(), 0, writer.length()))
                    {
                        refused++;
                        return work;
                    }
                    nextPosition += 10;
                }
                else if ("eof".equals(action))
                {
                    if (!offerEndOfInput(nextPosition + 3))
                    {
                        return work;
                    }
                }
                else if ("io".equals(action))
                {
                    script.pollFirst();
                    throw new IOException("disk on fire");
                }
                else if (action instanceof KeelException)
                {
                    script.pollFirst();
                    raise((KeelException)action);
                    return work + 1;
                }
                script.pollFirst();
                work++;
            }
            return work;
        }

        public void close()
        {
        }
    }

    /** A counter-positioned source of values 0..count-1, each 7 source bytes; negative values are malformed. */
    static final class CountedInput extends RingBufferInput
    {
        final RowWriter writer = new RowWriter(SCHEMA);
        final OnErrorPolicy onError;
        final long[] values;
        int next;

        CountedInput(final OnErrorPolicy onError, final long... values)
        {
            // the smallest queue: a few thousand records fit, so larger runs are held back
            super("counted", SCHEMA, 1 << 16, new CachedNanoClock());
            this.onError = onError;
            this.values = values;
        }

        protected void onOpen(final long resumePosition)
        {
        }

        protected int produce(final long nowNs)
        {
            if (!offerHeld())
            {
                return 0;
            }
            int work = 0;
            while (next < values.length)
            {
                final long value = values[next++];
                work++;
                if (value < 0)
                {
                    if (!skipOrFail(new KeelException(KeelException.Category.CONNECTOR, "CONNECTOR_PARSE_ERROR",
                        "endpoint 'counted': value " + value), onError))
                    {
                        return work;
                    }
                    continue;
                }
                writer.reset().putLong(0, value);
                writer.finish();
                if (!offerOrHold(offeredPosition() + 1, 0, 1, writer.buffer(), 0, writer.length(), 7))
                {
                    return work;
                }
            }
            if (offerEndOfInput(offeredPosition()))
            {
                work++;
            }
            return work;
        }

        public void close()
        {
        }
    }

    @Test
    void aHeldRecordGoesOutFirstAndCountedPositionsContinueFromTheResumePosition() throws Exception
    {
        final int count = 20_000;
        final long[] values = new long[count];
        for (int i = 0; i < count; i++)
        {
            values[i] = i;
        }
        final CountedInput input = new CountedInput(OnErrorPolicy.FAIL, values);
        final EndpointCounters counters = EndpointCounters.detached("counted");
        input.counters(counters);
        input.open(5);
        final ZSetBatch batch = new ZSetBatch(SCHEMA);
        long expected = 0;
        for (int cycle = 0; cycle < 10_000 && !input.endOfInput(); cycle++)
        {
            input.agent().doWork();
            batch.clear();
            input.poll(batch, 1000, Long.MAX_VALUE);
            final ZSetBatch.Cursor cursor = batch.cursor();
            while (cursor.next())
            {
                assertEquals(expected++, cursor.row().getLong(0), "in order, none lost or repeated");
            }
            assertEquals(5 + expected, input.position(), "the position counts records after the resume position");
        }
        assertEquals(count, expected);
        assertTrue(input.endOfInput());
        assertEquals(5 + count, input.position());
        assertEquals(7L * count, counters.bytes().get(), "source bytes counted once per record, held or not");
    }

    @Test
    void malformedRecordsAreSkippedAndCountedOrFailTheEndpoint() throws Exception
    {
        final CountedInput skipping = new CountedInput(OnErrorPolicy.SKIP, 1, -1, 2, -2, 3);
        skipping.open(0);
        skipping.agent().doWork();
        final ZSetBatch batch = new ZSetBatch(SCHEMA);
        assertEquals(3, skipping.poll(batch, 10, Long.MAX_VALUE));
        assertEquals(1 + 2 + 3, values(batch));
        assertEquals(2, skipping.skippedRecords());
        assertEquals(3, skipping.position());

        final CountedInput failing = new CountedInput(OnErrorPolicy.FAIL, 1, -1, 2);
        failing.open(0);
        failing.agent().doWork();
        batch.clear();
        assertEquals(1, failing.poll(batch, 10, Long.MAX_VALUE), "the record before the bad one is delivered");
        final KeelException e = assertThrows(KeelException.class, () -> failing.poll(batch, 10, Long.MAX_VALUE));
        assertEquals("CONNECTOR_PARSE_ERROR", e.code());
        assertTrue(e.getMessage().contains("endpoint 'counted': value -1"), e.getMessage());
        assertEquals(0, failing.skippedRecords());
    }

    private static long values(final ZSetBatch batch)
    {
        long sum = 0;
        final ZSetBatch.Cursor cursor = batch.cursor();
        while (cursor.next())
        {
            sum += cursor.row().getLong(0) * cursor.weight();
        }
        return sum;
    }

    @Test
    void agentIdlesUntilOpenedThenDeliversRecordsAndEndOfInput() throws Exception
    {
        final ScriptedInput input = new ScriptedInput(1 << 20);
        input.script.add(1L);
        input.script.add(-2L);
        input.script.add("eof");
        assertEquals(0, input.agent().doWork(), "no work before open");
        input.open(100);
        assertEquals(100, input.position());
        input.agent().doWork();
        final ZSetBatch batch = new ZSetBatch(SCHEMA);
        assertEquals(2, input.poll(batch, 10, Long.MAX_VALUE));
        assertEquals(1 + 2, values(batch));
        assertTrue(input.endOfInput(), "end of input read in the same poll");
        assertEquals(123, input.position(), "the final position may lie after the last record");
        assertEquals(0, input.poll(batch, 10, Long.MAX_VALUE));
    }

    @Test
    void endOfInputWaitsWhenTheStopPositionIsTheLastRecord() throws Exception
    {
        final ScriptedInput input = new ScriptedInput(1 << 20);
        input.script.add(1L);
        input.script.add("eof");
        input.open(0);
        input.agent().doWork();
        final ZSetBatch batch = new ZSetBatch(SCHEMA);
        assertEquals(1, input.poll(batch, 10, 10));
        assertFalse(input.endOfInput());
        assertEquals(10, input.position());
        assertEquals(0, input.poll(batch, 10, 13));
        assertTrue(input.endOfInput());
        assertEquals(13, input.position());
    }

    @Test
    void pollHonoursMaxRecordsAndStopPosition() throws Exception
    {
        final ScriptedInput input = new ScriptedInput(1 << 20);
        for (long i = 1; i <= 10; i++)
        {
            input.script.add(i);
        }
        input.open(0);
        input.agent().doWork();
        final ZSetBatch batch = new ZSetBatch(SCHEMA);
        assertEquals(3, input.poll(batch, 3, Long.MAX_VALUE));
        assertEquals(30, input.position());
        batch.clear();
        assertEquals(2, input.poll(batch, 100, 50));
        assertEquals(50, input.position());
        assertEquals(0, input.poll(batch, 100, 50));
        assertEquals(0, input.poll(batch, 0, Long.MAX_VALUE));
        batch.clear();
        assertEquals(5, input.poll(batch, 100, Long.MAX_VALUE));
        assertEquals(6 + 7 + 8 + 9 + 10, values(batch));
    }

    @Test
    void fullQueueRefusesAndTheRecordIsOfferedAgain() throws Exception
    {
        final ScriptedInput input = new ScriptedInput(1 << 20);
        final int count = 40_000;
        for (long i = 1; i <= count; i++)
        {
            input.script.add(i);
        }
        input.open(0);
        input.agent().doWork();
        assertTrue(input.refused > 0, "the queue filled up");
        final ZSetBatch batch = new ZSetBatch(SCHEMA);
        long total = 0;
        for (int i = 0; i < 1000 && input.position() < count * 10L; i++)
        {
            batch.clear();
            input.poll(batch, 1000, Long.MAX_VALUE);
            total += values(batch);
            input.agent().doWork();
        }
        assertEquals((long)count * (count + 1) / 2, total);
    }

    @Test
    void errorArrivesAfterTheRecordsBeforeItEvenWhenTheQueueWasFull() throws Exception
    {
        final ScriptedInput input = new ScriptedInput(1 << 20);
        for (long i = 1; i <= 40_000; i++)
        {
            input.script.add(i);
        }
        final KeelException error = new KeelException(KeelException.Category.CONNECTOR, "X", "bad record");
        input.script.add(error);
        input.open(0);
        final ZSetBatch batch = new ZSetBatch(SCHEMA);
        long polled = 0;
        KeelException caught = null;
        for (int i = 0; i < 10_000 && null == caught; i++)
        {
            input.agent().doWork();
            try
            {
                batch.clear();
                polled += input.poll(batch, 777, Long.MAX_VALUE);
            }
            catch (final KeelException e)
            {
                caught = e;
            }
        }
        assertSame(error, caught);
        assertEquals(40_000, polled, "every record before the error was delivered");
        assertSame(error, assertThrows(KeelException.class, () -> input.poll(batch, 1, Long.MAX_VALUE)));
        assertEquals(0, input.agent().doWork(), "the agent stops after an error");
    }

    @Test
    void exceptionsEscapingTheTransportAreRaisedNotLost() throws Exception
    {
        final ScriptedInput input = new ScriptedInput(1 << 20);
        input.script.add(5L);
        input.script.add("io");
        input.open(0);
        input.agent().doWork();
        input.agent().doWork();
        final ZSetBatch batch = new ZSetBatch(SCHEMA);
        assertEquals(1, input.poll(batch, 10, Long.MAX_VALUE));
        final KeelException e = assertThrows(KeelException.class, () -> input.poll(batch, 10, Long.MAX_VALUE));
        assertEquals(KeelException.Category.CONNECTOR, e.category());
        assertEquals("[CONNECTOR_IO_ERROR] endpoint 'scripted': java.io.IOException: disk on fire", e.getMessage());
        assertInstanceOf(IOException.class, e.getCause());
    }

    @Test
    void stopPositionBetweenRecordBoundariesIsAMismatch() throws Exception
    {
        final ScriptedInput input = new ScriptedInput(1 << 20);
        input.script.add(1L);
        input.script.add(2L);
        input.open(0);
        input.agent().doWork();
        final ZSetBatch batch = new ZSetBatch(SCHEMA);
        assertEquals(1, input.poll(batch, 10, 15));
        final KeelException e = assertThrows(KeelException.class, () -> input.poll(batch, 10, 15));
        assertEquals("CONNECTOR_POSITION_MISMATCH", e.code());
        assertEquals(10, input.position());
    }

    @Test
    void queueCapacityIsAPowerOfTwoWithinBounds()
    {
        assertEquals(1 << 20, RingBufferInput.queueCapacityFor(SCHEMA, 1));
        final int capacity = RingBufferInput.queueCapacityFor(SCHEMA, 1_000_000);
        assertEquals(1, Integer.bitCount(capacity));
        assertTrue(capacity >= 1_000_000 * (8 + 16 + SCHEMA.fixedLength()));
        assertEquals(1 << 30, RingBufferInput.queueCapacityFor(SCHEMA, Integer.MAX_VALUE));
    }
}
