package io.teleport.internal.transport;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.channel.AdaptiveRecvByteBufAllocator;
import io.netty.channel.RecvByteBufAllocator;
import io.netty.util.UncheckedBooleanSupplier;
import io.teleport.internal.limits.InboundBudget;

/**
 * Sizes a connection's reads by the inbound budget ({@link InboundBudget#readSize}): while connections
 * wait for room in it, what each has read but cannot reserve, which it holds uncounted while it waits,
 * stays small. Otherwise reads are Netty's adaptive ones.
 */
final class BudgetReads extends AdaptiveRecvByteBufAllocator {

    private final InboundBudget budget;

    BudgetReads(InboundBudget budget) {
        this.budget = budget;
    }

    @Override
    public Handle newHandle() {
        return new Sized((ExtendedHandle) super.newHandle());
    }

    /** Netty's handle, but for the size of each read. */
    private final class Sized implements ExtendedHandle {

        private final ExtendedHandle adaptive;

        Sized(ExtendedHandle adaptive) {
            this.adaptive = adaptive;
        }

        @Override
        public ByteBuf allocate(ByteBufAllocator alloc) {
            return alloc.ioBuffer(guess());
        }

        @Override
        public int guess() {
            return budget.readSize(adaptive.guess());
        }

        @Override
        public void reset(io.netty.channel.ChannelConfig config) {
            adaptive.reset(config);
        }

        @Override
        public void incMessagesRead(int numMessages) {
            adaptive.incMessagesRead(numMessages);
        }

        @Override
        public void lastBytesRead(int bytes) {
            adaptive.lastBytesRead(bytes);
        }

        @Override
        public int lastBytesRead() {
            return adaptive.lastBytesRead();
        }

        @Override
        public void attemptedBytesRead(int bytes) {
            adaptive.attemptedBytesRead(bytes);
        }

        @Override
        public int attemptedBytesRead() {
            return adaptive.attemptedBytesRead();
        }

        @Override
        public boolean continueReading() {
            return adaptive.continueReading();
        }

        @Override
        public boolean continueReading(UncheckedBooleanSupplier maybeMoreDataSupplier) {
            return adaptive.continueReading(maybeMoreDataSupplier);
        }

        @Override
        public void readComplete() {
            adaptive.readComplete();
        }
    }
}
