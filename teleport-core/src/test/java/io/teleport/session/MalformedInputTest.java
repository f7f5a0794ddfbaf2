package io.teleport.session;

import io.teleport.Peer;
import io.teleport.config.PeerConfig;
import io.teleport.message.Meta;
import io.teleport.message.Packet;
import io.teleport.message.PacketType;
import io.teleport.message.Rerror;
import io.teleport.testing.Frames;
import io.teleport.testing.GoldenFrames;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.HexFormat;
import java.util.Random;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Bad frames over a real socket: each closes that connection (or fails that call) with a clear
 * error; nothing reaches a handler, and the server goes on serving everyone else.
 */
class MalformedInputTest {

    private static Peer server;
    private static int port;
    private static final AtomicInteger HANDLED = new AtomicInteger();

    @BeforeAll
    static void start() {
        server = new Peer(PeerConfig.builder().readLimit(64 * 1024).build());
        server.pullRouter().route("/echo/json", java.util.Map.class, (body, ctx) -> {
            HANDLED.incrementAndGet();
            return body;
        });
        server.pullRouter().route("/meta", String.class, (body, ctx) -> ctx.meta().toString() + "|" + ctx.meta().peek("k"));
        port = ((InetSocketAddress) server.listen("127.0.0.1:0", null)).getPort();
    }

    @AfterAll
    static void stop() {
        server.close();
    }

    static byte[] frame(int size, int protoId, byte[] rest) {
        return ByteBuffer.allocate(5 + rest.length).putInt(size).put((byte) protoId).put(rest).array();
    }

    static Stream<Object[]> badFrames() {
        byte[] v1 = GoldenFrames.get("V1");
        byte[] wrongType = v1.clone();
        wrongType[14] = 9;
        byte[] unknownFilter = v1.clone();
        unknownFilter[5] = 1;
        byte[] badGzip = HexFormat.of().parseHex("0000001066016700112233445566778899");
        byte[] lyingUriLength = v1.clone();
        lyingUriLength[15] = 0x7f;
        return Stream.of(
                new Object[] {"oversize length prefix", frame(Integer.MAX_VALUE, 'f', new byte[20])},
                new Object[] {"wrong protocol id", frame(v1.length, 'r', java.util.Arrays.copyOfRange(v1, 5, v1.length))},
                new Object[] {"size smaller than the prefix", frame(5, 'f', new byte[] {0})},
                new Object[] {"unsupported packet type", wrongType},
                new Object[] {"unknown transfer filter", unknownFilter},
                new Object[] {"gzip that is not gzip", java.util.Arrays.copyOf(badGzip, 16)},
                new Object[] {"uri length past the payload", lyingUriLength});
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("badFrames")
    void closesThatConnectionOnly(String name, byte[] bytes) throws Exception {
        int handledBefore = HANDLED.get();
        try (Socket socket = new Socket("127.0.0.1", port)) {
            socket.setSoTimeout(3000);
            socket.getOutputStream().write(bytes);
            assertThat(readUntilClosed(socket.getInputStream())).as("no reply, connection closed").isEmpty();
        }
        assertThat(HANDLED.get()).isEqualTo(handledBefore);
        assertServerStillServes();
    }

    @Test
    void aTruncatedFrameThenCloseLeavesNothingBehind() throws Exception {
        byte[] v1 = GoldenFrames.get("V1");
        try (Socket socket = new Socket("127.0.0.1", port)) {
            socket.getOutputStream().write(v1, 0, v1.length - 7);
        }
        assertServerStillServes();
    }

    @Test
    void anUnknownBodyCodecFailsThatCallWith400() throws Exception {
        Packet pull = new Packet(PacketType.PULL, 0, "/echo/json", "x".getBytes(StandardCharsets.UTF_8)).bodyCodec((byte) 's');
        byte[] bytes = Frames.encode(pull);
        bytes[bytes.length - 2] = 'q';
        Packet reply = exchange(bytes);
        assertThat(Rerror.fromMeta(reply.meta())).satisfies(r -> {
            assertThat(r.code()).isEqualTo(400);
            assertThat(r.detail()).isEqualTo("unsupported codec id: 113");
        });
    }

    @Test
    void invalidMetaEscapesAreKeptLiterallyAsTeleportDoes() throws Exception {
        Packet pull = new Packet(PacketType.PULL, 0, "/meta", "x").bodyCodec((byte) 's');
        pull.meta().set("k", "PLACEHOLDER");
        byte[] bytes = Frames.encode(pull);
        String text = new String(bytes, StandardCharsets.ISO_8859_1).replace("PLACEHOLDER", "%zz%4_%FF__");
        Packet reply = exchange(text.getBytes(StandardCharsets.ISO_8859_1));
        assertThat(new String(reply.bodyBytes(), StandardCharsets.UTF_8)).isEqualTo("k=%25zz%254_%EF%BF%BD__|%zz%4_\uFFFD__");
    }

    @Test
    void thousandsOfMutatedFramesNeverBreakTheServer() throws Exception {
        Random random = new Random(42);
        byte[][] golden = GoldenFrames.all().values().toArray(byte[][]::new);
        for (int connection = 0; connection < 40; connection++) {
            try (Socket socket = new Socket("127.0.0.1", port)) {
                socket.setSoTimeout(2000);
                ByteArrayOutputStream stream = new ByteArrayOutputStream();
                for (int i = 0; i < 50; i++) {
                    byte[] frame = golden[random.nextInt(golden.length)].clone();
                    for (int edits = random.nextInt(4); edits > 0; edits--) {
                        frame[random.nextInt(frame.length)] = (byte) random.nextInt(256);
                    }
                    stream.writeBytes(frame);
                }
                socket.getOutputStream().write(stream.toByteArray());
                socket.shutdownOutput();
                readUntilClosed(socket.getInputStream());
            } catch (IOException resetByServer) {
                // The server may close while we still write: that is one of the outcomes we allow.
            }
        }
        assertServerStillServes();
    }

    private static Packet exchange(byte[] request) throws IOException {
        try (Socket socket = new Socket("127.0.0.1", port)) {
            socket.setSoTimeout(3000);
            socket.getOutputStream().write(request);
            Packet reply = Frames.read(new DataInputStream(socket.getInputStream()));
            if (!reply.hasMeta()) {
                reply.meta(new Meta());
            }
            return reply;
        }
    }

    private static byte[] readUntilClosed(InputStream in) throws IOException {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        byte[] buf = new byte[4096];
        try {
            for (int n; (n = in.read(buf)) >= 0; ) {
                out.write(buf, 0, n);
            }
        } catch (SocketTimeoutException e) {
            throw new AssertionError("the server did not close the connection", e);
        }
        return out.toByteArray();
    }

    private static void assertServerStillServes() {
        Peer client = new Peer(PeerConfig.defaults());
        try {
            Session session = client.dial("127.0.0.1:" + port);
            assertThat(session.pull("/echo/json", java.util.Map.of("ok", true), java.util.Map.class))
                    .isEqualTo(java.util.Map.of("ok", true));
        } finally {
            client.close();
        }
    }
}
