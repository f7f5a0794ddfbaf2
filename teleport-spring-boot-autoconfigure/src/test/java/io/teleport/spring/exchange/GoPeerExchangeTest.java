package io.teleport.spring.exchange;

import io.teleport.Peer;
import io.teleport.codec.PreEncoded;
import io.teleport.config.PeerConfig;
import io.teleport.message.Packet;
import io.teleport.message.PacketType;
import io.teleport.spring.client.SessionTemplate;
import io.teleport.testing.Frames;
import org.junit.jupiter.api.Test;

import java.io.DataInputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * A proxy against a peer that answers frame by frame as a Go Teleport v3 server would, on a raw
 * socket: Go's JSON (sorted keys, {@code &} as {@code \u0026}), an error in {@code X-Reply-Error},
 * and what the proxy wrote checked as Go would read it.
 */
class GoPeerExchangeTest {

    @Test
    void callsAGoPeer() throws Exception {
        List<Packet> read = new CopyOnWriteArrayList<>();
        try (ServerSocket listener = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            CompletableFuture<Void> served = CompletableFuture.runAsync(() -> serve(listener, read));
            Peer client = new Peer(PeerConfig.defaults());
            try {
                SessionTemplate template = new SessionTemplate(client, "inventory", "127.0.0.1:" + listener.getLocalPort());
                StockApi stock = new TeleportExchangeProxyFactory().create(StockApi.class, template);

                assertThat(stock.item("sku-1")).isEqualTo(new StockApi.Item("sku-1", 7));
                assertThat(stock.search("a&b", "ann").get(5, TimeUnit.SECONDS))
                        .containsExactly(new StockApi.Item("a&b|ann", 1));
                assertThatThrownBy(() -> stock.item("none")).isInstanceOfSatisfying(TeleportExchangeException.class,
                        e -> {
                            assertThat(e.code()).isEqualTo(1404);
                            assertThat(e.rerror().message()).isEqualTo("No Such Item");
                            assertThat(e.rerror().detail()).isEqualTo("none");
                        });
                stock.changed(new StockApi.StockChanged("sku-4", -1));
                served.get(5, TimeUnit.SECONDS);
            } finally {
                client.close();
            }
        }
        assertThat(read).extracting(Packet::type).containsExactly(PacketType.PULL, PacketType.PULL, PacketType.PULL,
                PacketType.PUSH);
        assertThat(read).extracting(Packet::uri).containsExactly("/inventory/stock/item",
                "/inventory/stock/search?q=a%26b", "/inventory/stock/item", "/inventory/stock/changed");
        assertThat(read).extracting(p -> p.meta().toString()).containsExactly("", "user=ann", "", "");
        assertThat(read).extracting(p -> new String(p.bodyBytes(), StandardCharsets.UTF_8))
                .containsExactly("\"sku-1\"", "", "\"none\"", "{\"sku\":\"sku-4\",\"delta\":-1}");
        assertThat(read).extracting(Packet::bodyCodec).containsOnly((byte) 'j');
    }

    /** Three pulls answered as Go answers them (the third with an error), then the push. */
    private static void serve(ServerSocket listener, List<Packet> read) {
        try (Socket socket = listener.accept()) {
            DataInputStream in = new DataInputStream(socket.getInputStream());
            OutputStream out = socket.getOutputStream();
            String[] bodies = {"{\"count\":7,\"sku\":\"sku-1\"}", "[{\"count\":1,\"sku\":\"a\\u0026b|ann\"}]", ""};
            for (String body : bodies) {
                Packet pull = Frames.read(in);
                read.add(pull);
                Packet reply = new Packet(PacketType.REPLY, pull.seq(), pull.uri(),
                        new PreEncoded(body.getBytes(StandardCharsets.UTF_8))).bodyCodec((byte) 'j');
                if (body.isEmpty()) {
                    reply.meta().set("X-Reply-Error", "{\"code\":1404,\"message\":\"No Such Item\",\"detail\":\"none\"}");
                }
                out.write(Frames.encode(reply));
                out.flush();
            }
            read.add(Frames.read(in));
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }
}
