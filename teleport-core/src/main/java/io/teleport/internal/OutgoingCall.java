package io.teleport.internal;

import io.teleport.message.Packet;
import io.teleport.session.CallOption;
import io.teleport.session.CallSpec;

import java.time.Duration;

/** The mutable call the {@link CallOption}s of one pull or push are applied to. */
final class OutgoingCall implements CallSpec {

    private final Packet packet;
    private long timeoutNanos;

    OutgoingCall(Packet packet, long timeoutNanos) {
        this.packet = packet;
        this.timeoutNanos = timeoutNanos;
    }

    OutgoingCall apply(CallOption[] options) {
        for (CallOption option : options) {
            option.apply(this);
        }
        return this;
    }

    @Override
    public Packet packet() {
        return packet;
    }

    @Override
    public void timeout(Duration timeout) {
        if (timeout.isNegative() || timeout.isZero()) {
            return;
        }
        timeoutNanos = timeout.toNanos();
    }

    long timeoutNanos() {
        return timeoutNanos;
    }
}
