package io.teleport.spring.observation;

import io.micrometer.common.KeyValue;
import io.micrometer.common.KeyValues;
import io.micrometer.observation.Observation;
import io.teleport.spring.metrics.BoundedCodes;
import io.teleport.spring.metrics.TeleportTags;

/**
 * The default naming both sides share: the observation's name (and so its timer's), spans named
 * {@code pull <route>}, low-cardinality {@code route}, {@code code}, {@code outcome}, and
 * high-cardinality {@code remote.address}.
 */
abstract class PullObservationConvention<C extends Observation.Context & PullContext> {

    /** The code and outcome of a pull still in flight (on the {@code .active} long task timers only). */
    static final String UNKNOWN = "UNKNOWN";

    private final String name;
    private final boolean remoteCodes;
    /** The answering side's codes: its handlers', which may pass on a remote's (see {@link BoundedCodes}). */
    private final BoundedCodes handledCodes = new BoundedCodes();

    /**
     * @param remoteCodes whether the codes are a remote peer's choice (the calling side), and so
     *     bounded to Teleport's; the answering side's codes are its own handlers', kept up to a bound
     */
    PullObservationConvention(String name, boolean remoteCodes) {
        this.name = name;
        this.remoteCodes = remoteCodes;
    }

    public String getName() {
        return name;
    }

    public String getContextualName(C context) {
        return "pull " + context.route();
    }

    public KeyValues getLowCardinalityKeyValues(C context) {
        Integer code = context.code();
        String codeValue = code == null ? UNKNOWN : remoteCodes ? TeleportTags.codeTag(code) : handledCodes.tag(code);
        return KeyValues.of(KeyValue.of(TeleportKeyNames.ROUTE, context.route()),
                KeyValue.of(TeleportKeyNames.CODE, codeValue),
                KeyValue.of(TeleportKeyNames.OUTCOME, code == null ? UNKNOWN : TeleportTags.outcome(code)));
    }

    public KeyValues getHighCardinalityKeyValues(C context) {
        return KeyValues.of(TeleportKeyNames.REMOTE_ADDRESS.withValue(context.remoteAddress()));
    }
}
