package io.teleport.demo.server;

import io.teleport.demo.LogSampler;
import io.teleport.demo.LogValues;
import io.teleport.codec.CodecException;
import io.teleport.demo.Args;
import io.teleport.message.RerrorException;
import io.teleport.router.UnknownPullContext;
import io.teleport.router.UnknownPullHandler;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.context.annotation.Profile;
import org.springframework.stereotype.Component;

import java.nio.charset.StandardCharsets;
import java.util.Map;

/** The seed's {@code UnknownPullHandle}: binds the raw body into {@link Args}, pushes, and replies. */
@Component
@Profile("server")
public class UnknownPull implements UnknownPullHandler {

    private static final Logger log = LoggerFactory.getLogger(UnknownPull.class);
    /** Calls to unknown routes are the remote's to make: not a line each. */
    private final LogSampler logged = new LogSampler();

    @Override
    public Object handle(UnknownPullContext ctx) {
        Args args;
        try {
            args = ctx.bind(Args.class);
        } catch (CodecException e) {
            throw new RerrorException(1001, "bind error", e.getMessage());
        }
        long n = logged.next();
        if (n > 0) {
            log.info("UnknownPullHandle{}: codec: {}, RawMessage: {}, bytes: {}", LogSampler.ofAll(n), ctx.bodyCodec(),
                    args == null ? null : LogValues.shown(args.rawMessage()),
                    args == null || args.bytes() == null ? null
                            : LogValues.shown(new String(args.bytes(), StandardCharsets.UTF_8)));
        }
        ctx.session().push("/push/test?tag=from home-test", Map.of("your_id", String.valueOf(ctx.queryValue("peer_id"))));
        return Home.reply(args, ctx);
    }
}
