package ai.graft.sdk.testing;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.SocketException;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

/**
 * A local HTTP camera for tests: serves JPEG frames as {@code multipart/x-mixed-replace} (the
 * MJPEG-over-HTTP stream of IP cameras) at a fixed frame rate, cycling through the frames it was
 * given, to every client that connects. Faults on demand: {@link #stall()} keeps connections open
 * but stops sending (a camera that hangs), {@link #dropClients()} closes the connections (a camera
 * that reboots), {@link #stop()} stops listening (connections are refused from then on).
 */
public final class MjpegServer implements AutoCloseable {
    private static final String BOUNDARY = "graftframe";

    private final List<byte[]> frames;
    private final long periodNanos;
    private final ServerSocket server;
    private final Thread acceptor;
    private final Set<Socket> clients = ConcurrentHashMap.newKeySet();
    private final AtomicInteger connections = new AtomicInteger();
    private final AtomicLong framesSent = new AtomicLong();
    private volatile boolean stalled;
    private volatile boolean stopped;
    private volatile long stallAfterFrames = Long.MAX_VALUE;
    private volatile long stallForMs;
    private volatile long stopAfterFrames = Long.MAX_VALUE;

    private MjpegServer(List<byte[]> frames, double fps) throws IOException {
        if (frames.isEmpty() || !(fps > 0)) {
            throw new IllegalArgumentException("need frames and a positive frame rate");
        }
        this.frames = List.copyOf(frames);
        this.periodNanos = (long) (1e9 / fps);
        this.server = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
        this.acceptor = new Thread(this::accept, "mjpeg-server-" + server.getLocalPort());
        acceptor.setDaemon(true);
        acceptor.start();
    }

    /**
     * Starts serving on a free loopback port.
     *
     * @param jpegs encoded JPEG frames, sent in turn, over and over
     * @param fps frames per second per client
     * @return the running server; close it
     * @throws IOException when no port can be bound
     */
    public static MjpegServer start(List<byte[]> jpegs, double fps) throws IOException {
        return new MjpegServer(jpegs, fps);
    }

    /**
     * The stream's address.
     *
     * @return {@code http://127.0.0.1:PORT/video.mjpeg}
     */
    public String url() {
        return "http://127.0.0.1:" + server.getLocalPort() + "/video.mjpeg";
    }

    /**
     * How many clients connected so far.
     *
     * @return the count
     */
    public int connections() {
        return connections.get();
    }

    /**
     * How many frames were sent so far, to all clients.
     *
     * @return the count
     */
    public long framesSent() {
        return framesSent.get();
    }

    /** Stops sending frames; connections stay open and silent, new ones get headers only. */
    public void stall() {
        stalled = true;
    }

    /** Sends frames again after {@link #stall()}. */
    public void resume() {
        stalled = false;
    }

    /**
     * Stalls by itself once this many frames were sent (to all clients together), and resumes after
     * a while: a camera that hangs mid-run, at a moment that does not depend on timing.
     *
     * @param frames frames sent before the stall
     * @param forMs how long the stall lasts
     */
    public void stallAfter(long frames, long forMs) {
        this.stallForMs = forMs;
        this.stallAfterFrames = frames;
    }

    /**
     * Stops by itself ({@link #stop()}) once this many frames were sent: a camera that goes away.
     *
     * @param frames frames sent before the stop
     */
    public void stopAfter(long frames) {
        this.stopAfterFrames = frames;
    }

    /** Closes every client connection; the server keeps accepting new ones. */
    public void dropClients() {
        for (Socket s : clients) {
            closeQuietly(s);
        }
    }

    /** Stops listening and closes every connection: connecting is refused from now on. */
    public void stop() {
        stopped = true;
        closeQuietly(server);
        dropClients();
    }

    @Override
    public void close() {
        stop();
        try {
            acceptor.join(2000);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private void accept() {
        while (!stopped) {
            Socket client;
            try {
                client = server.accept();
            } catch (IOException e) {
                return; // closed
            }
            connections.incrementAndGet();
            clients.add(client);
            Thread t = new Thread(() -> serve(client), "mjpeg-client-" + client.getPort());
            t.setDaemon(true);
            t.start();
        }
    }

    private void serve(Socket client) {
        try (client;
                InputStream in = client.getInputStream();
                OutputStream out = client.getOutputStream()) {
            readRequestHead(in);
            out.write(
                    ("HTTP/1.0 200 OK\r\n"
                                    + "Content-Type: multipart/x-mixed-replace; boundary="
                                    + BOUNDARY
                                    + "\r\nCache-Control: no-cache\r\nConnection: close\r\n\r\n")
                            .getBytes(StandardCharsets.US_ASCII));
            out.flush();
            long next = System.nanoTime();
            int i = 0;
            while (!stopped && !client.isClosed()) {
                long wait = next - System.nanoTime();
                if (wait > 0) {
                    Thread.sleep(wait / 1_000_000, (int) (wait % 1_000_000));
                }
                next += periodNanos;
                if (stalled) {
                    continue;
                }
                byte[] jpeg = frames.get(i++ % frames.size());
                out.write(
                        ("--"
                                        + BOUNDARY
                                        + "\r\nContent-Type: image/jpeg\r\nContent-Length: "
                                        + jpeg.length
                                        + "\r\n\r\n")
                                .getBytes(StandardCharsets.US_ASCII));
                out.write(jpeg);
                out.write("\r\n".getBytes(StandardCharsets.US_ASCII));
                out.flush();
                long sent = framesSent.incrementAndGet();
                if (sent == stallAfterFrames) {
                    stall();
                    Thread resume =
                            new Thread(
                                    () -> {
                                        try {
                                            Thread.sleep(stallForMs);
                                        } catch (InterruptedException e) {
                                            Thread.currentThread().interrupt();
                                        }
                                        resume();
                                    },
                                    "mjpeg-resume");
                    resume.setDaemon(true);
                    resume.start();
                }
                if (sent == stopAfterFrames) {
                    stop();
                }
            }
        } catch (SocketException e) {
            // the client or dropClients() closed the connection
        } catch (IOException e) {
            // the client went away
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } finally {
            clients.remove(client);
        }
    }

    /** Reads up to the blank line that ends the request's headers. */
    private static void readRequestHead(InputStream in) throws IOException {
        int state = 0; // matched characters of \r\n\r\n
        int b;
        while ((b = in.read()) >= 0) {
            if ((b == '\r' && (state == 0 || state == 2)) || (b == '\n' && (state == 1))) {
                state++;
            } else if (b == '\n' && state == 3) {
                return;
            } else {
                state = b == '\r' ? 1 : 0;
            }
        }
    }

    private static void closeQuietly(AutoCloseable c) {
        try {
            c.close();
        } catch (Exception e) {
            // closing anyway
        }
    }

    /**
     * The server's port, for tests that need to know it is bound.
     *
     * @return the port
     */
    public InetSocketAddress address() {
        return (InetSocketAddress) server.getLocalSocketAddress();
    }
}
