package dev.keel.tools;

import dev.keel.engine.KeelException;
import dev.keel.engine.config.PipelineConfig;
import dev.keel.engine.config.PipelineConfigParser;
import dev.keel.engine.program.ProgramDefinition;
import org.agrona.CloseHelper;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicReference;

/**
 * {@code keel run --config pipeline.json [--program NAME] [--exit-at-eoi]}.
 */
@Command(name = "run", description = "Run a pipeline until stopped (SIGTERM/SIGINT), or until end of input.")
final class RunCommand implements Callable<Integer>
{
    @Option(names = "--config", required = true, description = "Pipeline configuration (JSON).")
    Path config;

    @Option(names = "--program", description = "Built-in program name or ProgramDefinition class; " +
        "overrides the config's \"program\".")
    String program;

    @Option(names = "--http-port", description = "Serve the HTTP control API (status, Prometheus metrics, " +
        "pause/resume) on 127.0.0.1:PORT; 0 picks a free port (printed).")
    Integer httpPort;

    @Option(names = "--exit-at-eoi", description = "Exit 0 once every input reached end of input and all " +
        "output is delivered.")
    boolean exitAtEoi;

    public Integer call() throws Exception
    {
        final PipelineConfig pipelineConfig = PipelineConfigParser.parse(config);
        final String programName = null != program ? program : pipelineConfig.program().orElseThrow(() ->
            new KeelException(KeelException.Category.CONFIG, "CONFIG_MISSING",
                config + ": $.program: no program given; set \"program\" or pass --program NAME " +
                "(built-in: " + ProgramRegistry.names() + ")"));
        final ProgramDefinition definition = ProgramRegistry.resolve(programName);
        final CountDownLatch stopped = new CountDownLatch(1);
        final CountDownLatch launched = new CountDownLatch(1);
        final AtomicReference<KeelNode> nodeRef = new AtomicReference<>();
        final AtomicReference<ControlServer> controlRef = new AtomicReference<>();
        final Closer closer = new Closer(controlRef, nodeRef);
        // registered before the launch and kept until the node is closed: a SIGTERM that arrives while the node
        // starts stops it cleanly (with its checkpoint) once it has started, and one that arrives while the node
        // closes at end of input waits for that close instead of letting the JVM halt halfway through it
        final Thread hook = new Thread(() ->
        {
            try
            {
                launched.await();
            }
            catch (final InterruptedException ex)
            {
                Thread.currentThread().interrupt();
            }
            closer.close();
            stopped.countDown();
        }, "keel-shutdown");
        Runtime.getRuntime().addShutdownHook(hook);
        final KeelNode node;
        final ControlServer control;
        try
        {
            node = KeelNode.launch(pipelineConfig, definition);
            nodeRef.set(node);
            try
            {
                control = null == httpPort ? null : ControlServer.start(
                    new java.net.InetSocketAddress(java.net.InetAddress.getLoopbackAddress(), httpPort),
                    node.pipeline(), pipelineConfig.name());
                controlRef.set(control);
            }
            catch (final java.io.IOException | RuntimeException ex)
            {
                closer.close();
                throw ex;
            }
        }
        catch (final java.io.IOException | RuntimeException ex)
        {
            launched.countDown();
            removeHook(hook);
            throw ex;
        }
        launched.countDown();
        if (null != control)
        {
            System.err.println("keel: control API on http://127.0.0.1:" + control.port());
        }
        System.err.println("keel: pipeline '" + pipelineConfig.name() + "' running program '" + programName + "'");
        try
        {
            if (exitAtEoi)
            {
                while (!node.pipeline().awaitCompletion(Duration.ofSeconds(1)))
                {
                    if (stopped.getCount() == 0)
                    {
                        return 1;
                    }
                }
                System.err.println("keel: end of input reached, all output delivered");
                return 0;
            }
            stopped.await();
            return 0;
        }
        finally
        {
            closer.close();
            removeHook(hook);
        }
    }

    /** Closes the control server and the node once, whichever thread comes first; the other waits for it. */
    private static final class Closer
    {
        private final AtomicReference<ControlServer> control;
        private final AtomicReference<KeelNode> node;
        private final CountDownLatch done = new CountDownLatch(1);
        private final java.util.concurrent.atomic.AtomicBoolean claimed = new java.util.concurrent.atomic.AtomicBoolean();

        Closer(final AtomicReference<ControlServer> control, final AtomicReference<KeelNode> node)
        {
            this.control = control;
            this.node = node;
        }

        void close()
        {
            if (claimed.compareAndSet(false, true))
            {
                try
                {
                    CloseHelper.closeAll(control.get(), node.get());
                }
                finally
                {
                    done.countDown();
                }
            }
            else
            {
                try
                {
                    done.await();
                }
                catch (final InterruptedException ex)
                {
                    Thread.currentThread().interrupt();
                }
            }
        }
    }

    /** @return false if the JVM is already shutting down, in which case the hook runs and closes the node. */
    private static boolean removeHook(final Thread hook)
    {
        try
        {
            Runtime.getRuntime().removeShutdownHook(hook);
            return true;
        }
        catch (final IllegalStateException shutdownInProgress)
        {
            return false;
        }
    }
}
