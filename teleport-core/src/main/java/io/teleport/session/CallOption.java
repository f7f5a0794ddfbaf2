package io.teleport.session;

/**
 * A setting of one pull or push: metadata, codec, transfer filters, timeout. The standard ones are
 * in {@link CallOptions}; options apply in the order given, after the defaults.
 */
@FunctionalInterface
public interface CallOption {

    /** Applies this option to the call being built. */
    void apply(CallSpec call);
}
