package io.teleport.spring.observation;

import io.micrometer.observation.Observation;
import io.micrometer.observation.ObservationConvention;

/**
 * How a pull this peer answers is named and tagged. A bean of this type replaces
 * {@link DefaultTeleportServerObservationConvention} (extend it to add keys); keep low-cardinality
 * values bounded, since each combination is a timer series.
 */
public interface TeleportServerObservationConvention extends ObservationConvention<TeleportServerContext> {

    @Override
    default boolean supportsContext(Observation.Context context) {
        return context instanceof TeleportServerContext;
    }
}
