package dev.keel.wal;

import dev.keel.engine.spi.StepRecord;
import org.agrona.concurrent.UnsafeBuffer;

import java.io.PrintStream;
import java.nio.file.Path;

/**
 * Child process of {@link JournalCrashTest}: opens the journal, appends records of {@link JournalTestSupport}
 * in batches for ever and prints {@code D <step> <endPosition>} each time {@code durablePosition()} covers a further step.
 * The parent kills it with SIGKILL.
 */
public final class JournalCrashChild
{
    private static final int WINDOW = 1 << 16;

    private JournalCrashChild()
    {
    }

    public static void main(final String[] args)
    {
        final PrintStream out = System.out;
        final StepRecord record = new StepRecord();
        final UnsafeBuffer scratch = new UnsafeBuffer(new byte[4096]);
        final long[] ends = new long[WINDOW];

        try (AeronJournal journal = AeronJournal.launch(new AeronJournal.Context().journalDir(Path.of(args[0]))))
        {
            out.println("READY " + journal.position());
            out.flush();
            final java.util.Random random = new java.util.Random(Long.parseLong(args[2]));
            long step = Long.parseLong(args[1]);
            long reported = step;
            long previousBatchEnd = journal.position();
            while (true)
            {
                // group commit as the circuit does it: a batch of steps, then wait only for the batch before it, so
                // one batch is always in flight when the kill comes
                final int batch = 1 + random.nextInt(64);
                for (int i = 0; i < batch; i++)
                {
                    step++;
                    ends[(int)(step & (WINDOW - 1))] = journal.append(JournalTestSupport.fill(record, step, scratch));
                }

                long durable;
                while ((durable = journal.durablePosition()) < previousBatchEnd)
                {
                    Thread.onSpinWait();
                }
                previousBatchEnd = journal.position();

                final long before = reported;
                while (reported < step && ends[(int)((reported + 1) & (WINDOW - 1))] <= durable)
                {
                    reported++;
                }
                if (reported != before)
                {
                    out.println("D " + reported + " " + ends[(int)(reported & (WINDOW - 1))]);
                    out.flush();
                }
            }
        }
    }
}
