package dev.keel.tools;

import dev.keel.engine.KeelException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class NodeErrorLogTest
{
    @TempDir
    Path dir;

    @Test
    void distinctErrorsAreKeptOnceWithTheirCount()
    {
        final RuntimeException repeated = new RuntimeException("disk full on /data/x at offset 4096");
        try (NodeErrorLog log = NodeErrorLog.open(dir))
        {
            log.onError(repeated);
            log.onError(repeated);
            log.onError(repeated);
            log.onError(new IllegalStateException("another"));
        }
        final String text = print(dir.resolve(NodeErrorLog.FILE_NAME));
        assertTrue(text.contains("3 observations, first "), text);
        assertTrue(text.contains("java.lang.RuntimeException: disk full on /data/x at offset 4096"), text);
        assertTrue(text.contains("1 observation, first "), text);
        assertTrue(text.contains("java.lang.IllegalStateException: another"), text);
        assertTrue(text.contains("(node pid " + ProcessHandle.current().pid() + ", opened "), text);
        assertTrue(text.endsWith("2 distinct errors\n"), text);
    }

    @Test
    void aFullLogDropsFurtherErrorsWithoutThrowing()
    {
        try (NodeErrorLog log = NodeErrorLog.open(dir, 16 * 1024))
        {
            for (int i = 0; i < 50; i++)
            {
                log.onError(new RuntimeException("error " + i + " " + "x".repeat(200)));
            }
        }
        final String text = print(dir.resolve(NodeErrorLog.FILE_NAME));
        assertTrue(text.contains("error 0 "), text);
        assertTrue(!text.contains("error 49 "), text);
    }

    @Test
    void aLogWithErrorsIsKeptAtTheNextOpenAndOneWithoutIsReplaced() throws Exception
    {
        NodeErrorLog.open(dir).close();
        NodeErrorLog.open(dir).close();
        assertEquals(List.of(dir.resolve(NodeErrorLog.FILE_NAME)), NodeErrorLog.logFiles(dir), "nothing to keep");

        for (int run = 0; run < NodeErrorLog.KEPT_PREVIOUS + 3; run++)
        {
            try (NodeErrorLog log = NodeErrorLog.open(dir))
            {
                log.onError(new RuntimeException("run " + run));
            }
            Thread.sleep(2); // the kept name carries the opening millisecond
        }
        final List<Path> files = NodeErrorLog.logFiles(dir);
        assertEquals(NodeErrorLog.KEPT_PREVIOUS + 1, files.size(), files.toString());
        assertEquals(dir.resolve(NodeErrorLog.FILE_NAME), files.get(files.size() - 1));
        assertTrue(print(files.get(0)).contains("RuntimeException: run 2"), "oldest kept: " + print(files.get(0)));
        assertTrue(print(files.get(files.size() - 2)).contains("RuntimeException: run " + (NodeErrorLog.KEPT_PREVIOUS + 1)));
        assertTrue(print(files.get(files.size() - 1)).contains("RuntimeException: run " + (NodeErrorLog.KEPT_PREVIOUS + 2)));
    }

    @Test
    void aFileThatIsNotALogIsRefusedNamingFileAndOffset() throws Exception
    {
        final Path file = dir.resolve(NodeErrorLog.FILE_NAME);
        Files.write(file, new byte[128]);
        final KeelException noMagic = assertThrows(KeelException.class, () -> print(file));
        assertEquals("ERROR_LOG_CORRUPT", noMagic.code());
        assertTrue(noMagic.getMessage().contains(file + " is not readable: no Keel error log magic at offset 0"),
            noMagic.getMessage());

        final ByteBuffer header = ByteBuffer.allocate(128).order(ByteOrder.LITTLE_ENDIAN);
        header.putInt(0, NodeErrorLog.MAGIC).putInt(4, 99).putInt(8, 64).putInt(12, 64);
        Files.write(file, header.array());
        final KeelException version = assertThrows(KeelException.class, () -> print(file));
        assertTrue(version.getMessage().contains("version 99 at offset 4, this keel reads version 1"),
            version.getMessage());

        header.putInt(4, NodeErrorLog.VERSION).putInt(12, 1 << 20);
        Files.write(file, header.array());
        final KeelException length = assertThrows(KeelException.class, () -> print(file));
        assertTrue(length.getMessage().contains("error log length 1048576 at offset 12 does not fit the file's 128"),
            length.getMessage());

        Files.write(file, new byte[10]);
        assertTrue(assertThrows(KeelException.class, () -> print(file)).getMessage().contains("shorter than the header"));
    }

    @Test
    void theCliReportsAStorageDirectoryWithoutALog() throws Exception
    {
        final PrintStream saved = System.out;
        final ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        System.setOut(new PrintStream(bytes, true, StandardCharsets.UTF_8));
        final int empty;
        final int missing;
        try
        {
            empty = KeelCli.execute("errors", "--storage", dir.toString());
            missing = KeelCli.execute("errors", "--storage", dir.resolve("nope").toString());
        }
        finally
        {
            System.setOut(saved);
        }
        assertEquals(0, empty);
        assertEquals(1, missing);
        assertTrue(bytes.toString(StandardCharsets.UTF_8).contains("no error log in " + dir), bytes.toString());
    }

    /**
     * A version 1 file written by {@code -Dkeel.golden.write=<dir>} (once, when the format was released) must keep
     * printing the same: the node of an older release leaves such files behind.
     */
    @Test
    void goldenVersion1FileStillReads() throws Exception
    {
        final String golden = System.getProperty("keel.golden.write");
        if (null != golden)
        {
            try (NodeErrorLog log = NodeErrorLog.open(dir, 4096))
            {
                final GoldenError error = new GoldenError("journal segment /storage/journal/archive/0-0.rec at offset 4096");
                log.onError(error);
                log.onError(error);
                log.onError(new GoldenError("second distinct error"));
            }
            Files.copy(dir.resolve(NodeErrorLog.FILE_NAME), Path.of(golden, "keel-errors-v1.dat"));
            Files.writeString(Path.of(golden, "keel-errors-v1.txt"), print(dir.resolve(NodeErrorLog.FILE_NAME))
                .replace(dir.resolve(NodeErrorLog.FILE_NAME).toString(), "FILE"));
        }

        final Path file = dir.resolve("golden").resolve(NodeErrorLog.FILE_NAME);
        Files.createDirectories(file.getParent());
        try (java.io.InputStream in = NodeErrorLogTest.class.getResourceAsStream("/error-log/keel-errors-v1.dat");
            java.io.InputStream expected = NodeErrorLogTest.class.getResourceAsStream("/error-log/keel-errors-v1.txt"))
        {
            Files.copy(in, file);
            final String text = print(file).replace(file.toString(), "FILE");
            assertEquals(new String(expected.readAllBytes(), StandardCharsets.UTF_8), text);
            assertTrue(text.contains("2 observations, first "), text);
            assertTrue(text.endsWith("2 distinct errors\n"), text);
        }
    }

    /** No stack frames, so that the golden file does not depend on line numbers. */
    static final class GoldenError extends RuntimeException
    {
        GoldenError(final String message)
        {
            super(message, null, false, false);
        }
    }

    private static String print(final Path file)
    {
        final ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        NodeErrorLog.print(file, new PrintStream(bytes, true, StandardCharsets.UTF_8));
        return bytes.toString(StandardCharsets.UTF_8);
    }
}
