package io.teleport.session;

import java.time.Duration;
import java.util.Objects;

/** The standard {@link CallOption}s. */
public final class CallOptions {

    private CallOptions() {
    }

    /** Sets a metadata pair, replacing the first with the same key. */
    public static CallOption setMeta(String key, String value) {
        Objects.requireNonNull(key, "key");
        Objects.requireNonNull(value, "value");
        return call -> call.packet().meta().set(key, value);
    }

    /** Appends a metadata pair, keeping any with the same key. */
    public static CallOption addMeta(String key, String value) {
        Objects.requireNonNull(key, "key");
        Objects.requireNonNull(value, "value");
        return call -> call.packet().meta().add(key, value);
    }

    /** Encodes the body with the codec of this id instead of the peer's default. */
    public static CallOption bodyCodec(byte codecId) {
        return call -> call.packet().bodyCodec(codecId);
    }

    /** Passes the payload through these transfer filters, outer-most first. */
    public static CallOption xfer(byte... filterIds) {
        byte[] ids = filterIds.clone();
        return call -> call.packet().appendXfer(ids);
    }

    /** Gives the pull this long for its reply; a push, this long to wait for its session's redial. */
    public static CallOption timeout(Duration timeout) {
        Objects.requireNonNull(timeout, "timeout");
        return call -> call.timeout(timeout);
    }
}
