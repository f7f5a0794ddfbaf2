package io.teleport.spring.observation;

/**
 * The default naming of pulls this peer makes: the observation {@code teleport.pull.launch} (so its
 * timer is the one the README and existing dashboards know), low-cardinality keys {@code route},
 * {@code code} (Teleport's codes or {@code OTHER}: a remote peer chooses them) and {@code outcome}, the
 * remote peer's address as high-cardinality {@code remote.address}, and spans named
 * {@code pull <route>}. Extend it to add keys.
 */
public class DefaultTeleportClientObservationConvention extends PullObservationConvention<TeleportClientContext>
        implements TeleportClientObservationConvention {

    /** The observation's name, and so the timer's. */
    public static final String NAME = "teleport.pull.launch";

    /** The default naming. */
    public DefaultTeleportClientObservationConvention() {
        super(NAME, true);
    }
}
