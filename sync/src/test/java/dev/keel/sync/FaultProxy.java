package dev.keel.sync;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Queue;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Predicate;

/**
 * A loopback HTTP/1.1 proxy between the CRT client and S3Mock that injects faults: one request per connection
 * (it forwards with {@code Connection: close} and closes after the answer), so it can act on each request.
 * Binds 127.0.0.1 only. Every request line is recorded, which also counts writes.
 */
public final class FaultProxy implements AutoCloseable
{
    /** What to do with a matching request. */
    public enum Action
    {
        /** Answer 500 InternalError. */
        ERROR_500,
        /** Answer 503 SlowDown. */
        ERROR_503,
        /** Answer 403 AccessDenied (the body echoes an access key, as AWS does). */
        FORBIDDEN,
        /** Read the request and never answer. */
        STALL,
        /** Read half the body, then reset the connection (RST). */
        RESET,
        /** Hold the request until {@link FaultProxy#release()} is called, then forward it. */
        GATE,
        /** Forward the request, relay the answer's head and half its body, then reset the connection (RST). */
        CUT_RESPONSE,
        /**
         * Forward the request and let the server answer, then reset the connection without relaying any of the
         * answer: the write happened, the client cannot know it (a lost answer).
         */
        DROP_RESPONSE
    }

    /** A parsed request head. */
    public record Request(String method, String target, List<String> headers)
    {
        /**
         * @return true for PUT, POST and DELETE.
         */
        public boolean isWrite()
        {
            return "PUT".equals(method) || "POST".equals(method) || "DELETE".equals(method);
        }
    }

    private record Rule(Predicate<Request> match, Action action, AtomicInteger remaining)
    {
    }

    private final ServerSocket server;
    private final int upstreamPort;
    private final ExecutorService threads = Executors.newCachedThreadPool(r ->
    {
        final Thread t = new Thread(r, "fault-proxy");
        t.setDaemon(true);
        return t;
    });
    private final List<Rule> rules = new CopyOnWriteArrayList<>();
    private final Queue<String> log = new ConcurrentLinkedQueue<>();
    private final Queue<Socket> open = new ConcurrentLinkedQueue<>();
    private final AtomicInteger injected = new AtomicInteger();
    private volatile CountDownLatch gate = new CountDownLatch(1);
    private final CountDownLatch gated = new CountDownLatch(1);
    private volatile String forbiddenEcho = "";

