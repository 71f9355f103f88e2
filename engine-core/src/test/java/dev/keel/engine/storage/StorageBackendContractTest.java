package dev.keel.engine.storage;

import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryNotEmptyException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The {@link StorageBackend} contract, run against the file and the memory backend. */
class StorageBackendContractTest
{
    @TempDir
    Path dir;

    private MemoryStorageBackend memory;

    private StorageBackend open(final String kind)
    {
        if ("file".equals(kind))
        {
            return new FileStorageBackend(dir.resolve("root"));
        }
        if (null == memory)
        {
            memory = new MemoryStorageBackend();
        }
        return memory;
    }

    /** Leaves bytes under a name as a crash would: without the protocol. */
    private void putRaw(final String kind, final String name, final byte[] content) throws IOException
    {
        if ("file".equals(kind))
        {
            final Path path = dir.resolve("root").resolve(name);
            Files.createDirectories(path.getParent());
            Files.write(path, content);
        }
        else
        {
            memory.putRaw(name, content);
        }
    }

    private static byte[] bytes(final String text)
    {
        return text.getBytes(StandardCharsets.UTF_8);
    }

    private static void write(final StorageBackend backend, final String name, final String text) throws IOException
    {
        final byte[] content = bytes(text);
        backend.writeDurably(name, content, 0, content.length);
    }

    @ParameterizedTest
    @ValueSource(strings = { "file", "memory" })
    void writtenFilesReadBackWholeAndByRange(final String kind) throws IOException
    {
        final StorageBackend backend = open(kind);
        assertFalse(backend.exists("a/manifest"));
        assertNull(backend.read("a/manifest"));
        write(backend, "a/manifest", "hello, storage");
        assertTrue(backend.exists("a/manifest"));
        assertTrue(backend.exists("a/"));
        assertEquals(14, backend.size("a/manifest"));
        assertArrayEquals(bytes("hello, storage"), backend.read("a/manifest"));
        final ByteBuffer range = ByteBuffer.allocate(5);
        assertEquals(5, backend.read("a/manifest", 7, range));
        assertArrayEquals(bytes("stora"), range.array());
        final ByteBuffer tail = ByteBuffer.allocate(10);
        assertEquals(3, backend.read("a/manifest", 11, tail), "short read at the end of the file");
        write(backend, "a/manifest", "v2");
        assertArrayEquals(bytes("v2"), backend.read("a/manifest"));
        assertEquals(List.of("a/manifest"), backend.list("a"));
    }

    @ParameterizedTest
    @ValueSource(strings = { "file", "memory" })
    void streamingWriterCommitsAllBuffers(final String kind) throws IOException
    {
        final StorageBackend backend = open(kind);
        try (StorageBackend.Writer writer = backend.create("big"))
        {
            for (int i = 0; i < 100; i++)
            {
                writer.write(ByteBuffer.wrap(bytes(String.format("%04d", i))));
            }
            assertFalse(backend.exists("big"), "invisible before commit");
            writer.commit();
            assertThrows(IllegalStateException.class, writer::commit, "commit once");
        }
        assertEquals(400, backend.size("big"));
        final ByteBuffer last = ByteBuffer.allocate(4);
        backend.read("big", 396, last);
        assertArrayEquals(bytes("0099"), last.array());
        assertEquals(List.of("big"), backend.list(""));
    }

    @ParameterizedTest
    @ValueSource(strings = { "file", "memory" })
    void writerClosedWithoutCommitLeavesOldContentAndNoTemp(final String kind) throws IOException
    {
        final StorageBackend backend = open(kind);
        write(backend, "catalog", "old");
        try (StorageBackend.Writer writer = backend.create("catalog"))
        {
            writer.write(ByteBuffer.wrap(bytes("new and longer")));
            assertTrue(backend.exists("catalog" + StorageBackend.TEMP_SUFFIX), "the temp file is a real file");
        }
        assertArrayEquals(bytes("old"), backend.read("catalog"));
        assertEquals(List.of("catalog"), backend.list(""));
    }

    @ParameterizedTest
    @ValueSource(strings = { "file", "memory" })
    void tornTempFileMadeByHandLeavesOldContentAndIsOverwrittenByTheNextCommit(final String kind)
        throws IOException
    {
        write(open(kind), "CURRENT", "old pointer");
        // a crash in the middle of writing the temp file (or before its rename) leaves exactly this
        putRaw(kind, "CURRENT" + StorageBackend.TEMP_SUFFIX, bytes("new poi"));
        final StorageBackend reopened = open(kind);
        assertArrayEquals(bytes("old pointer"), reopened.read("CURRENT"), "the name still holds the old content");
        assertEquals(List.of("CURRENT", "CURRENT.tmp"), reopened.list(""));
        write(reopened, "CURRENT", "new pointer");
        assertArrayEquals(bytes("new pointer"), reopened.read("CURRENT"));
        assertEquals(List.of("CURRENT"), reopened.list(""), "the committed write replaced the torn temp");
    }

