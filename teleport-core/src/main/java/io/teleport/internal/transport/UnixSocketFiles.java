package io.teleport.internal.transport;

import io.netty.channel.unix.DomainSocketAddress;
import org.jspecify.annotations.Nullable;

import java.io.IOException;
import java.net.SocketAddress;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.channels.SocketChannel;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * The file of a Unix socket about to be listened on. Netty's native transports unlink it before
 * binding, so a second server silently took a running one's socket (and deleted it on stopping,
 * leaving the first unreachable), while NIO refused even a stale file a killed server left. Both now
 * do the same: a file a server answers on is in use; one nothing answers on is replaced.
 */
final class UnixSocketFiles {

    private UnixSocketFiles() {
    }

    /** Removes a stale socket file at {@code address}; throws when a server answers on it. */
    static void claim(SocketAddress address) {
        Path path = path(address);
        if (path == null || !Files.exists(path)) {
            return;
        }
        try (SocketChannel probe = SocketChannel.open(StandardProtocolFamily.UNIX)) {
            probe.connect(UnixDomainSocketAddress.of(path));
        } catch (IOException nobodyAnswers) {
            try {
                Files.deleteIfExists(path);
            } catch (IOException e) {
                throw new IllegalStateException("cannot remove the stale socket file " + path + ": " + e.getMessage(), e);
            }
            return;
        }
        throw new IllegalStateException(path + ": Address already in use (a running server answers on it)");
    }

    private static @Nullable Path path(SocketAddress address) {
        if (address instanceof UnixDomainSocketAddress unix) {
            return unix.getPath();
        }
        if (address instanceof DomainSocketAddress domain) {
            return Path.of(domain.path());
        }
        return null;
    }
}
