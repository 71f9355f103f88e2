package dev.keel.tools;

import dev.keel.engine.KeelException;
import dev.keel.engine.circuit.PipelineState;
import dev.keel.engine.config.FaultToleranceModel;
import dev.keel.engine.config.PipelineConfig;
import dev.keel.engine.config.PipelineConfigParser;
import dev.keel.engine.connector.ConnectorRegistry;
import dev.keel.engine.program.ProgramDefinition;
import org.agrona.CloseHelper;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicReference;

/**
 * {@code keel run --config pipeline.json [--program NAME] [--exit-at-eoi] [--http-port PORT
 * [--http-token-file PATH]]}: runs until SIGTERM/SIGINT (exit 143/130, after the close checkpoint),
 * {@code POST /v0/pipelines/NAME/stop} (exit 0), end of input with {@code --exit-at-eoi} (exit 0), or a failure of
 * the pipeline (exit 1, the error printed once with its code). The control API starts before the node, so that
 * BOOTSTRAPPING, REPLAYING and, with {@code sync.standby: true}, STANDBY are visible; a standby runs once activated
 * ({@code POST /v0/pipelines/NAME/activate}).
 */
@Command(name = "run", description = "Run a pipeline until stopped (SIGTERM/SIGINT), or until end of input.")
final class RunCommand implements Callable<Integer>
{
    /** Environment variable holding the API's bearer token when {@code --http-token-file} is not given. */
    static final String TOKEN_ENV = "KEEL_HTTP_TOKEN";

    @Option(names = "--config", required = true, description = "Pipeline configuration (JSON).")
    Path config;

    @Option(names = "--program", description = "Built-in program name or ProgramDefinition class; " +
        "overrides the config's \"program\".")
    String program;

    @Option(names = "--http-port", paramLabel = "PORT", arity = "0..1", fallbackValue = "" + ApiOptions.DEFAULT_PORT,
        description = "Serve the HTTP control API (Feldera's /v0/pipelines/NAME/... paths, Prometheus metrics) on " +
        "127.0.0.1:PORT (without a value: " + ApiOptions.DEFAULT_PORT + ", where the keel client commands look); " +
        "0 picks a free port (printed).")
    Integer httpPort;

    @Option(names = "--http-token-file", paramLabel = "PATH", description = "Require Authorization: Bearer " +
        "<token> on every API request, the token being this file's content (surrounding white space removed); " +
        "overrides the environment variable " + TOKEN_ENV + ".")
    Path httpTokenFile;

    @Option(names = "--bootstrap-policy", paramLabel = "POLICY", description = "What this start does when the " +
        "program differs from the checkpoint's: allow (recompute the new and modified views), reject, or " +
        "await_approval (wait in AwaitingApproval for POST .../approve); overrides $.fault_tolerance.bootstrap_policy.")
    String bootstrapPolicy;

