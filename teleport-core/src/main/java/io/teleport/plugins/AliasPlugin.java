package io.teleport.plugins;

import io.teleport.message.Rerror;
import io.teleport.plugin.PostReadPullHeader;
import io.teleport.plugin.PostReadPushHeader;
import io.teleport.plugin.ReadContext;
import org.jspecify.annotations.Nullable;

import java.util.Map;

/**
 * Maps one path to another before routing: a pull or push to an alias is handled by the target's
 * handler, with its query kept. The reply echoes the URI as sent, so the caller sees no difference.
 */
public final class AliasPlugin implements PostReadPullHeader, PostReadPushHeader {

    private final Map<String, String> aliases;

    /** Maps each key path to its value path, such as {@code /old/name -> /new/name}. */
    public AliasPlugin(Map<String, String> aliases) {
        this.aliases = Map.copyOf(aliases);
    }

    @Override
    public String name() {
        return "alias";
    }

    @Override
    public @Nullable Rerror postReadPullHeader(ReadContext ctx) {
        rewrite(ctx);
        return null;
    }

    @Override
    public @Nullable Rerror postReadPushHeader(ReadContext ctx) {
        rewrite(ctx);
        return null;
    }

    private void rewrite(ReadContext ctx) {
        String uri = ctx.input().uri();
        int query = uri.indexOf('?');
        String path = query < 0 ? uri : uri.substring(0, query);
        String target = aliases.get(path);
        if (target != null) {
            ctx.input().uri(query < 0 ? target : target + uri.substring(query));
        }
    }
}
