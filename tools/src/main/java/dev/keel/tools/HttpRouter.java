package dev.keel.tools;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.sun.net.httpserver.HttpExchange;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;

/**
 * Exact routing for the control API: a route is a method, a path template whose {@code {param}} segments match one
 * segment each, the query parameters it accepts and a handler. A path no template matches is 404, a path matched
 * only under other methods is 405 with {@code Allow}, an unknown, repeated or bad query parameter is 400; every
 * error body is Feldera's {@code {"message": ..., "error_code": ..., "details": {...}}}.
 * <p>
 * With a bearer token set, every request (known path or not, so that routes cannot be probed) needs
 * {@code Authorization: Bearer <token>}; only the token's SHA-256 digest is kept, and digests are compared with
 * {@link MessageDigest#isEqual(byte[], byte[])} so that neither the content nor the length of the token leaks
 * through timing.
 */
final class HttpRouter
{
    static final ObjectMapper JSON = new ObjectMapper();

    private static final System.Logger LOG = System.getLogger(HttpRouter.class.getName());

    /** Handles one matched request. */
    @FunctionalInterface
    interface Handler
    {
        Response handle(Request request);
    }

    /**
     * A matched request.
     *
     * @param pathParams values of the template's {@code {param}} segments.
     * @param query      query parameters (each accepted by the route, at most once).
     */
    record Request(Map<String, String> pathParams, Map<String, String> query)
    {
        String path(final String name)
        {
            return pathParams.get(name);
        }
    }

    /**
     * An answer.
     *
     * @param status      HTTP status.
     * @param contentType its content type.
     * @param body        its body.
     * @param afterSend   run once the answer is sent (a stop must not close the server under its own reply), or null.
     */
    record Response(int status, String contentType, String body, Runnable afterSend)
    {
        static Response json(final int status, final Object body)
        {
            try
            {
                return new Response(status, "application/json", JSON.writeValueAsString(body) + "\n", null);
            }
            catch (final IOException ex)
            {
                throw new IllegalStateException("cannot render JSON: " + ex, ex);
            }
        }

        Response andThen(final Runnable action)
        {
            return new Response(status, contentType, body, action);
        }
    }

    /** An error answer in Feldera's shape; thrown by handlers. */
    static final class ApiError extends RuntimeException
    {
        private static final long serialVersionUID = 1L;

        final int status;
        final String errorCode;
        final Map<String, Object> details;
        final Map<String, String> headers;

        ApiError(final int status, final String errorCode, final String message, final Map<String, ?> details)
        {
            this(status, errorCode, message, details, Map.of());
        }

        ApiError(final int status, final String errorCode, final String message, final Map<String, ?> details,
            final Map<String, String> headers)
        {
            super(message, null, false, false);
            this.status = status;
            this.errorCode = errorCode;
            this.details = new LinkedHashMap<>(details);
            this.headers = headers;
        }

        Response toResponse()
        {
            final ObjectNode body = JSON.createObjectNode();
            body.put("message", getMessage());
            body.put("error_code", errorCode);
            body.set("details", JSON.valueToTree(details));
            return Response.json(status, body);
        }
    }

    /**
     * Handles a matched request by itself, owning the exchange from then on (reading its body, answering, perhaps
     * on another thread and for long: HTTP ingress and egress). The router has checked the token, the path, the
     * method and the query parameters; nothing of the body was read.
     */
    @FunctionalInterface
    interface ExchangeHandler
    {
        void handle(HttpExchange exchange, Request request) throws IOException;
    }

    private record Route(
        String method, String[] segments, Set<String> queryParams, Handler handler, ExchangeHandler exchangeHandler)
    {
    }

    private record Matched(Route route, Request request)
    {
    }

    private final List<Route> routes = new ArrayList<>();
    private byte[] tokenDigest;

    /** Adds a route that takes no query parameter. */
    HttpRouter route(final String method, final String template, final Handler handler)
    {
        return route(method, template, Set.of(), handler);
    }

