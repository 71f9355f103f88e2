package dev.keel.wal;

import dev.keel.engine.spi.StepRecord;
import org.agrona.concurrent.UnsafeBuffer;

import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * Deterministic step records: everything in record {@code step} follows from the step number, so a test (or a
 * killed child process) can check a replayed record without remembering what was written.
 */
final class JournalTestSupport
{
    private JournalTestSupport()
    {
    }

    /** Fills {@code record} for {@code step}: 1-3 endpoints, some positions, some data of 0-200 bytes. */
    static StepRecord fill(final StepRecord record, final long step, final UnsafeBuffer scratch)
    {
        final int endpoints = 1 + (int)(step % 3);
        record.reset(step, 1000 + step, endpoints)
            .inputCount(step * 7)
            .inputHash(mix(step));
        for (int i = 0; i < endpoints; i++)
        {
            if (((step + i) & 1) == 0)
            {
                record.position(i, step * 100 + i);
            }
            else
            {
                final int length = (int)((step * 31 + i * 17) % 201);
                for (int b = 0; b < length; b++)
                {
                    scratch.putByte(b, (byte)(step + i + b));
                }
                record.data(i, scratch, 0, length);
            }
        }
        return record;
    }

    /** Asserts that {@code record} is exactly what {@link #fill} writes for its step. */
    static void assertRecord(final long expectedStep, final StepRecord record)
    {
        assertEquals(expectedStep, record.step(), "step");
        final StepRecord expected = fill(new StepRecord(), expectedStep, new UnsafeBuffer(new byte[256]));
        assertEquals(expected.transactionId(), record.transactionId(), "transactionId of step " + expectedStep);
        assertEquals(expected.inputCount(), record.inputCount(), "inputCount of step " + expectedStep);
        assertEquals(expected.inputHash(), record.inputHash(), "inputHash of step " + expectedStep);
        assertEquals(expected.endpointCount(), record.endpointCount(), "endpoints of step " + expectedStep);
        for (int i = 0; i < expected.endpointCount(); i++)
        {
            assertEquals(expected.position(i), record.position(i), "position of endpoint " + i + " step " + expectedStep);
            assertEquals(expected.dataLength(i), record.dataLength(i), "data length of endpoint " + i);
            for (int b = 0; b < expected.dataLength(i); b++)
            {
                assertEquals(expected.data(i).getByte(b), record.data(i).getByte(b), "data byte " + b + " endpoint " + i);
            }
        }
    }

    static long mix(final long step)
    {
        long h = step * 0x9E3779B97F4A7C15L;
        h ^= h >>> 31;
        return h * 0xBF58476D1CE4E5B9L;
    }

    /** One replayed record: its step and the position after it. */
    static final class Replayed
    {
        final long step;
        final long endPosition;

        Replayed(final long step, final long endPosition)
        {
            this.step = step;
            this.endPosition = endPosition;
        }
    }

    /** Replays from {@code from}, checks every record against {@link #fill} and returns (step, end) pairs. */
    static List<Replayed> replayAll(final AeronJournal journal, final long from)
    {
        final List<Replayed> replayed = new ArrayList<>();
        journal.replay(from, (endPosition, record) ->
        {
            assertRecord(record.step(), record);
            replayed.add(new Replayed(record.step(), endPosition));
        });
        return replayed;
    }

    static void awaitDurable(final AeronJournal journal, final long position)
    {
        final long deadline = System.nanoTime() + 10_000_000_000L;
        while (journal.durablePosition() < position)
        {
            if (System.nanoTime() > deadline)
            {
                throw new AssertionError("durable position " + journal.durablePosition() + " did not reach " + position);
            }
            Thread.onSpinWait();
        }
    }
}
