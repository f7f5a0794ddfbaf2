package io.teleport.spring.diagnostics;

import org.jspecify.annotations.Nullable;


/**
 * A {@code teleport.*} setting this application cannot start with: a malformed or empty address, or
 * a listen address whose port another process holds. It names the property and says what to do, so
 * that start-up fails with Boot's failure analysis (see {@link TeleportFailureAnalyzer}) instead of
 * a stack trace, or, for a client address, instead of every call failing later.
 */
public class TeleportConfigurationException extends IllegalArgumentException {

    private static final long serialVersionUID = 1L;

    private static final String LISTEN_ADDRESS = "teleport.server.listen-address";

    private final String property;
    private final String problem;
    private final String action;

    /**
     * A problem with one property.
     *
     * @param property the property's key, such as {@code teleport.client.address}
     * @param problem what is wrong with its value
     * @param action what to do about it
     * @param cause the failure that showed it, if any
     */
    public TeleportConfigurationException(String property, String problem, String action, @Nullable Throwable cause) {
        super(property + ": " + problem, cause);
        this.property = property;
        this.problem = problem;
        this.action = action;
    }

    /**
     * The failure to listen on {@code address} (the value of {@code teleport.server.listen-address}),
     * told as Boot tells a web server's port in use when that is the reason.
     */
    public static TeleportConfigurationException cannotListen(String address, Throwable failure) {
        int colon = address.lastIndexOf(':');
        String port = colon < 0 ? "socket " + address : "port " + address.substring(colon + 1);
        if (portInUse(failure)) {
            return new TeleportConfigurationException(LISTEN_ADDRESS, address + ": " + port + " is already in use",
                    "Identify and stop the process that is listening on " + port + ", or set " + LISTEN_ADDRESS
                            + " to another " + (colon < 0 ? "path." : "port."), failure);
        }
        return new TeleportConfigurationException(LISTEN_ADDRESS, address + ": cannot listen: " + failure.getMessage(),
                "Set " + LISTEN_ADDRESS + " to an address of this host, such as 0.0.0.0:9090 or :9090 (a socket path "
                        + "when teleport.network is unix).", failure);
    }

    private static boolean portInUse(@Nullable Throwable failure) {
        for (Throwable t = failure; t != null; t = t.getCause()) {
            // NIO throws BindException, epoll a NativeIoException, both with the errno's text (translated
            // on a host in another language), Netty's local transport "address already in use by". A
            // BindException is also an address not of this host or a port the user may not take, told
            // apart by their English text; any other, as before, a port in use.
            String message = String.valueOf(t.getMessage());
            if (message.toLowerCase(java.util.Locale.ROOT).contains("address already in use")) {
                return true;
            }
            if (t instanceof java.net.BindException && !message.contains("Cannot assign requested address")
                    && !message.contains("Permission denied")) {
                return true;
            }
        }
        return false;
    }

    /** The property's key. */
    public String property() {
        return property;
    }

    /** What is wrong with the value. */
    public String problem() {
        return problem;
    }

    /** What to do about it. */
    public String action() {
        return action;
    }
}