    /** Adds a route; {@code queryParams} are the query parameters it accepts (all optional to the router). */
    HttpRouter route(final String method, final String template, final Set<String> queryParams, final Handler handler)
    {
        routes.add(new Route(method, segments(template), queryParams, handler, null));
        return this;
    }

    /** Adds a route whose handler owns the exchange (see {@link ExchangeHandler}). */
    HttpRouter exchangeRoute(
        final String method, final String template, final Set<String> queryParams, final ExchangeHandler handler)
    {
        routes.add(new Route(method, segments(template), queryParams, null, handler));
        return this;
    }

    /** Requires {@code Authorization: Bearer token} on every request; null requires nothing. */
    HttpRouter bearerToken(final byte[] token)
    {
        tokenDigest = null == token ? null : sha256(token);
        return this;
    }

    /** Serves one exchange; never throws past the server except for I/O errors on the connection. */
    void dispatch(final HttpExchange exchange) throws IOException
    {
        Response response;
        Map<String, String> headers = Map.of();
        boolean drained = false;
        try
        {
            final Matched matched = resolve(exchange);
            if (null != matched.route.exchangeHandler)
            {
                matched.route.exchangeHandler.handle(exchange, matched.request);
                return;
            }
            drained = true;
            drain(exchange.getRequestBody());
            response = matched.route.handler.handle(matched.request);
        }
        catch (final ApiError error)
        {
            if (!drained)
            {
                drain(exchange.getRequestBody());
            }
            response = error.toResponse();
            headers = error.headers;
        }
        catch (final RuntimeException ex)
        {
            LOG.log(System.Logger.Level.WARNING, "control API: " + exchange.getRequestMethod() + " " +
                exchange.getRequestURI().getPath() + " failed", ex);
            response = new ApiError(500, "INTERNAL_ERROR", String.valueOf(ex.getMessage()),
                Map.of("exception", ex.getClass().getName())).toResponse();
        }
        send(exchange, response, headers);
    }

    /** Sends a whole answer with extra headers and closes the exchange; then runs its {@code afterSend}. */
    static void send(final HttpExchange exchange, final Response response, final Map<String, String> headers)
        throws IOException
    {
        final byte[] bytes = response.body().getBytes(StandardCharsets.UTF_8);
        headers.forEach((name, value) -> exchange.getResponseHeaders().set(name, value));
        exchange.getResponseHeaders().set("Content-Type", response.contentType());
        exchange.sendResponseHeaders(response.status(), bytes.length);
        try (OutputStream out = exchange.getResponseBody())
        {
            out.write(bytes);
        }
        if (null != response.afterSend())
        {
            response.afterSend().run();
        }
    }

    private Matched resolve(final HttpExchange exchange)
    {
        authorize(exchange.getRequestHeaders().getFirst("Authorization"));
        final String method = exchange.getRequestMethod();
        final String path = exchange.getRequestURI().getPath();
        final String[] segments = segments(null == path ? "/" : path);
        final Set<String> allowed = new TreeSet<>();
        for (final Route route : routes)
        {
            final Map<String, String> params = match(route.segments, segments);
            if (null == params)
            {
                continue;
            }
            if (route.method.equals(method))
            {
                return new Matched(route, new Request(params, query(exchange.getRequestURI().getRawQuery(), route)));
            }
            allowed.add(route.method);
        }
        if (allowed.isEmpty())
        {
            throw new ApiError(404, "NOT_FOUND", "no such path: " + path + " (see the API table in README.md)",
                Map.of("path", String.valueOf(path)));
        }
        final String allow = String.join(", ", allowed);
        throw new ApiError(405, "METHOD_NOT_ALLOWED", method + " is not allowed on " + path + "; use " + allow,
            Map.of("method", method, "allowed", new ArrayList<>(allowed)), Map.of("Allow", allow));
    }

