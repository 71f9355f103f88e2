package dev.keel.wal;

import dev.keel.engine.KeelException;
import dev.keel.engine.spi.StepRecord;
import org.agrona.concurrent.UnsafeBuffer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Map;
import java.util.TreeMap;
import java.util.stream.Stream;
import java.util.zip.CRC32;

import static dev.keel.wal.JournalTestSupport.fill;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class JournalDumpTest
{
    private static final int SEGMENT = 64 * 1024;

    @TempDir
    Path dir;

    private final StepRecord record = new StepRecord();
    private final UnsafeBuffer scratch = new UnsafeBuffer(new byte[4096]);

    private Path journalDir()
    {
        return dir.resolve("journal");
    }

    private long[] writeSteps(final int steps)
    {
        final long[] ends = new long[steps + 1];
        try (AeronJournal journal = AeronJournal.launch(new AeronJournal.Context().journalDir(journalDir())
            .termLength(SEGMENT).segmentFileLength(SEGMENT)))
        {
            for (int step = 1; step <= steps; step++)
            {
                ends[step] = journal.append(fill(record, step, scratch));
            }
        }
        return ends;
    }

    private String[] dump()
    {
        final ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        try (PrintStream out = new PrintStream(bytes, true, StandardCharsets.UTF_8))
        {
            JournalDump.dump(journalDir(), out);
        }
        return bytes.toString(StandardCharsets.UTF_8).split("\n");
    }

    @Test
    void listsEveryRecordAcrossSegmentsWithoutTouchingAFile() throws Exception
    {
        final int steps = 1_000;
        final long[] ends = writeSteps(steps);
        assertTrue(ends[steps] > 3L * SEGMENT, "the journal spans several segment files");
        final Map<String, String> before = snapshot();

        final String[] lines = dump();

        assertEquals(before, snapshot(), "dump must not create, modify or delete any file");
        assertEquals(steps + 2, lines.length);
        assertTrue(lines[0].startsWith("# keel journal dir=" + journalDir() + " recording=0 start=0 stop=" +
            ends[steps] + " termLength=" + SEGMENT + " segmentFileLength=" + SEGMENT), lines[0]);
        final StringBuilder line = new StringBuilder();
        int padded = 0;
        for (int step = 1; step <= steps; step++)
        {
            // a record that does not fit in the rest of a term starts at the next term, after Aeron's padding frame
            final long previousEnd = ends[step - 1];
            final long nextTerm = (previousEnd | (SEGMENT - 1)) + 1;
            final String expected = JournalDump.format(line, previousEnd, ends[step], fill(record, step, scratch));
            if (!expected.equals(lines[step]))
            {
                assertEquals(JournalDump.format(line, nextTerm, ends[step], record), lines[step]);
                padded++;
            }
        }
        assertTrue(padded > 0 && padded < 4, "records after a term's padding: " + padded);
        assertEquals("# end position=" + ends[steps] + " records=" + steps, lines[steps + 1]);
    }

    @Test
    void lineFormatIsStable()
    {
        record.reset(12, 34, 3).inputCount(5).inputHash(0xABCDL).position(0, 77).position(2, 0);
        record.data(1, new UnsafeBuffer(new byte[9]), 0, 9);
        assertEquals("position=64 end=192 step=12 txn=34 inputCount=5 inputHash=000000000000abcd " +
            "endpoints=[0:pos=77,1:data=9,2:pos=0]", JournalDump.format(new StringBuilder(), 64, 192, record));
    }

    @Test
    void reportsATornTailOfACrashedJournal() throws Exception
    {
        final long[] ends = writeSteps(10);
        final Path archiveDir = JournalLayout.archiveDir(journalDir());
        ArchiveCatalog.writeStopPosition(
            archiveDir, ArchiveCatalog.findJournalRecording(archiveDir, JournalLayout.STREAM_ID), -1);
        final Path segment = archiveDir.resolve(JournalLayout.segmentFileName(0, 0));
        try (FileChannel channel = FileChannel.open(segment, StandardOpenOption.WRITE))
        {
            channel.truncate(ends[9] + 45);
        }

        final Map<String, String> before = snapshot();
        final String[] lines = dump();
        assertEquals(before, snapshot(), "dump must not repair what it reports");
        assertTrue(lines[0].contains(" stop=none "), lines[0]);
        assertEquals(9 + 2, lines.length);
        assertTrue(lines[10].startsWith("# torn tail: segment file ends inside a frame of length"), lines[10]);
        assertTrue(lines[10].contains("at position " + ends[9] + " (file " + segment + ", offset " + ends[9] + ")"),
            lines[10]);
    }

    @Test
    void failsOnDamageBelowACleanStop() throws Exception
    {
        final long[] ends = writeSteps(10);
        final Path segment = JournalLayout.archiveDir(journalDir()).resolve(JournalLayout.segmentFileName(0, 0));
        try (FileChannel channel = FileChannel.open(segment, StandardOpenOption.WRITE))
        {
            channel.truncate(ends[4] + 45);
        }

        final ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        final KeelException ex = assertThrows(KeelException.class,
            () -> JournalDump.dump(journalDir(), new PrintStream(bytes, true, StandardCharsets.UTF_8)));
        assertEquals("JOURNAL_CORRUPT", ex.code());
        assertTrue(ex.getMessage().contains(segment.toString()), ex.getMessage());
        final String[] lines = bytes.toString(StandardCharsets.UTF_8).split("\n");
        assertEquals(4 + 2, lines.length, "the readable records are still listed");
        assertTrue(lines[5].startsWith("# corrupt: "), lines[5]);
    }

    @Test
    void saysSoWhenThereIsNoJournal()
    {
        final String[] lines = dump();
        assertEquals(1, lines.length);
        assertEquals("# no journal in " + journalDir(), lines[0]);
        assertFalse(Files.exists(journalDir()), "dump creates nothing");
    }

    private Map<String, String> snapshot() throws Exception
    {
        final Map<String, String> files = new TreeMap<>();
        try (Stream<Path> walk = Files.walk(journalDir()))
        {
            for (final Path path : (Iterable<Path>)walk::iterator)
            {
                if (Files.isRegularFile(path))
                {
                    final CRC32 crc = new CRC32();
                    crc.update(Files.readAllBytes(path));
                    files.put(path.toString(), Files.size(path) + " " + Files.getLastModifiedTime(path).toMillis() +
                        " " + Long.toHexString(crc.getValue()));
                }
                else
                {
                    files.put(path.toString(), "dir " + Files.getLastModifiedTime(path).toMillis());
                }
            }
        }
        return files;
    }
}
