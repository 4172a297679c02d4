package ai.graft.sdk.testing;

import java.io.IOException;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A server on 127.0.0.1 that accepts every connection and then sends nothing (a hung camera or a
 * wrong port that happens to listen), or, made with {@link #trickling(long)}, sends the start of an
 * HTTP answer one byte at a time so that no read ever times out and the answer never completes.
 */
public final class SilentServer implements AutoCloseable {
    private final ServerSocket server;
    private final long trickleMs;
    private final Set<Socket> clients = ConcurrentHashMap.newKeySet();
    private final AtomicInteger connections = new AtomicInteger();
    private volatile boolean closed;

    private SilentServer(long trickleMs) throws IOException {
        this.trickleMs = trickleMs;
        this.server = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
        Thread acceptor = new Thread(this::accept, "silent-server-" + server.getLocalPort());
        acceptor.setDaemon(true);
        acceptor.start();
    }

    /**
     * Starts a server that accepts and never sends.
     *
     * @return the running server; close it
     * @throws IOException when no port can be bound
     */
    public static SilentServer start() throws IOException {
        return new SilentServer(0);
    }

    /**
     * Starts a server that accepts and sends one byte of an endless HTTP header every {@code
     * periodMs}.
     *
     * @param periodMs the time between two bytes
     * @return the running server; close it
     * @throws IOException when no port can be bound
     */
    public static SilentServer trickling(long periodMs) throws IOException {
        return new SilentServer(periodMs);
    }

    /**
     * An HTTP URL on this server.
     *
     * @return {@code http://127.0.0.1:PORT/video.mjpeg}
     */
    public String url() {
        return "http://127.0.0.1:" + server.getLocalPort() + "/video.mjpeg";
    }

    /**
     * How many connections were accepted so far.
     *
     * @return the count
     */
    public int connections() {
        return connections.get();
    }

    private void accept() {
        while (!closed) {
            Socket client;
            try {
                client = server.accept();
            } catch (IOException e) {
                return; // closed
            }
            connections.incrementAndGet();
            clients.add(client);
            if (trickleMs > 0) {
                Thread t = new Thread(() -> trickle(client), "silent-trickle-" + client.getPort());
                t.setDaemon(true);
                t.start();
            }
        }
    }

    private void trickle(Socket client) {
        byte[] head = "HTTP/1.0 200 OK\r\nX-Padding: ".getBytes(StandardCharsets.US_ASCII);
        try {
            OutputStream out = client.getOutputStream();
            for (long i = 0; !closed && !client.isClosed(); i++) {
                out.write(i < head.length ? head[(int) i] : 'x');
                out.flush();
                Thread.sleep(trickleMs);
            }
        } catch (IOException e) {
            // the client went away
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    @Override
    public void close() {
        closed = true;
        try {
            server.close();
        } catch (IOException e) {
            // closing anyway
        }
        for (Socket s : clients) {
            try {
                s.close();
            } catch (IOException e) {
                // closing anyway
            }
        }
    }
}
