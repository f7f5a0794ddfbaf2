package io.teleport.internal.transport;

import io.teleport.limits.Limits;
import io.teleport.internal.log.RefusalLogs;
import ch.qos.logback.classic.Level;
import io.netty.buffer.ByteBuf;
import io.netty.channel.ChannelOutboundBuffer;
import io.netty.channel.WriteBufferWaterMark;
import io.netty.channel.embedded.EmbeddedChannel;
import io.teleport.internal.limits.Counters;
import io.teleport.internal.limits.InboundBudget;
import org.junit.jupiter.api.Test;

import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The stall watch on a channel whose socket takes nothing by itself, with frozen time: the test moves
 * bytes out as a reader would, and decides when time passes.
 */
class WriteStallWatchTest {

    /** Writes nothing on flush: what leaves the buffer, the test removes. */
    static final class HeldChannel extends EmbeddedChannel {
        @Override
        protected void doWrite(ChannelOutboundBuffer in) {
        }
    }

    private final Counters counters = new Counters(new InboundBudget(1 << 20), Limits.defaults(), new RefusalLogs(), () -> Runnable::run, () -> 0);
    private final HeldChannel ch = new HeldChannel();
    @org.junit.jupiter.api.extension.RegisterExtension
    final io.teleport.testing.LogCapture log = io.teleport.testing.LogCapture.of(WriteStallWatchTest.class.getName(),
            Level.WARN);
    private final io.teleport.internal.log.RefusalLogs logs = new io.teleport.internal.log.RefusalLogs();
    /** Whether other connections wait for inbound room (the queued bytes stand for replies holding some). */
    private boolean pressed;
    /** Whether the connection's session drains. */
    private boolean draining;
    private final WriteStallWatch watch = new WriteStallWatch(ch, TimeUnit.SECONDS.toNanos(60), counters,
            logs.open(org.slf4j.LoggerFactory.getLogger(WriteStallWatchTest.class), "stalled"), () -> true,
            () -> pressed, () -> draining);

    @org.junit.jupiter.api.AfterEach
    void release() {
        ch.finishAndReleaseAll();
    }

    private ByteBuf queue(int bytes) {
        ByteBuf b = ch.alloc().buffer(bytes).writeZero(bytes);
        ch.writeAndFlush(b);
        return b;
    }

    private void pass(int seconds) {
        ch.advanceTimeBy(seconds, TimeUnit.SECONDS);
        ch.runScheduledPendingTasks();
    }

    /** {@code times} looks, 15 s apart. */
    private void looks(int times) {
        for (int i = 0; i < times; i++) {
            pass(15);
        }
    }

    /** Frozen time, low water marks, {@code messages} queued and none read: the watch starts. */
    private void stalledWith(int... messages) {
        ch.freezeTime();
        ch.config().setWriteBufferWaterMark(new WriteBufferWaterMark(64, 128));
        for (int bytes : messages) {
            queue(bytes);
        }
        watch.bytesQueued();
    }

    /** {@code seconds} looks of the watch, a second apart. */
    private void ticks(int seconds) {
        for (int i = 0; i < seconds; i++) {
            ch.advanceTimeBy(1, TimeUnit.SECONDS);
            ch.runScheduledPendingTasks();
        }
    }

    /**
     * Thousands of peers that pull and never read held a whole inbound budget, no other connection
     * read while they stayed (hostile round 16): holding budget others wait for, a connection that
     * reads nothing is closed two seconds after the pressure began, not at the timeout; reading starts
     * the count again.
     */
    @Test
    void whileOthersWaitForTheBudgetItHoldsAConnectionReadingNothingIsClosedInTwoSeconds() {
        stalledWith(256, 256);
        pressed = true;
        ticks(2);
        assertThat(ch.isOpen()).as("pressed for a second").isTrue();
        ch.unsafe().outboundBuffer().remove();
        ticks(3);
        assertThat(ch.isOpen()).as("a second of pressure since it last read").isTrue();
        ticks(1);
        assertThat(ch.isOpen()).isFalse();
        assertThat(counters.writeStalls()).isEqualTo(1);
    }

    @Test
    void aReaderQuietUnderTheTimeoutGetsItsTwoSecondsOnceThePressureBegins() {
        stalledWith(256);
        ticks(50);
        assertThat(ch.isOpen()).as("50 s of 60, no pressure").isTrue();
        pressed = true;
        ticks(2);
        assertThat(ch.isOpen()).as("a second after the pressure was seen").isTrue();
        ticks(1);
        assertThat(ch.isOpen()).isFalse();
    }

    /** A drain waited its whole timeout for replies a peer never read (hostile round 16). */
    @Test
    void whileItsSessionDrainsAConnectionReadingNothingIsClosedAfterFiveSeconds() {
        stalledWith(256);
        draining = true;
        ticks(4);
        assertThat(ch.isOpen()).as("4 s").isTrue();
        ticks(1);
        assertThat(ch.isOpen()).isFalse();
    }

    @Test
    void nothingReadForTheTimeoutClosesWithinAQuarterOfItAfterward() {
        stalledWith(256);
        looks(3);
        assertThat(ch.isOpen()).as("45 s of 60").isTrue();
        pass(15);
        assertThat(ch.isOpen()).isFalse();
        assertThat(counters.writeStalls()).isEqualTo(1);
        // The other side decides how often: a WARN line per interval, with how many, not one per close.
        assertThat(log.events(Level.WARN)).singleElement().satisfies(e ->
                assertThat(e.getFormattedMessage()).contains("stalled").contains("bytes queued and none read for 60000 ms"));
    }

    @Test
    void anyByteReadStartsTheWaitAgainEvenWhenTheHeadLooksTheSame() {
        stalledWith(256, 256);
        pass(45);
        ChannelOutboundBuffer out = ch.unsafe().outboundBuffer();
        // The reader takes the first message whole; a new one is queued behind the second.
        out.removeBytes(256);
        queue(256);
        looks(3);
        assertThat(ch.isOpen()).as("bytes went out 45 s ago").isTrue();
        out.removeBytes(100);
        looks(4);
        assertThat(ch.isOpen()).as("a partial read counts too: seen 45 s ago").isTrue();
        pass(15);
        assertThat(ch.isOpen()).isFalse();
        assertThat(counters.writeStalls()).isEqualTo(1);
    }

    @Test
    void moreQueuedForAPeerThatReadsNothingIsNoProgress() {
        stalledWith(256);
        for (int i = 0; i < 4; i++) {
            pass(15);
            if (ch.isOpen()) {
                queue(64);
            }
        }
        assertThat(ch.isOpen()).isFalse();
        assertThat(counters.writeStalls()).isEqualTo(1);
    }

    @Test
    void nothingQueuedAnyMoreEndsTheWatch() {
        stalledWith(256);
        ch.unsafe().outboundBuffer().removeBytes(256);
        assertThat(ch.isWritable()).isTrue();
        pass(120);
        assertThat(ch.isOpen()).isTrue();
        assertThat(counters.writeStalls()).isZero();
    }

    @Test
    void bytesUnderTheHighWaterMarkThatNobodyReadsAreAStallToo() {
        // A reply just under the mark, which the socket cannot take: the pull it answers holds its bytes.
        ch.freezeTime();
        queue(100);
        assertThat(ch.isWritable()).isTrue();
        watch.bytesQueued();
        looks(3);
        assertThat(ch.isOpen()).isTrue();
        pass(15);
        assertThat(ch.isOpen()).isFalse();
        assertThat(counters.writeStalls()).isEqualTo(1);
    }
}
