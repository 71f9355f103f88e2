package dev.keel.tools;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import javax.tools.JavaCompiler;
import javax.tools.ToolProvider;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.net.URL;
import java.net.URLClassLoader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.junit.jupiter.api.Assertions.*;

/**
 * Compiles and runs the README's embedded API example exactly as written, so the documentation cannot
 * drift from the API.
 */
class ReadmeExampleTest
{
    @TempDir
    Path dir;

    @Test
    void readmeExampleCompilesRunsAndPrintsTheAggregates() throws Exception
    {
        final String readme = Files.readString(Path.of("..", "README.md"));
        final Matcher block = Pattern.compile("```java\\n(.*?)```", Pattern.DOTALL).matcher(readme);
        assertTrue(block.find(), "README.md has a java example");
        final Path source = dir.resolve("QuickStart.java");
        Files.writeString(source, block.group(1));

        final JavaCompiler compiler = ToolProvider.getSystemJavaCompiler();
        final ByteArrayOutputStream diagnostics = new ByteArrayOutputStream();
        final int rc = compiler.run(null, null, diagnostics, "--release", "17", "-d", dir.toString(),
            "-cp", System.getProperty("java.class.path"), source.toString());
        assertEquals(0, rc, diagnostics.toString(StandardCharsets.UTF_8));

        final PrintStream saved = System.out;
        final ByteArrayOutputStream printed = new ByteArrayOutputStream();
        System.setOut(new PrintStream(printed, true, StandardCharsets.UTF_8));
        try (URLClassLoader loader = new URLClassLoader(new URL[]{ dir.toUri().toURL() }, getClass().getClassLoader()))
        {
            loader.loadClass("QuickStart").getMethod("main", String[].class).invoke(null, (Object)new String[0]);
        }
        finally
        {
            System.setOut(saved);
        }
        final String output = printed.toString(StandardCharsets.UTF_8);
        assertTrue(output.contains("('AAPL', 500, 5000) x1"), output);
        assertTrue(output.contains("('MSFT', 500, 5000) x1"), output);
        assertTrue(readme.contains("('AAPL', 500, 5000) x1"), "the README states what the example prints");
    }
}
