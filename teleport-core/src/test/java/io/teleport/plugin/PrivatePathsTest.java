package io.teleport.plugin;

import io.teleport.message.Packet;
import io.teleport.message.PacketType;
import io.teleport.message.Rerror;
import io.teleport.session.Session;
import org.jspecify.annotations.Nullable;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;
import java.util.Set;

import static org.assertj.core.api.Assertions.assertThat;

/** Messages to a plugin's private paths are seen by it and the plugins before it, and by no other. */
class PrivatePathsTest {

    private final List<String> seen = new ArrayList<>();

    @Test
    void onlyTheOwnerAndThePluginsBeforeItSeeItsPaths() {
        PluginChain chain = PluginChain.of(List.of(recorder("before"), new Owner(), recorder("after")));

        chain.run(Hook.POST_READ_PULL_HEADER, read(new Packet(PacketType.PULL, 1, "/auth/verify?x=1", null), null));
        assertThat(seen).containsExactly("before", "owner");

        seen.clear();
        chain.run(Hook.POST_READ_PULL_HEADER, read(new Packet(PacketType.PULL, 2, "/auth/verify_more", null), null));
        assertThat(seen).as("another path, though it starts the same").containsExactly("before", "owner", "after");

        seen.clear();
        Packet pull = new Packet(PacketType.PULL, 3, "/auth/verify", null);
        chain.run(Hook.POST_READ_PULL_HEADER, read(new Packet(PacketType.REPLY, 3, "", null), pull));
        assertThat(seen).as("a reply goes to its pull's path").containsExactly("before", "owner");
    }

    @Test
    void aRouteChainWithoutTheOwnerIsNotAffected() {
        PluginChain chain = PluginChain.of(List.of(recorder("route")));
        chain.run(Hook.POST_READ_PULL_HEADER, read(new Packet(PacketType.PULL, 1, "/auth/verify", null), null));
        assertThat(seen).containsExactly("route");
    }

    private final class Owner implements PostReadPullHeader, PrivatePaths {
        @Override
        public Set<String> privatePaths() {
            return Set.of("/auth/verify");
        }

        @Override
        public @Nullable Rerror postReadPullHeader(ReadContext ctx) {
            seen.add("owner");
            return null;
        }

        @Override
        public String name() {
            return "owner";
        }
    }

    private PostReadPullHeader recorder(String name) {
        return new PostReadPullHeader() {
            @Override
            public @Nullable Rerror postReadPullHeader(ReadContext ctx) {
                seen.add(name);
                return null;
            }

            @Override
            public String name() {
                return name;
            }
        };
    }

    private static ReadContext read(Packet input, @Nullable Packet output) {
        return new ReadContext() {
            @Override
            public Session session() {
                throw new UnsupportedOperationException();
            }

            @Override
            public Packet input() {
                return input;
            }

            @Override
            public @Nullable RouteInfo route() {
                return null;
            }

            @Override
            public @Nullable Object body() {
                return null;
            }

            @Override
            public @Nullable Packet output() {
                return output;
            }

            @Override
            public long startNanos() {
                return 0;
            }
        };
    }
}