    @Option(names = "--silent-bootstrap", description = "With a program change, recompute the new and modified " +
        "views without sending their contents to the outputs (Feldera's silent_bootstrap): for sinks that already " +
        "hold them; the outputs carry only the changes after the bootstrap.")
    boolean silentBootstrap;

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
        final dev.keel.engine.config.BootstrapPolicy policy;
        try
        {
            policy = null == bootstrapPolicy ? null :
                dev.keel.engine.config.BootstrapPolicy.fromJsonName(bootstrapPolicy, "--bootstrap-policy");
        }
        catch (final IllegalArgumentException ex)
        {
            throw new KeelException(KeelException.Category.CONFIG, "CONFIG_INVALID", ex.getMessage());
        }
        final String token = bearerToken();
        final ReplayProgress replay = ReplayProgress.forRun(pipelineConfig.name());
        final CountDownLatch stopped = new CountDownLatch(1);
        final CountDownLatch launched = new CountDownLatch(1);
        final CountDownLatch stopRequested = new CountDownLatch(1);
        final AtomicReference<KeelNode> nodeRef = new AtomicReference<>();
        final AtomicReference<ControlServer> controlRef = new AtomicReference<>();
        final Closer closer = new Closer(controlRef, nodeRef);
        // the log handlers stay open during a JVM shutdown until the hook below logged the close (KeelLogManager)
        final KeelLogManager.Hold logHold = KeelLogManager.hold();
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
            logHold.close();
        }, "keel-shutdown");
        Runtime.getRuntime().addShutdownHook(hook);
        final KeelNode node = KeelNode.create(pipelineConfig, definition, ConnectorRegistry.discover(), ctx ->
        {
            if (null != policy)
            {
                ctx.faultTolerance().bootstrapPolicy(policy);
            }
            ctx.faultTolerance().silentBootstrap(silentBootstrap);
        });
        nodeRef.set(node);
        final ControlServer control;
        try
        {
            // the API first: BOOTSTRAPPING, REPLAYING and STANDBY are visible while the node starts
            control = null == httpPort ? null : ControlServer.start(new ControlServer.Context()
                .address(new InetSocketAddress(InetAddress.getLoopbackAddress(), httpPort))
                .node(node)
                .pipelineName(pipelineConfig.name())
                .bearerToken(token)
                .desiredStatusListener(node::recordDesiredStatus)
                .httpEndpoints(node.httpEndpoints(),
                    pipelineConfig.faultTolerance().model() == FaultToleranceModel.EXACTLY_ONCE)
                .stopHandler(force ->
                {
                    // the main thread closes the node: the server's thread only asks, so that its 202 is sent
                    closer.force(force);
                    stopRequested.countDown();
                }));
            controlRef.set(control);
            if (null != control)
            {
                System.err.println("keel: control API on http://127.0.0.1:" + control.port() + "/v0/pipelines/" +
                    pipelineConfig.name() + (null == token ? "" : " (bearer token required)"));
            }
            try
            {
                node.start();
            }
            catch (final RuntimeException ex)
            {
                closer.close();
                throw ex;
            }
        }
        catch (final IOException | RuntimeException ex)
        {
            launched.countDown();
            if (removeHook(hook))
            {
                logHold.close();
            }
            throw ex;
        }
        launched.countDown();
        if (node.state() == PipelineState.STANDBY)
        {
            System.err.println("keel: pipeline '" + pipelineConfig.name() + "' in standby (program '" + programName +
                "'), following " + node.standbyStatus().bucket() + " until activated (POST /v0/pipelines/" +
                pipelineConfig.name() + "/activate)");
        }
        else
        {
            System.err.println("keel: pipeline '" + pipelineConfig.name() + "' running program '" + programName + "'");
        }
        try
        {
            while (true)
            {
                replay.poll(node.counters(), node.state(), System.nanoTime());
                if (stopRequested.await(100, TimeUnit.MILLISECONDS))
                {
                    System.err.println("keel: stop requested through the control API" +
                        (closer.forced() ? " (force: no checkpoint on close)" : ""));
                    return 0;
                }
                if (stopped.getCount() == 0)
                {
                    return exitAtEoi ? 1 : 0;
                }
                final PipelineState state = node.state();
                if (state == PipelineState.FAILED)
                {
                    System.err.println("keel: pipeline '" + pipelineConfig.name() + "' failed: " +
                        describe(node.failure()));
                    return 1;
                }
                if (exitAtEoi && state == PipelineState.COMPLETED)
                {
                    System.err.println("keel: end of input reached, all output delivered");
                    return 0;
                }
            }
        }
        finally
        {
            closer.close();
            if (removeHook(hook))
            {
                logHold.close();
            }
        }
    }

    /** The error with its code, once: a KeelException's message starts with {@code [CODE]} already. */
    static String describe(final Throwable failure)
    {
        if (null == failure)
        {
            return "[INTERNAL] unknown error";
        }
        return failure instanceof KeelException ? failure.getMessage() :
            "[INTERNAL] " + failure.getClass().getName() + ": " + failure.getMessage();
    }

    private String bearerToken() throws IOException
    {
        if (null != httpTokenFile)
        {
            if (null == httpPort)
            {
                throw new KeelException(KeelException.Category.CONFIG, "CONFIG_INVALID",
                    "--http-token-file needs --http-port: there is no control API to protect");
            }
            final String token = Files.readString(httpTokenFile).strip();
            if (token.isEmpty())
            {
                throw new KeelException(KeelException.Category.CONFIG, "CONFIG_INVALID",
                    "--http-token-file " + httpTokenFile + " is empty; allowed: a file holding the token");
            }
            return token;
        }
        final String env = System.getenv(TOKEN_ENV);
        if (null != env && !env.isBlank())
        {
            return env.strip();
        }
        return null;
    }

    /** Closes the control server and the node once, whichever thread comes first; the other waits for it. */
    private static final class Closer
    {
        private final AtomicReference<ControlServer> control;
        private final AtomicReference<KeelNode> node;
        private final CountDownLatch done = new CountDownLatch(1);
        private final java.util.concurrent.atomic.AtomicBoolean claimed = new java.util.concurrent.atomic.AtomicBoolean();
        private volatile boolean force;

        Closer(final AtomicReference<ControlServer> control, final AtomicReference<KeelNode> node)
        {
            this.control = control;
            this.node = node;
        }

        /** The close is to skip the checkpoint on close (a forced stop through the API). */
        void force(final boolean force)
        {
            this.force = force;
        }

        boolean forced()
        {
            return force;
        }

        void close()
        {
            if (claimed.compareAndSet(false, true))
            {
                try
                {
                    final KeelNode toClose = node.get();
                    CloseHelper.closeAll(control.get(), null == toClose ? null :
                        force ? toClose::closeWithoutCheckpoint : toClose);
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
