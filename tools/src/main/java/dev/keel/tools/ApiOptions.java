package dev.keel.tools;

import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;

import java.io.IOException;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * The options of every command that talks to a running node: where it listens, its bearer token and the
 * pipeline's name (a picocli mixin).
 */
final class ApiOptions
{
    /** The port {@code keel run --http-port} takes without a value, and the client's default. */
    static final int DEFAULT_PORT = 8080;
    /** Environment variable holding the bearer token for the client commands. */
    static final String TOKEN_ENV = "KEEL_API_TOKEN";

    @Spec(Spec.Target.MIXEE)
    CommandSpec spec;

    @Option(names = "--url", paramLabel = "URL", description = "The node's control API, e.g. " +
        "http://127.0.0.1:8080 (default: http://127.0.0.1:<--port>).")
    String url;

    @Option(names = "--port", paramLabel = "PORT", description = "Port of the node's control API on 127.0.0.1 " +
        "(default: " + DEFAULT_PORT + ", what keel run --http-port takes without a value).")
    Integer port;

    @Option(names = "--token", paramLabel = "TOKEN", description = "Bearer token of the node (default: the " +
        "environment variable " + TOKEN_ENV + ", else " + RunCommand.TOKEN_ENV + "); --token-file keeps it out " +
        "of the process list.")
    String token;

    @Option(names = "--token-file", paramLabel = "PATH", description = "Read the bearer token from this file " +
        "(surrounding white space removed).")
    Path tokenFile;

    @Option(names = "--pipeline", paramLabel = "NAME", description = "The pipeline's name (default: the one " +
        "pipeline the node runs, from GET /v0/pipelines).")
    String pipeline;

    /** A client for these options; a bad option is a usage error (exit 2). */
    NodeClient client()
    {
        return new NodeClient(base(), token(), pipeline);
    }

    private URI base()
    {
        if (null != url && null != port)
        {
            throw usage("--url and --port are exclusive: give one");
        }
        if (null == url)
        {
            final int p = null == port ? DEFAULT_PORT : port;
            if (p < 1 || p > 65_535)
            {
                throw usage("--port = " + p + " is invalid; allowed: 1..65535");
            }
            return URI.create("http://127.0.0.1:" + p);
        }
        final URI uri;
        try
        {
            uri = URI.create(url);
        }
        catch (final IllegalArgumentException ex)
        {
            throw usage("--url = '" + url + "' is invalid: " + ex.getMessage());
        }
        if (!"http".equals(uri.getScheme()) || null == uri.getHost() ||
            (null != uri.getPath() && !uri.getPath().isEmpty() && !"/".equals(uri.getPath())) || null != uri.getQuery())
        {
            throw usage("--url = '" + url + "' is invalid; allowed: http://HOST:PORT (the node's address, no path)");
        }
        return uri;
    }

    private String token()
    {
        if (null != token && null != tokenFile)
        {
            throw usage("--token and --token-file are exclusive: give one");
        }
        if (null != tokenFile)
        {
            final String read;
            try
            {
                read = Files.readString(tokenFile).strip();
            }
            catch (final IOException ex)
            {
                throw usage("--token-file " + tokenFile + " cannot be read: " + ex);
            }
            if (read.isEmpty())
            {
                throw usage("--token-file " + tokenFile + " is empty; allowed: a file holding the token");
            }
            return read;
        }
        if (null != token)
        {
            if (token.isBlank())
            {
                throw usage("--token is empty; allowed: the node's token");
            }
            return token.strip();
        }
        for (final String name : new String[]{ TOKEN_ENV, RunCommand.TOKEN_ENV })
        {
            final String env = System.getenv(name);
            if (null != env && !env.isBlank())
            {
                return env.strip();
            }
        }
        return null;
    }

    private ParameterException usage(final String message)
    {
        return new ParameterException(spec.commandLine(), message);
    }
}
