package dev.keel.wal;

import dev.keel.engine.KeelException;
import dev.keel.engine.spi.StepRecord;

import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;

import static dev.keel.engine.KeelException.Category.STORAGE;

/**
 * Read-only listing of every record of a journal directory, for {@code keel journal dump --storage PATH}.
 * <p>
 * Reads the archive catalog and segment files directly ({@code ArchiveCatalog}, {@code RecordingScanner}); it
 * never launches an archive (that would write the mark file) and opens every file read-only, so it modifies
 * nothing under the directory. Run it while no node owns the directory: a running node appends concurrently, and
 * the listing would end at whatever the recorder had written when the walk got there.
 * <p>
 * Output, one line each, stable (fields separated by one space, always in this order):
 * <pre>
 * # keel journal dir=&lt;journalDir&gt; recording=&lt;id&gt; start=&lt;position&gt; stop=&lt;position|none&gt; termLength=&lt;n&gt; segmentFileLength=&lt;n&gt;
 * position=&lt;p&gt; end=&lt;p&gt; step=&lt;n&gt; txn=&lt;n&gt; inputCount=&lt;n&gt; inputHash=&lt;16 hex digits&gt; endpoints=[&lt;i&gt;:pos=&lt;p&gt;|&lt;i&gt;:data=&lt;bytes&gt;,...]
 * ...                                   (one line per record, in journal order)
 * # end position=&lt;p&gt; records=&lt;n&gt;
 * </pre>
 * {@code position} is where the record starts and {@code end} the position after it (what {@code append}
 * returned); {@code stop=none} means the last process did not close the journal cleanly. Lines starting with
 * {@code #} are comments. When the recording cannot be read to its end, the last line is
 * {@code # torn tail: <problem>} (a record cut short by a crash, dropped at the next open) or
 * {@code # corrupt: <problem>}, and then {@link #dump(Path, PrintStream)} throws {@code JOURNAL_CORRUPT}.
 * Without a journal the only line is {@code # no journal in <journalDir>}.
 */
public final class JournalDump
{
    private JournalDump()
    {
    }

    /**
     * Lists the journal under {@code journalDir} (the directory given to {@link AeronJournal.Context#journalDir}).
     *
     * @throws KeelException {@code JOURNAL_CORRUPT} after listing what can be read, if the journal is damaged.
     */
    public static void dump(final Path journalDir, final PrintStream out)
    {
        final Path archiveDir = JournalLayout.archiveDir(journalDir);
        final ArchiveCatalog.Recording recording = Files.isDirectory(archiveDir) ?
            ArchiveCatalog.findJournalRecording(archiveDir, JournalLayout.STREAM_ID) : null;
        if (null == recording)
        {
            out.println("# no journal in " + journalDir);
            return;
        }

        out.println("# keel journal dir=" + journalDir + " recording=" + recording.recordingId +
            " start=" + recording.startPosition +
            " stop=" + (recording.hasStopPosition() ? Long.toString(recording.stopPosition) : "none") +
            " termLength=" + recording.termBufferLength + " segmentFileLength=" + recording.segmentFileLength);

        final StepRecord record = new StepRecord();
        final StringBuilder line = new StringBuilder(256);
        try (RecordingScanner scanner = new RecordingScanner(archiveDir, recording))
        {
            final long limit = recording.hasStopPosition() ? recording.stopPosition : RecordingScanner.UNBOUNDED;
            final RecordingScanner.Result result = scanner.walk(
                recording.startPosition,
                limit,
                (position, endPosition, adapter) -> out.println(format(line, position, endPosition, adapter.decode(record))));

            if (result.isClean())
            {
                out.println("# end position=" + result.endPosition + " records=" + result.recordCount);
            }
            else if (!recording.hasStopPosition() && !scanner.hasVerifiedRecordAfter(result.problemPosition, limit))
            {
                out.println("# torn tail: " + result.describeProblem());
            }
            else
            {
                out.println("# corrupt: " + result.describeProblem());
                throw new KeelException(STORAGE, "JOURNAL_CORRUPT",
                    "journal in " + journalDir + " is damaged: " + result.describeProblem());
            }
        }
    }

    /** {@code keel journal dump} entry point: one argument, the journal directory. */
    public static void main(final String[] args)
    {
        if (1 != args.length)
        {
            System.err.println("usage: JournalDump <journalDir>");
            System.exit(2);
        }

        try
        {
            dump(Path.of(args[0]), System.out);
        }
        catch (final KeelException ex)
        {
            System.out.flush();
            System.err.println(ex.getMessage());
            System.exit(1);
        }
    }

    static String format(final StringBuilder line, final long position, final long endPosition, final StepRecord record)
    {
        line.setLength(0);
        line.append("position=").append(position)
            .append(" end=").append(endPosition)
            .append(" step=").append(record.step())
            .append(" txn=").append(record.transactionId())
            .append(" inputCount=").append(record.inputCount())
            .append(" inputHash=");
        final String hex = Long.toHexString(record.inputHash());
        for (int i = hex.length(); i < 16; i++)
        {
            line.append('0');
        }
        line.append(hex).append(" endpoints=[");

        for (int i = 0; i < record.endpointCount(); i++)
        {
            if (i > 0)
            {
                line.append(',');
            }
            line.append(i);
            final long endpointPosition = record.position(i);
            if (StepRecord.NO_POSITION == endpointPosition)
            {
                line.append(":data=").append(record.dataLength(i));
            }
            else
            {
                line.append(":pos=").append(endpointPosition);
            }
        }

        return line.append(']').toString();
    }
}
