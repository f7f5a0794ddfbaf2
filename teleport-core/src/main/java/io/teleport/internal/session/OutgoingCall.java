package io.teleport.internal.session;

import io.teleport.limits.DurationSettings;
import io.teleport.message.Packet;
import io.teleport.plugin.WriteContext;
import io.teleport.session.CallOption;
import io.teleport.session.CallSpec;
import io.teleport.session.Session;
import org.jspecify.annotations.Nullable;

import java.time.Duration;

/** One pull or push being built: what its {@link CallOption}s and the push write hooks see. */
final class OutgoingCall implements CallSpec, WriteContext {


    private final Session session;
    private final Packet packet;
    private long timeoutNanos;
    private final long startNanos = System.nanoTime();

    OutgoingCall(Session session, Packet packet, long timeoutNanos) {
        this.session = session;
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
        timeoutNanos = DurationSettings.capped(timeout).toNanos();
    }

    long timeoutNanos() {
        return timeoutNanos;
    }

    @Override
    public Session session() {
        return session;
    }

    @Override
    public Packet output() {
        return packet;
    }

    @Override
    public @Nullable Packet input() {
        return null;
    }

    @Override
    public long startNanos() {
        return startNanos;
    }

    @Override
    public io.teleport.router.@Nullable Route route() {
        return null;
    }
}
