package dev.keel.engine.storage;

import dev.keel.engine.KeelException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.*;

class StorageDirectoryTest
{
    @TempDir
    Path dir;

    @Test
    void secondOwnerInTheSameProcessIsRefused()
    {
        try (StorageDirectory first = StorageDirectory.lock(dir))
        {
            final KeelException e = assertThrows(KeelException.class, () -> StorageDirectory.lock(dir));
            assertEquals("STORAGE_LOCKED", e.code());
            assertTrue(e.getMessage().contains(dir.toString()), e.getMessage());
            assertTrue(e.getMessage().contains("pid " + ProcessHandle.current().pid()), e.getMessage());
        }
        StorageDirectory.lock(dir).close();
    }

    @Test
    void lockOfAKilledProcessIsReleased() throws Exception
    {
        final String java = ProcessHandle.current().info().command().orElse("java");
        final Process child = new ProcessBuilder(java, "-cp", System.getProperty("java.class.path"),
            Holder.class.getName(), dir.toString()).redirectErrorStream(true).start();
        try
        {
            assertEquals('L', child.getInputStream().read(), "child reports it holds the lock");
            final KeelException e = assertThrows(KeelException.class, () -> StorageDirectory.lock(dir));
            assertTrue(e.getMessage().contains("pid " + child.pid()), e.getMessage());
        }
        finally
        {
            child.destroyForcibly();
            assertTrue(child.waitFor(20, TimeUnit.SECONDS));
        }
        StorageDirectory.lock(dir).close();
    }

    /** Child process: takes the lock, says so, and waits to be killed. */
    public static final class Holder
    {
        public static void main(final String[] args) throws Exception
        {
            StorageDirectory.lock(Path.of(args[0]));
            System.out.print('L');
            System.out.flush();
            Thread.sleep(60_000);
        }
    }
}