    @ParameterizedTest
    @ValueSource(strings = { "file", "memory" })
    void listShowsDirectEntriesSortedWithDirectoriesMarked(final String kind) throws IOException
    {
        final StorageBackend backend = open(kind);
        write(backend, "catalog", "c");
        write(backend, "b1/manifest", "m");
        write(backend, "b1/pages-0000.dat", "p");
        write(backend, "a0/deeper/x", "x");
        assertEquals(List.of("a0/", "b1/", "catalog"), backend.list(""));
        assertEquals(List.of("b1/manifest", "b1/pages-0000.dat"), backend.list("b1"));
        assertEquals(List.of("b1/manifest", "b1/pages-0000.dat"), backend.list("b1/"));
        assertEquals(List.of("a0/deeper/"), backend.list("a0"));
        assertEquals(List.of(), backend.list("missing"));
    }

    @ParameterizedTest
    @ValueSource(strings = { "file", "memory" })
    void deleteRemovesFilesThenEmptyDirectoriesOnly(final String kind) throws IOException
    {
        final StorageBackend backend = open(kind);
        write(backend, "d/one", "1");
        write(backend, "d/two", "2");
        final DirectoryNotEmptyException notEmpty =
            assertThrows(DirectoryNotEmptyException.class, () -> backend.delete("d/"));
        assertTrue(notEmpty.getMessage().contains("d"), notEmpty.getMessage());
        backend.delete("d/one");
        backend.delete("d/one");
        assertEquals(List.of("d/two"), backend.list("d"));
        backend.delete("d/two");
        backend.delete("d/");
        assertFalse(backend.exists("d/"));
        assertEquals(List.of(), backend.list(""));
        backend.syncDirectory("");
    }

    @ParameterizedTest
    @ValueSource(strings = { "file", "memory" })
    void missingFileErrorsNameTheFile(final String kind)
    {
        final StorageBackend backend = open(kind);
        final NoSuchFileException size = assertThrows(NoSuchFileException.class, () -> backend.size("x/gone"));
        assertTrue(size.getMessage().contains("gone"), size.getMessage());
        final NoSuchFileException read = assertThrows(NoSuchFileException.class,
            () -> backend.read("x/gone", 0, ByteBuffer.allocate(1)));
        assertTrue(read.getMessage().contains("gone"), read.getMessage());
    }

    @ParameterizedTest
    @ValueSource(strings = { "file", "memory" })
    void namesMustBeRelativeWithoutDotSegments(final String kind)
    {
        final StorageBackend backend = open(kind);
        for (final String bad : new String[]{ "/abs", "a/../b", "a//b", "", "./a", "a\\b" })
        {
            final IllegalArgumentException error =
                assertThrows(IllegalArgumentException.class, () -> backend.create(bad), bad);
            assertTrue(error.getMessage().contains("'" + bad + "'"), error.getMessage());
        }
        assertThrows(IllegalArgumentException.class, () -> backend.create("dir/"));
    }

    @ParameterizedTest
    @ValueSource(strings = { "file", "memory" })
    void faultInjectionFailsTheNthSyncAndKeepsTheOldContent(final String kind) throws IOException
    {
        final FaultInjectingStorageBackend backend = new FaultInjectingStorageBackend(open(kind));
        write(backend, "catalog", "old");
        write(backend, "other", "x");
        backend.failNth(FaultInjectingStorageBackend.Operation.SYNC, 2, "catalog");
        write(backend, "catalog", "second");
        final IOException error = assertThrows(IOException.class, () -> write(backend, "catalog", "third"));
        assertTrue(error.getMessage().contains("catalog"), error.getMessage());
        assertArrayEquals(bytes("second"), backend.read("catalog"));
        assertEquals(List.of("catalog", "other"), backend.list(""), "no temp file left");
        write(backend, "catalog", "fourth");
        assertArrayEquals(bytes("fourth"), backend.read("catalog"));
        assertEquals(5, backend.syncCount());
        assertEquals(Thread.currentThread().getName(), backend.syncThreads().get(0));

        backend.failNth(FaultInjectingStorageBackend.Operation.WRITE, 1, "");
        assertThrows(IOException.class, () -> write(backend, "other", "y"));
        assertArrayEquals(bytes("x"), backend.read("other"));
    }
}
