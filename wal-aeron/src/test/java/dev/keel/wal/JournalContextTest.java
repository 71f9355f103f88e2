package dev.keel.wal;

import dev.keel.engine.config.JournalSync;
import dev.keel.engine.KeelException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.function.UnaryOperator;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class JournalContextTest
{
    @TempDir
    Path dir;

    private void assertInvalid(final UnaryOperator<AeronJournal.Context> change, final String expected)
    {
        final AeronJournal.Context ctx = change.apply(new AeronJournal.Context().journalDir(dir.resolve("journal")));
        final KeelException ex = assertThrows(KeelException.class, ctx::conclude);
        assertEquals(KeelException.Category.CONFIG, ex.category());
        assertEquals("JOURNAL_CONFIG", ex.code());
        assertTrue(ex.getMessage().contains(expected), ex.getMessage());
    }

    @Test
    void journalDirIsRequired()
    {
        assertInvalid(c -> c.journalDir(null), "AeronJournal.Context.journalDir=null is invalid: must be a directory");
    }

    @Test
    void journalDirMustNotBeAFile() throws Exception
    {
        final Path file = Files.createFile(dir.resolve("plain-file"));
        assertInvalid(c -> c.journalDir(file), "journalDir=" + file + " is invalid: must be a directory");
    }

    @Test
    void syncIsRequired()
    {
        assertInvalid(c -> c.sync(null), "sync=null is invalid: must be one of NONE, DATA, FULL");
    }

    @Test
    void idleStrategySupplierIsRequired()
    {
        assertInvalid(c -> c.archiveIdleStrategySupplier(null), "archiveIdleStrategySupplier=null is invalid");
    }

    @Test
    void termLengthMustBeAPowerOfTwoInAeronsRange()
    {
        assertInvalid(c -> c.termLength(100_000),
            "termLength=100000 is invalid: must be a power of two from 65536 to 1073741824");
        assertInvalid(c -> c.termLength(32 * 1024), "termLength=32768 is invalid");
    }

    @Test
    void segmentFileLengthMustBeAPowerOfTwoAtLeastTheTermLength()
    {
        assertInvalid(c -> c.segmentFileLength(100 * 1024 * 1024),
            "segmentFileLength=104857600 is invalid: must be a power of two from termLength (16777216) to 1073741824");
        assertInvalid(c -> c.segmentFileLength(8 * 1024 * 1024), "segmentFileLength=8388608 is invalid");
    }

    @Test
    void timeoutMustBePositive()
    {
        assertInvalid(c -> c.timeoutNs(0), "timeoutNs=0 is invalid: must be a positive number of nanoseconds");
    }

    @Test
    void defaults()
    {
        final AeronJournal.Context ctx = new AeronJournal.Context().journalDir(dir.resolve("journal")).conclude();
        assertEquals(JournalSync.DATA, ctx.sync());
        assertEquals(16 * 1024 * 1024, ctx.termLength());
        assertEquals(128 * 1024 * 1024, ctx.segmentFileLength());
        assertEquals(dir.resolve("journal").resolve("aeron").toAbsolutePath(), ctx.aeronDir());
        assertSame(ctx, ctx.conclude());
        assertEquals(0, JournalMedia.archiveSyncLevel(JournalSync.NONE));
        assertEquals(1, JournalMedia.archiveSyncLevel(JournalSync.DATA));
        assertEquals(2, JournalMedia.archiveSyncLevel(JournalSync.FULL));
    }

    @Test
    void changedTermLengthOfAnExistingJournalIsRefused()
    {
        final Path journalDir = dir.resolve("journal");
        AeronJournal.launch(new AeronJournal.Context().journalDir(journalDir).termLength(64 * 1024)).close();

        final KeelException ex = assertThrows(KeelException.class, () ->
            AeronJournal.launch(new AeronJournal.Context().journalDir(journalDir).termLength(128 * 1024)));
        assertEquals("JOURNAL_CONFIG", ex.code());
        assertTrue(ex.getMessage().contains("termLength=131072") && ex.getMessage().contains("termLength=65536"),
            ex.getMessage());
    }
}
