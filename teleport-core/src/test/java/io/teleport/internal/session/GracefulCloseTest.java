package io.teleport.internal.session;

import io.netty.bootstrap.Bootstrap;
import io.netty.bootstrap.ServerBootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.nio.NioIoHandler;
import io.netty.channel.socket.nio.NioServerSocketChannel;
import io.netty.channel.socket.nio.NioSocketChannel;
import io.netty.util.ReferenceCountUtil;
import io.netty.util.concurrent.Future;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/** The linger of a gracefully closed connection, over a real loopback socket. */
class GracefulCloseTest {

    private final EventLoopGroup group = new MultiThreadIoEventLoopGroup(1, NioIoHandler.newFactory());

    @AfterEach
    void stop() throws InterruptedException {
        group.shutdownGracefully(0, 1, TimeUnit.SECONDS).await(5, TimeUnit.SECONDS);
    }

    @Test
    void aRemoteThatClosesFirstCancelsTheLingerTimer() throws Exception {
        Channel accepted = connect(true);

        GracefulClose.close(accepted, TimeUnit.SECONDS.toNanos(10));

        // The remote sees the end of the output and closes; the accepted side closes on its FIN.
        assertThat(accepted.closeFuture().await(900, TimeUnit.MILLISECONDS)).as("closed before the linger ran out").isTrue();
        Future<?> linger = GracefulClose.lingerOf(accepted);
        assertThat(linger).isNotNull();
        await().atMost(1, TimeUnit.SECONDS).until(linger::isDone);
        assertThat(linger.isCancelled()).as("the timer no longer holds the closed channel").isTrue();
    }

    @Test
    void aRemoteThatNeverClosesIsClosedWhenTheLingerRunsOut() throws Exception {
        Channel accepted = connect(false);
        long start = System.nanoTime();

        GracefulClose.close(accepted, TimeUnit.MILLISECONDS.toNanos(400));

        assertThat(accepted.closeFuture().await(5, TimeUnit.SECONDS)).isTrue();
        assertThat(TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start)).isGreaterThanOrEqualTo(350);
        assertThat(GracefulClose.lingerOf(accepted).isCancelled()).isFalse();
    }

    /**
     * The accepted end of a loopback connection; the dialed end closes on the accepted one's FIN when
     * {@code remoteCloses}, and otherwise keeps its half open (as a peer that never reads its EOF).
     */
    private Channel connect(boolean remoteCloses) throws Exception {
        CompletableFuture<Channel> accepted = new CompletableFuture<>();
        Channel listener = new ServerBootstrap().group(group).channel(NioServerSocketChannel.class)
                .childHandler(new ChannelInboundHandlerAdapter() {
                    @Override
                    public void channelActive(ChannelHandlerContext ctx) {
                        accepted.complete(ctx.channel());
                    }
                })
                .bind("127.0.0.1", 0).sync().channel();
        new Bootstrap().group(group).channel(NioSocketChannel.class)
                .option(ChannelOption.ALLOW_HALF_CLOSURE, !remoteCloses)
                .handler(new ChannelInboundHandlerAdapter() {
                    @Override
                    public void channelRead(ChannelHandlerContext ctx, Object msg) {
                        ReferenceCountUtil.release(msg);
                    }
                })
                .connect(listener.localAddress()).sync();
        return accepted.get(5, TimeUnit.SECONDS);
    }
}
