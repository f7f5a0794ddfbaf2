package io.teleport.testing;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.StandardSocketOptions;

/**
 * A loopback port that stays the test's while no server listens on it, so that dials to it are
 * refused: bound with SO_REUSEPORT and never listening (a freed port may be taken by another process
 * at once). Servers that also set {@code reusePort(true)} may listen on it meanwhile.
 */
public final class ReservedPort implements AutoCloseable {

    private final Socket socket = new Socket();

    /** Reserves a free port. */
    public ReservedPort() {
        try {
            socket.setOption(StandardSocketOptions.SO_REUSEPORT, true);
            socket.bind(new InetSocketAddress("127.0.0.1", 0));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** The port. */
    public int port() {
        return socket.getLocalPort();
    }

    /** {@code 127.0.0.1:port}. */
    public String address() {
        return "127.0.0.1:" + port();
    }

    @Override
    public void close() throws IOException {
        socket.close();
    }
}
