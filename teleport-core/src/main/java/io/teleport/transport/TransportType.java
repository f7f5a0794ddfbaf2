package io.teleport.transport;

import io.netty.channel.epoll.Epoll;
import io.netty.channel.kqueue.KQueue;
import io.netty.channel.uring.IoUring;
import org.jspecify.annotations.Nullable;

import java.util.Locale;

/**
 * Which I/O transport a peer's sockets use. {@link #AUTO} takes the best native one the platform
 * loads (epoll on Linux, kqueue on macOS) and NIO otherwise; io_uring is used only when asked for.
 * A native transport needs its jar for the platform (the starter brings Linux and macOS, x86_64 and
 * aarch64).
 */
public enum TransportType {

    /** Epoll, else kqueue, else NIO. */
    AUTO("auto"),
    /** Java NIO: every platform. */
    NIO("nio"),
    /** Linux epoll. */
    EPOLL("epoll"),
    /** BSD and macOS kqueue. */
    KQUEUE("kqueue"),
    /** Linux io_uring (kernel 5.9 or later, and not disabled by the system). */
    IO_URING("io-uring");

    private final String configName;

    TransportType(String configName) {
        this.configName = configName;
    }

    /** The name used in configuration: {@code auto}, {@code nio}, {@code epoll}, {@code kqueue}, {@code io-uring}. */
    public String configName() {
        return configName;
    }

    /**
     * The transport named {@code name} ({@code io_uring} is accepted too); {@code null} or empty for
     * {@link #AUTO}.
     *
     * @throws IllegalArgumentException naming the choices
     */
    public static TransportType of(@Nullable String name) {
        if (name == null || name.isBlank()) {
            return AUTO;
        }
        String wanted = name.trim().toLowerCase(Locale.ROOT).replace('_', '-');
        for (TransportType type : values()) {
            if (type.configName.equals(wanted)) {
                return type;
            }
        }
        throw new IllegalArgumentException("transport: " + name + " (expected: auto, nio, epoll, kqueue or io-uring)");
    }

    /** Why this native transport cannot be used here, or {@code null} when it can (always for NIO and AUTO). */
    public @Nullable Throwable unavailabilityCause() {
        return switch (this) {
            case EPOLL -> Epoll.unavailabilityCause();
            case KQUEUE -> KQueue.unavailabilityCause();
            case IO_URING -> IoUring.unavailabilityCause();
            default -> null;
        };
    }
}
