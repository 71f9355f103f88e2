package dev.keel.tools;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import java.io.IOException;
import java.net.ConnectException;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpConnectTimeoutException;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;

/**
 * A client of one running node's control API (see {@link ControlServer}), used by the {@code keel} commands that
 * talk to a node ({@code keel status}, {@code keel checkpoint create}, ...). Every failure is a
 * {@link ClientException} carrying the exit code the command ends with: {@link #EXIT_API_ERROR} for an error answer
 * of the API (its {@code {message, error_code, details}} body rendered once), {@link #EXIT_CANNOT_CONNECT} when
 * nothing answers at the address.
 */
final class NodeClient
{
    /** The API answered with an error, or the operation waited for failed. */
    static final int EXIT_API_ERROR = 1;
    /** Bad usage of the command line (picocli's code). */
    static final int EXIT_USAGE = 2;
    /** Nothing answers at the node's address (not running, wrong port). */
    static final int EXIT_CANNOT_CONNECT = 3;
    /** A {@code --wait} ran out of its {@code --timeout}. */
    static final int EXIT_TIMEOUT = 4;

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Duration REQUEST_TIMEOUT = Duration.ofSeconds(30);

    /** A failed call, with the exit code of the command and the message to print (once). */
    static final class ClientException extends RuntimeException
    {
        private static final long serialVersionUID = 1L;

        final int exitCode;
        final int httpStatus;
        final String errorCode;

        ClientException(final int exitCode, final int httpStatus, final String errorCode, final String message)
        {
            super(message, null, false, false);
            this.exitCode = exitCode;
            this.httpStatus = httpStatus;
            this.errorCode = errorCode;
        }
    }

    /**
     * An answer of the API.
     *
     * @param status HTTP status.
     * @param raw    the body as received.
     * @param json   the body parsed, or null if it is not JSON.
     */
    record Answer(int status, String raw, JsonNode json)
    {
    }

    private final HttpClient http;
    private final URI base;
    private final String authorization;
    private String pipeline;

    /**
     * @param base     the node's address, {@code http://127.0.0.1:PORT}.
     * @param token    the bearer token, or null.
     * @param pipeline the pipeline's name, or null for the one the node lists.
     */
    NodeClient(final URI base, final String token, final String pipeline)
    {
        this.http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
        final String text = base.toString();
        this.base = URI.create(text.endsWith("/") ? text.substring(0, text.length() - 1) : text);
        this.authorization = null == token ? null : "Bearer " + token;
        this.pipeline = pipeline;
    }

    /** The node's address. */
    URI base()
    {
        return base;
    }

    /**
     * The pipeline's name: the one given, else the single one {@code GET /v0/pipelines} lists.
     *
     * @return the name.
     */
    String pipeline()
    {
        if (null == pipeline)
        {
            final JsonNode list = call("GET", "/v0/pipelines").json;
            if (null == list || !list.isArray() || list.size() != 1 || !list.get(0).hasNonNull("name"))
            {
                throw new ClientException(EXIT_API_ERROR, 200, null, "GET " + base + "/v0/pipelines did not list " +
                    "exactly one pipeline (" + list + "); name it with --pipeline NAME");
            }
            pipeline = list.get(0).get("name").asText();
        }
        return pipeline;
    }

    /** GET or POST on a path under {@code /v0/pipelines/{name}} ({@code ""} for the pipeline itself). */
    Answer pipelineCall(final String method, final String path)
    {
        return call(method, "/v0/pipelines/" + encode(pipeline()) + path);
    }

    /**
     * Like {@link #pipelineCall(String, String)}, but an error answer with {@code errorCode} (e.g.
     * {@code SYNC_NOT_CONFIGURED}) is returned rather than thrown.
     */
    Answer pipelineCallAllowing(final String method, final String path, final String... errorCodes)
    {
        try
        {
            return pipelineCall(method, path);
        }
        catch (final ClientException ex)
        {
            for (final String errorCode : errorCodes)
            {
                if (errorCode.equals(ex.errorCode))
                {
                    return new Answer(ex.httpStatus, errorCode, null);
                }
            }
            throw ex;
        }
    }

    /** One request; a non-2xx answer throws with its error body rendered once. */
    Answer call(final String method, final String path)
    {
        final HttpRequest.Builder request = HttpRequest.newBuilder(URI.create(base + path))
            .timeout(REQUEST_TIMEOUT)
            .method(method, HttpRequest.BodyPublishers.noBody());
        if (null != authorization)
        {
            request.header("Authorization", authorization);
        }
        final HttpResponse<String> response;
        try
        {
            response = http.send(request.build(), HttpResponse.BodyHandlers.ofString());
        }
        catch (final ConnectException | HttpConnectTimeoutException ex)
        {
            throw new ClientException(EXIT_CANNOT_CONNECT, 0, null, "cannot connect to " + base + ": " +
                (null == ex.getMessage() ? (ex instanceof HttpConnectTimeoutException ? "connect timed out" :
                "connection refused") : ex.getMessage()) +
                " (is the node running with --http-port? set the address with --url or --port)");
        }
        catch (final IOException ex)
        {
            throw new ClientException(EXIT_CANNOT_CONNECT, 0, null, method + " " + base + path + " failed: " +
                ex.getClass().getSimpleName() + (null == ex.getMessage() ? "" : ": " + ex.getMessage()));
        }
        catch (final InterruptedException ex)
        {
            Thread.currentThread().interrupt();
            throw new ClientException(EXIT_API_ERROR, 0, null, method + " " + path + " interrupted");
        }
        final JsonNode json = parse(response.body());
        if (response.statusCode() / 100 != 2)
        {
            throw error(method, path, response.statusCode(), json, response.body());
        }
        return new Answer(response.statusCode(), response.body(), json);
    }

    private static ClientException error(
        final String method, final String path, final int status, final JsonNode body, final String raw)
    {
        final String errorCode = null != body && body.hasNonNull("error_code") ? body.get("error_code").asText() : null;
        final String message = null != body && body.hasNonNull("message") ? body.get("message").asText() :
            raw.strip();
        final StringBuilder text = new StringBuilder();
        text.append('[').append(null == errorCode ? "HTTP_" + status : errorCode).append("] ").append(message);
        final JsonNode details = null == body ? null : body.get("details");
        if (null != details && details.isObject() && !details.isEmpty())
        {
            text.append(" (details: ").append(details).append(')');
        }
        text.append(" (HTTP ").append(status).append(" on ").append(method).append(' ').append(path).append(')');
        if (status == 501)
        {
            text.append(": this node does not support it yet");
        }
        else if (status == 401)
        {
            text.append(": pass the node's token with --token, --token-file or ").append(ApiOptions.TOKEN_ENV);
        }
        return new ClientException(EXIT_API_ERROR, status, errorCode, text.toString());
    }

    private static JsonNode parse(final String body)
    {
        try
        {
            return body.isBlank() ? null : JSON.readTree(body);
        }
        catch (final IOException notJson)
        {
            return null;
        }
    }

    static String encode(final String value)
    {
        return URLEncoder.encode(value, StandardCharsets.UTF_8).replace("+", "%20");
    }
}
