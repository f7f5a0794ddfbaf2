package io.teleport.spring.observation;

/**
 * The default naming of pulls this peer answers: the observation {@code teleport.pull.handle} (so its
 * timer is the one the README and existing dashboards know), low-cardinality keys {@code route},
 * {@code code} (as the handlers chose it) and {@code outcome}, the calling peer's address as
 * high-cardinality {@code remote.address}, and spans named {@code pull <route>}. Extend it to add keys.
 */
public class DefaultTeleportServerObservationConvention extends PullObservationConvention<TeleportServerContext>
        implements TeleportServerObservationConvention {

    /** The observation's name, and so the timer's. */
    public static final String NAME = "teleport.pull.handle";

    /** The default naming. */
    public DefaultTeleportServerObservationConvention() {
        super(NAME, false);
    }
}
