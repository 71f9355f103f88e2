package dev.keel.sync;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * A plain TCP forwarder on 127.0.0.1 in front of a loopback server, which a test stops (listener and every
 * connection closed: the client sees refused and reset connections) and starts again on the same port: an S3
 * server cut and restored under a running client (shared by the S3 input's and the Delta output's outage tests;
 * {@link FaultProxy} injects faults into single requests instead).
 */
public final class LoopbackProxy implements AutoCloseable
{
    private final int targetPort;
    private final List<Socket> sockets = new CopyOnWriteArrayList<>();
    private volatile ServerSocket server;
    private int port;

    /**
     * @param targetPort the server's port on loopback.
     */
    public LoopbackProxy(final int targetPort)
    {
        this.targetPort = targetPort;
    }

    /** @return the port the proxy listens on (the same after a restart). */
    public int port()
    {
        return port;
    }

    /** Listens (on the previous port after a {@link #stop}). */
    public synchronized LoopbackProxy start() throws IOException
    {
        final ServerSocket listener = new ServerSocket();
        listener.setReuseAddress(true);
        listener.bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), port));
        port = listener.getLocalPort();
        server = listener;
        final Thread accept = new Thread(() -> acceptLoop(listener), "proxy-accept");
        accept.setDaemon(true);
        accept.start();
        return this;
    }

    /** Closes the listener and every connection. */
    public synchronized void stop()
    {
        close(server);
        for (final Socket socket : sockets)
        {
            close(socket);
        }
        sockets.clear();
    }

    private void acceptLoop(final ServerSocket listener)
    {
        while (!listener.isClosed())
        {
            try
            {
                final Socket client = listener.accept();
                final Socket upstream = new Socket(InetAddress.getLoopbackAddress(), targetPort);
                sockets.add(client);
                sockets.add(upstream);
                pump(client, upstream);
                pump(upstream, client);
            }
            catch (final IOException ex)
            {
                return;
            }
        }
    }

    private void pump(final Socket from, final Socket to)
    {
        final Thread thread = new Thread(() ->
        {
            final byte[] buffer = new byte[64 * 1024];
            try (InputStream in = from.getInputStream(); OutputStream out = to.getOutputStream())
            {
                int read;
                while ((read = in.read(buffer)) >= 0)
                {
                    out.write(buffer, 0, read);
                }
            }
            catch (final IOException ignore)
            {
                // closed by stop() or by the peer
            }
            finally
            {
                close(from);
                close(to);
            }
        }, "proxy-pump");
        thread.setDaemon(true);
        thread.start();
    }

    private static void close(final AutoCloseable closeable)
    {
        try
        {
            if (null != closeable)
            {
                closeable.close();
            }
        }
        catch (final Exception ignore)
        {
            // best effort
        }
    }

    public void close()
    {
        stop();
    }
}
