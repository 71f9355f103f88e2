package dev.keel.checkpoint;

import com.sun.nio.file.ExtendedOpenOption;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.OpenOption;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.concurrent.atomic.AtomicInteger;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

class DirectIoTest
{
    @TempDir
    Path dir;

    @Test
    void fallsBackToBufferedWritesOnceWhenTheFileSystemRefusesDirectIo() throws IOException
    {
        final AtomicInteger directAttempts = new AtomicInteger();
        final DirectIo directIo = new DirectIo(true, dir, (file, options) ->
        {
            if (Arrays.asList(options).contains(ExtendedOpenOption.DIRECT))
            {
                directAttempts.incrementAndGet();
                FileChannel.open(file, options).close(); // create it, as a refusing open(2) may not
                throw new IOException("Invalid argument");
            }
            return FileChannel.open(file, options);
        });
        assertTrue(directIo.enabled());
        try (FileChannel channel = directIo.openForWrite(dir.resolve("a.dat")))
        {
            channel.write(ByteBuffer.wrap(new byte[] { 1, 2, 3 }));
        }
        assertFalse(directIo.enabled());
        try (FileChannel channel = directIo.openForWrite(dir.resolve("b.dat")))
        {
            channel.write(ByteBuffer.wrap(new byte[] { 4 }));
        }
        assertEquals(1, directAttempts.get(), "O_DIRECT is tried once, then no more");
        assertEquals(3, Files.size(dir.resolve("a.dat")));
        assertEquals(1, Files.size(dir.resolve("b.dat")));
    }

    @Test
    void usesDirectIoWhereTheFileSystemAcceptsIt() throws IOException
    {
        final OpenOption[][] seen = new OpenOption[1][];
        final DirectIo directIo = new DirectIo(true, dir, (file, options) ->
        {
            seen[0] = options;
            return FileChannel.open(file, options);
        });
        try (FileChannel ignored = directIo.openForWrite(dir.resolve("c.dat")))
        {
            assertTrue(Arrays.asList(seen[0]).contains(ExtendedOpenOption.DIRECT));
        }
        assertTrue(directIo.enabled());
    }
}
