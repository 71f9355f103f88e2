package dev.keel.sync;

import com.adobe.testing.s3mock.junit5.S3MockExtension;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.stream.Stream;

/**
 * One in-process S3Mock (HTTP on a random loopback port, a fresh root folder per run) shared by every test class
 * of the module: Spring Boot's start costs seconds, many more on a loaded machine. Stopped when the JVM exits.
 */
final class SharedS3Mock
{
    private static S3MockExtension server;

    private SharedS3Mock()
    {
    }

    static synchronized int httpPort()
    {
        if (null == server)
        {
            final Path root = Path.of("target/s3mock-" + System.nanoTime()).toAbsolutePath();
            final S3MockExtension started = S3MockExtension.builder()
                .silent()
                .withSecureConnection(false)
                .withHttpPort(0)
                .withRootFolder(root.toString())
                .build();
            started.start();
            Runtime.getRuntime().addShutdownHook(new Thread(() ->
            {
                started.stop();
                deleteTree(root);
            }, "s3mock-stop"));
            server = started;
            final SyncFixture warm = new SyncFixture(started.getHttpPort());
            try
            {
                warm.warmUp();
            }
            finally
            {
                warm.close();
            }
        }
        return server.getHttpPort();
    }

    private static void deleteTree(final Path root)
    {
        try (Stream<Path> paths = Files.walk(root))
        {
            paths.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
        }
        catch (final IOException | UncheckedIOException ignore)
        {
            // best effort: target/ is cleaned by the build anyway
        }
    }
}
