package io.teleport.spring.client;

import io.teleport.Peer;
import io.teleport.limits.DurationSettings;
import io.teleport.message.Packet;
import io.teleport.message.PacketType;
import io.teleport.message.Rerror;
import io.teleport.message.RerrorException;
import io.teleport.session.CallOption;
import io.teleport.session.CallOptions;
import io.teleport.session.CallSpec;
import io.teleport.session.Session;

import java.time.Duration;
import java.util.Arrays;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * The whole time a pull through a template may take, its attempts and their dials included: the
 * call's timeout (its own, or the peer's pull timeout), counted from the call. A retry gets what is
 * left of it, not a fresh timeout, so that three attempts of a 30 s pull cannot take 90 s; and a call
 * waits for an instance's dial no longer than that either, so that an instance gone silent (its
 * connects unanswered until the dial timeout) cannot hold calls past their own timeout.
 */
final class CallDeadline {

    private final long timeoutNanos;
    private final long deadlineNanos;

    private CallDeadline(long timeoutNanos, long startNanos) {
        this.timeoutNanos = timeoutNanos;
        this.deadlineNanos = startNanos + timeoutNanos;
    }

    /** The deadline of a pull with {@code options}, started at {@code startNanos}. */
    static CallDeadline of(Peer peer, CallOption[] options, long startNanos) {
        long[] timeout = {peer.config().pullTimeout().toNanos()};
        Packet probe = new Packet(PacketType.PULL);
        CallSpec spec = new CallSpec() {
            @Override
            public Packet packet() {
                return probe;
            }

            @Override
            public void timeout(Duration d) {
                // As the peer reads it: zero or less means its default.
                if (!d.isNegative() && !d.isZero()) {
                    // Capped as the peer caps it: "forever" as a huge duration is 50 years, not an overflow.
                    timeout[0] = DurationSettings.capped(d).toNanos();
                }
            }
        };
        for (CallOption option : options) {
            option.apply(spec);
        }
        return new CallDeadline(timeout[0], startNanos);
    }

    long remainingNanos() {
        return deadlineNanos - System.nanoTime();
    }

    /** The options of a retry: the call's own, with the time left as the attempt's timeout. */
    CallOption[] forRetry(CallOption[] options) {
        CallOption[] limited = Arrays.copyOf(options, options.length + 1);
        limited[options.length] = CallOptions.timeout(Duration.ofNanos(Math.max(1, remainingNanos())));
        return limited;
    }

    /**
     * {@code e} as the caller learns it from an attempt that had only what was left of the call's time:
     * this side's {@code 408} names the call's whole timeout too, as "within 1408 ms" alone reads like a
     * timeout set wrong when the dial or an earlier attempt took the rest of 2000.
     */
    RerrorException explained(RerrorException e) {
        if (e.code() != Rerror.CODE_PULL_TIMEOUT || e.fromReply()) {
            return e;
        }
        Rerror rerror = e.rerror();
        return new RerrorException(rerror.withDetail(rerror.detail() + " (what was left of the call's timeout of "
                + TimeUnit.NANOSECONDS.toMillis(timeoutNanos) + " ms after its dial or an earlier attempt)"), e);
    }

    /**
     * {@code dial} as this call waits for it: failed with {@code 105} once the call's time is up,
     * while the dial itself (shared with other calls) goes on.
     */
    CompletableFuture<Session> bound(CompletableFuture<Session> dial, String address) {
        if (dial.isDone()) {
            return dial;
        }
        // Async: a timeout fires on the JDK's one delay thread, which the call's next attempt and the
        // caller's callbacks must not run on.
        return dial.copy().orTimeout(Math.max(1, remainingNanos()), TimeUnit.NANOSECONDS)
                .exceptionallyComposeAsync(error -> CompletableFuture.failedFuture(
                        SessionTemplate.unwrap(error) instanceof TimeoutException ? dialTooSlow(address) : error));
    }

    private RerrorException dialTooSlow(String address) {
        String why = "the dial of " + address + " did not complete within the call's timeout of "
                + TimeUnit.NANOSECONDS.toMillis(timeoutNanos) + " ms";
        return new RerrorException(new Rerror(Rerror.CODE_DIAL_FAILED, "Dial Failed", why), new TimeoutException(why));
    }
}