    /**
     * @param upstreamPort the S3 server's port on loopback.
     * @throws IOException if the proxy cannot bind.
     */
    public FaultProxy(final int upstreamPort) throws IOException
    {
        this.upstreamPort = upstreamPort;
        this.server = new ServerSocket();
        server.bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0));
        threads.execute(this::acceptLoop);
    }

    /**
     * @return the proxy's port on loopback.
     */
    public int port()
    {
        return server.getLocalPort();
    }

    /**
     * Apply {@code action} to the next {@code times} requests that match.
     */
    public FaultProxy inject(final Predicate<Request> match, final Action action, final int times)
    {
        rules.add(new Rule(match, action, new AtomicInteger(times)));
        return this;
    }

    void forbiddenEcho(final String echo)
    {
        forbiddenEcho = echo;
    }

    /** Drop every fault rule: requests are forwarded as they come. */
    public void clearFaults()
    {
        rules.clear();
    }

    /** Let every held request through. */
    void release()
    {
        gate.countDown();
    }

    /** Wait until a request is held by a {@link Action#GATE}. */
    boolean awaitGated(final long seconds) throws InterruptedException
    {
        return gated.await(seconds, TimeUnit.SECONDS);
    }

    /**
     * @return the number of requests a fault was applied to.
     */
    public int injectedCount()
    {
        return injected.get();
    }

    /** Request lines ("PUT /bucket/key?query") seen so far. */
    public List<String> requests()
    {
        return new ArrayList<>(log);
    }

    long count(final Predicate<String> requestLine)
    {
        return log.stream().filter(requestLine).count();
    }

    public void close() throws IOException
    {
        gate.countDown();
        server.close();
        for (final Socket socket : open)
        {
            try
            {
                socket.close();
            }
            catch (final IOException ignore)
            {
                // closing anyway
            }
        }
        threads.shutdownNow();
    }

    private void acceptLoop()
    {
        while (!server.isClosed())
        {
            try
            {
                final Socket client = server.accept();
                open.add(client);
                threads.execute(() -> serve(client));
            }
            catch (final IOException ex)
            {
                return;
            }
        }
    }

    private void serve(final Socket client)
    {
        try (client)
        {
            final InputStream in = client.getInputStream();
            final OutputStream out = client.getOutputStream();
            final String head = readHead(in);
            if (null == head)
            {
                return;
            }
            final String[] lines = head.split("\r\n");
            final String[] requestLine = lines[0].split(" ");
            final List<String> headers = new ArrayList<>();
            long contentLength = -1;
            boolean chunked = false;
            boolean expectContinue = false;
            for (int i = 1; i < lines.length; i++)
            {
                final String line = lines[i];
                final String lower = line.toLowerCase(Locale.ROOT);
                if (lower.startsWith("content-length:"))
                {
                    contentLength = Long.parseLong(line.substring(line.indexOf(':') + 1).trim());
                }
                else if (lower.startsWith("transfer-encoding:") && lower.contains("chunked"))
                {
                    chunked = true;
                }
                else if (lower.startsWith("expect:") && lower.contains("100-continue"))
                {
                    expectContinue = true;
                    continue;
                }
                if (!lower.startsWith("connection:"))
                {
                    headers.add(line);
                }
            }
            final Request request = new Request(requestLine[0], requestLine[1], headers);
            log.add(request.method() + " " + request.target());
            final Action action = match(request);

            if (expectContinue)
            {
                out.write("HTTP/1.1 100 Continue\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
                out.flush();
            }
            if (action == Action.RESET)
            {
                final long half = Math.max(1, contentLength / 2);
                in.readNBytes((int)Math.min(half, Integer.MAX_VALUE));
                client.setSoLinger(true, 0);
                return;
            }
            final byte[] body = chunked ? readChunked(in) : in.readNBytes((int)Math.max(0, contentLength));
            if (null != action)
            {
                switch (action)
                {
                    case ERROR_500:
                        answer(out, 500, "Internal Server Error", "InternalError", "injected failure");
                        return;
                    case ERROR_503:
                        answer(out, 503, "Service Unavailable", "SlowDown", "injected slow down");
                        return;
                    case FORBIDDEN:
                        answer(out, 403, "Forbidden", "AccessDenied", "Access Denied for " + forbiddenEcho);
                        return;
                    case STALL:
                        // Never answer; the client gives up and closes.
                        while (in.read() >= 0)
                        {
                            // drain until the client closes
                        }
                        return;
                    case GATE:
                        gated.countDown();
                        gate.await(60, TimeUnit.SECONDS);
                        break;
                    case CUT_RESPONSE:
                        forwardHalf(request, body, client);
                        return;
                    case DROP_RESPONSE:
                        forwardAndDrop(request, body, client);
                        return;
                    default:
                        break;
                }
            }
            forward(request, chunked, body, out);
        }
        catch (final IOException | InterruptedException ex)
        {
            // the client or the test went away
        }
    }

    private Action match(final Request request)
    {
        for (final Rule rule : rules)
        {
            if (rule.match().test(request) && rule.remaining().getAndDecrement() > 0)
            {
                injected.incrementAndGet();
                return rule.action();
            }
        }
        return null;
    }

    private void forward(final Request request, final boolean chunked, final byte[] body, final OutputStream out)
        throws IOException
    {
        try (Socket upstream = new Socket(InetAddress.getLoopbackAddress(), upstreamPort))
        {
            writeUpstream(request, body, upstream.getOutputStream());
            upstream.getInputStream().transferTo(out);
            out.flush();
        }
    }

    private void forwardHalf(final Request request, final byte[] body, final Socket client) throws IOException
    {
        try (Socket upstream = new Socket(InetAddress.getLoopbackAddress(), upstreamPort))
        {
            writeUpstream(request, body, upstream.getOutputStream());
            final InputStream in = upstream.getInputStream();
            final String head = readHead(in);
            if (null == head)
            {
                return;
            }
            long contentLength = 0;
            for (final String line : head.split("\r\n"))
            {
                if (line.toLowerCase(Locale.ROOT).startsWith("content-length:"))
                {
                    contentLength = Long.parseLong(line.substring(line.indexOf(':') + 1).trim());
                }
            }
            final OutputStream out = client.getOutputStream();
            out.write(head.getBytes(StandardCharsets.ISO_8859_1));
            out.write(in.readNBytes((int)Math.min(contentLength / 2, Integer.MAX_VALUE)));
            out.flush();
            client.setSoLinger(true, 0);
        }
    }

    private void forwardAndDrop(final Request request, final byte[] body, final Socket client) throws IOException
    {
        try (Socket upstream = new Socket(InetAddress.getLoopbackAddress(), upstreamPort))
        {
            writeUpstream(request, body, upstream.getOutputStream());
            readHead(upstream.getInputStream()); // the server has acted on the request once it answers
            client.setSoLinger(true, 0);
        }
    }

    private static void writeUpstream(final Request request, final byte[] body, final OutputStream up)
        throws IOException
    {
        final StringBuilder head = new StringBuilder();
        head.append(request.method()).append(' ').append(request.target()).append(" HTTP/1.1\r\n");
        for (final String header : request.headers())
        {
            head.append(header).append("\r\n");
        }
        head.append("Connection: close\r\n\r\n");
        up.write(head.toString().getBytes(StandardCharsets.ISO_8859_1));
        up.write(body);
        up.flush();
    }

    private static void answer(final OutputStream out, final int status, final String reason, final String code,
        final String message) throws IOException
    {
        final byte[] xml = ("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<Error><Code>" + code + "</Code><Message>" +
            message + "</Message><RequestId>fault-proxy</RequestId></Error>").getBytes(StandardCharsets.UTF_8);
        final String head = "HTTP/1.1 " + status + " " + reason + "\r\nContent-Type: application/xml\r\n" +
            "Content-Length: " + xml.length + "\r\nConnection: close\r\n\r\n";
        out.write(head.getBytes(StandardCharsets.US_ASCII));
        out.write(xml);
        out.flush();
    }

    private static String readHead(final InputStream in) throws IOException
    {
        final ByteArrayOutputStream head = new ByteArrayOutputStream();
        int matched = 0;
        while (matched < 4)
        {
            final int b = in.read();
            if (b < 0)
            {
                return null;
            }
            head.write(b);
            matched = (b == '\r' && (matched == 0 || matched == 2)) || (b == '\n' && (matched == 1 || matched == 3)) ?
                matched + 1 : (b == '\r' ? 1 : 0);
        }
        return head.toString(StandardCharsets.ISO_8859_1);
    }

    /** The raw chunked body, trailers included, forwarded as it came. */
    private static byte[] readChunked(final InputStream in) throws IOException
    {
        final ByteArrayOutputStream raw = new ByteArrayOutputStream();
        while (true)
        {
            final String sizeLine = readLine(in);
            raw.write((sizeLine + "\r\n").getBytes(StandardCharsets.ISO_8859_1));
            final int semicolon = sizeLine.indexOf(';');
            final int size = Integer.parseInt((semicolon < 0 ? sizeLine : sizeLine.substring(0, semicolon)).trim(), 16);
            if (size == 0)
            {
                String trailer;
                do
                {
                    trailer = readLine(in);
                    raw.write((trailer + "\r\n").getBytes(StandardCharsets.ISO_8859_1));
                }
                while (!trailer.isEmpty());
                return raw.toByteArray();
            }
            raw.write(in.readNBytes(size));
            raw.write((readLine(in) + "\r\n").getBytes(StandardCharsets.ISO_8859_1));
        }
    }

    private static String readLine(final InputStream in) throws IOException
    {
        final StringBuilder sb = new StringBuilder();
        int b;
        while ((b = in.read()) >= 0 && b != '\n')
        {
            if (b != '\r')
            {
                sb.append((char)b);
            }
        }
        return sb.toString();
    }
}
