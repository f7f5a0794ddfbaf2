package io.teleport.session;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.teleport.Peer;
import io.teleport.config.PeerConfig;
import io.teleport.message.Packet;
import io.teleport.proto.FastProto;
import io.teleport.proto.Proto;
import io.teleport.proto.ProtoContext;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.slf4j.LoggerFactory;

import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.time.Duration;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/** Malformed input is logged in one line; a bug that breaks the pipeline is logged with its stack trace. */
class PipelineErrorLogTest {

    /** The connection's handler and the peer, whose interval log counts broken connections. */
    private final Logger logger = (Logger) LoggerFactory.getLogger("io.teleport.internal");
    private final ListAppender<ILoggingEvent> appender = new ListAppender<>();
    private Peer server;

    @BeforeEach
    void capture() {
        appender.start();
        logger.addAppender(appender);
    }

    @AfterEach
    void release() {
        logger.detachAppender(appender);
        if (server != null) {
            server.shutdown(Duration.ofSeconds(1));
        }
    }

    /** FastProto, except that decoding fails the way a bug would. */
    private static final class BrokenProto implements Proto {

        @Override
        public String name() {
            return "broken";
        }

        @Override
        public ByteBuf encode(Packet packet, ProtoContext ctx, ByteBufAllocator alloc) {
            return FastProto.INSTANCE.encode(packet, ctx, alloc);
        }

        @Override
        public Packet decode(ByteBuf in, ProtoContext ctx, ByteBufAllocator alloc) {
            throw new IllegalStateException("a bug in the protocol");
        }
    }

    private void send(Proto proto, byte[] bytes) throws Exception {
        server = new Peer(PeerConfig.defaults());
        int port = ((InetSocketAddress) server.listen("127.0.0.1:0", proto)).getPort();
        try (Socket socket = new Socket("127.0.0.1", port)) {
            OutputStream out = socket.getOutputStream();
            out.write(bytes);
            out.flush();
            socket.setSoTimeout(5000);
            assertThat(socket.getInputStream().read()).as("the server disconnects").isEqualTo(-1);
        }
    }

    private static final byte[] MISMATCHED = {0, 0, 0, 24, 'x', 0, 0, 0, 0, 0, 0, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0, 0, 'j'};

    /** The peer's connection-error lines: other loggers may hold lines of earlier tests' peers. */
    private List<ILoggingEvent> warnings() {
        return appender.list.stream().filter(e -> e.getLevel().isGreaterOrEqual(Level.WARN))
                .filter(e -> e.getLoggerName().equals("io.teleport.internal.session.PeerContext")).toList();
    }

    @Test
    void aMalformedFrameIsOneWarningWithoutAStackTrace() throws Exception {
        send(null, MISMATCHED);
        await().until(() -> warnings().size() == 1);
        ILoggingEvent event = warnings().get(0);
        assertThat(event.getFormattedMessage()).contains("connections closed for breaking the protocol")
                .contains("disconnect(").contains("when reading: Mismatched protocol")
                .as("says what to set").contains("teleport.protocol: auto");
        assertThat(event.getThrowableProxy()).isNull();
    }

    @Test
    void aPeerThatReconnectsToBreakTheProtocolAgainDoesNotFloodTheLog() throws Exception {
        send(null, MISMATCHED);
        int port = ((InetSocketAddress) server.listenAddresses().iterator().next()).getPort();
        for (int i = 1; i < 20; i++) {
            try (Socket socket = new Socket("127.0.0.1", port)) {
                socket.getOutputStream().write(MISMATCHED);
                socket.setSoTimeout(5000);
                assertThat(socket.getInputStream().read()).isEqualTo(-1);
            }
        }
        await().until(() -> server.stats().badFrames() == 20);
        // The first at once, the rest counted into the next line, ten seconds on.
        assertThat(warnings()).hasSize(1);
    }

    @Test
    void anUnexpectedExceptionIsLoggedWithItsStackTraceOncePerInterval() throws Exception {
        send(new BrokenProto(), new byte[] {0, 0, 0, 24, 'f'});
        await().until(() -> warnings().size() == 1);
        ILoggingEvent event = warnings().get(0);
        assertThat(event.getFormattedMessage()).contains("connections closed after an unexpected error")
                .contains("java.lang.IllegalStateException: a bug in the protocol");
        assertThat(event.getThrowableProxy()).as("the stack trace").isNotNull();
        assertThat(event.getThrowableProxy().getClassName()).isEqualTo(IllegalStateException.class.getName());
        assertThat(event.getThrowableProxy().getMessage()).isEqualTo("a bug in the protocol");

        // Whatever a remote can make happen again (an out-of-memory error too) must not flood the log.
        int port = ((InetSocketAddress) server.listenAddresses().iterator().next()).getPort();
        for (int i = 0; i < 10; i++) {
            try (Socket socket = new Socket("127.0.0.1", port)) {
                socket.getOutputStream().write(new byte[] {0, 0, 0, 24, 'f'});
                socket.setSoTimeout(5000);
                assertThat(socket.getInputStream().read()).isEqualTo(-1);
            }
        }
        assertThat(warnings()).as("each closed, one line").hasSize(1);
    }
}
