package dev.keel.checkpoint;

import dev.keel.engine.spi.LoadedCheckpoint;
import dev.keel.engine.state.PagedArena;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.net.URISyntaxException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Checkpoints written by released format versions keep loading. */
class GoldenFilesTest
{
    @TempDir
    Path storage;

    @Test
    void version1LoadsRestoresAndVerifies() throws IOException, URISyntaxException
    {
        final Path golden = Path.of(getClass().getResource("/golden/v1/checkpoints/catalog").toURI()).getParent();
        final Path target = storage.resolve("checkpoints");
        try (Stream<Path> paths = Files.walk(golden))
        {
            for (final Path path : (Iterable<Path>)paths::iterator)
            {
                final Path copy = target.resolve(golden.relativize(path).toString());
                if (Files.isDirectory(path))
                {
                    Files.createDirectories(copy);
                }
                else
                {
                    Files.copy(path, copy);
                }
            }
        }
        final ByteArrayOutputStream report = new ByteArrayOutputStream();
        assertTrue(CheckpointTool.verify(storage, new PrintStream(report, true, StandardCharsets.UTF_8)),
            report.toString(StandardCharsets.UTF_8));
        try (FileCheckpointStore store = new FileCheckpointStore(new FileCheckpointStore.Context().storageDir(storage)))
        {
            assertEquals(2, store.list().size());
            final LoadedCheckpoint loaded = store.loadLatest().orElseThrow();
            assertEquals(CheckpointTestSupport.metadata(2, GoldenFiles.PROGRAM_META), loaded.metadata());
            final PagedArena arena = new PagedArena(4, false);
            store.restoreInto(loaded, arena);
            CheckpointTestSupport.assertSameArena(GoldenFiles.build(true), arena);
        }
    }
}
