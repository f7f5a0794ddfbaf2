package io.teleport.spring.observation;

import io.micrometer.observation.Observation;
import io.micrometer.observation.ObservationConvention;

/**
 * How a pull this peer makes is named and tagged. A bean of this type replaces
 * {@link DefaultTeleportClientObservationConvention} (extend it to add keys); keep low-cardinality
 * values bounded, since each combination is a timer series.
 */
public interface TeleportClientObservationConvention extends ObservationConvention<TeleportClientContext> {

    @Override
    default boolean supportsContext(Observation.Context context) {
        return context instanceof TeleportClientContext;
    }
}