    private void authorize(final String authorization)
    {
        if (null == tokenDigest)
        {
            return;
        }
        // the scheme is case-insensitive (RFC 7235); the token itself is compared only as a digest
        final String prefix = "bearer ";
        final boolean bearer = null != authorization && authorization.length() > prefix.length() &&
            authorization.regionMatches(true, 0, prefix, 0, prefix.length());
        final byte[] presented = bearer ?
            authorization.substring(prefix.length()).trim().getBytes(StandardCharsets.UTF_8) : new byte[0];
        if (!MessageDigest.isEqual(sha256(presented), tokenDigest) || !bearer)
        {
            throw new ApiError(401, "UNAUTHORIZED", null == authorization ?
                "this node requires a bearer token: send Authorization: Bearer <token>" :
                "the Authorization header does not carry this node's bearer token",
                Map.of(), Map.of("WWW-Authenticate", "Bearer"));
        }
    }

    private static Map<String, String> match(final String[] template, final String[] segments)
    {
        if (template.length != segments.length)
        {
            return null;
        }
        Map<String, String> params = Map.of();
        for (int i = 0; i < template.length; i++)
        {
            final String t = template[i];
            if (t.length() > 2 && t.charAt(0) == '{' && t.charAt(t.length() - 1) == '}')
            {
                if (segments[i].isEmpty())
                {
                    return null;
                }
                if (params.isEmpty())
                {
                    params = new LinkedHashMap<>();
                }
                params.put(t.substring(1, t.length() - 1), segments[i]);
            }
            else if (!t.equals(segments[i]))
            {
                return null;
            }
        }
        return params;
    }

    private static Map<String, String> query(final String rawQuery, final Route route)
    {
        if (null == rawQuery || rawQuery.isEmpty())
        {
            return Map.of();
        }
        final Map<String, String> query = new LinkedHashMap<>();
        for (final String pair : rawQuery.split("&"))
        {
            if (pair.isEmpty())
            {
                continue;
            }
            final int eq = pair.indexOf('=');
            final String name;
            final String value;
            try
            {
                name = URLDecoder.decode(eq < 0 ? pair : pair.substring(0, eq), StandardCharsets.UTF_8);
                value = eq < 0 ? "" : URLDecoder.decode(pair.substring(eq + 1), StandardCharsets.UTF_8);
            }
            catch (final IllegalArgumentException ex)
            {
                throw badParameter(pair, "is not URL-encoded correctly: " + ex.getMessage());
            }
            if (!route.queryParams.contains(name))
            {
                throw badParameter(name, route.queryParams.isEmpty() ? "is unknown: this path takes no parameter" :
                    "is unknown; allowed: " + new TreeSet<>(route.queryParams));
            }
            if (null != query.put(name, value))
            {
                throw badParameter(name, "is given more than once");
            }
        }
        return query;
    }

    static ApiError badParameter(final String name, final String problem)
    {
        return new ApiError(400, "INVALID_PARAMETER", "query parameter '" + name + "' " + problem,
            Map.of("parameter", name));
    }

    private static String[] segments(final String path)
    {
        // "/a/b" -> ["a", "b"]; a trailing slash is a segment of its own ("") so that "/status/" is not "/status"
        final String trimmed = path.startsWith("/") ? path.substring(1) : path;
        return trimmed.split("/", -1);
    }

    static void drain(final InputStream body) throws IOException
    {
        // only exchange routes read a body; reading it keeps the connection reusable
        try (InputStream in = body)
        {
            in.transferTo(OutputStream.nullOutputStream());
        }
    }

    private static byte[] sha256(final byte[] bytes)
    {
        try
        {
            return MessageDigest.getInstance("SHA-256").digest(bytes);
        }
        catch (final NoSuchAlgorithmException ex)
        {
            throw new IllegalStateException("SHA-256 is required of every JDK", ex);
        }
    }

    static Map<String, Object> details(final Object... keyValues)
    {
        final Map<String, Object> details = new LinkedHashMap<>();
        for (int i = 0; i < keyValues.length; i += 2)
        {
            details.put((String)keyValues[i], keyValues[i + 1]);
        }
        return Collections.unmodifiableMap(details);
    }
}
