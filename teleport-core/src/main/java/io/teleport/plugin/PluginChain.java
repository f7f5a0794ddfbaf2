package io.teleport.plugin;

import io.teleport.message.Rerror;
import io.teleport.message.RerrorException;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.LongAdder;

/**
 * An ordered, immutable list of plugins with, for each {@link Hook}, the plugins that have it, so
 * that running a hook is a loop over exactly those (none for a hook no plugin implements).
 *
 * <p>Hooks run in list order. For hooks that return a {@link Rerror} the first error stops the chain
 * and a plugin that throws counts as returning a 500 error; see {@link Hook.OnFailure} for the
 * others. Plugin names must be unique. Messages to the paths of a {@link PrivatePaths} plugin are
 * not shown to the plugins after it.
 */
public final class PluginChain {

    private static final Logger log = LoggerFactory.getLogger(PluginChain.class);
    private static final long FAILURE_LINE_NANOS = TimeUnit.SECONDS.toNanos(10);
    private static final AtomicLong NEXT_FAILURE_LINE = new AtomicLong(System.nanoTime());
    private static final LongAdder FAILURES = new LongAdder();
    private static final Plugin[] NONE = new Plugin[0];
    private static final int WHOLE_CHAIN = Integer.MAX_VALUE;
    private static final PluginChain EMPTY = new PluginChain(List.of());

    private final List<Plugin> all;
    /** By {@link Hook#index}: the plugins that have the hook, in order. */
    private final Plugin[][] byHook;
    /** By {@link Hook#index}: where each of them is in {@link #all}. */
    private final int[][] positions;
    /** By {@link Hook#index}: whether one of them may block (see {@link Plugin#nonBlocking()}). */
    private final boolean[] blocks;
    /** The plugins that wrap handlers, in order, and where each is in {@link #all}. */
    private final AroundHandler[] around;
    private final int[] aroundAt;
    /** Whether one of {@link #around} may block. */
    private final boolean aroundBlocks;
    /** Each private path and where its plugin is in {@link #all}; empty in most chains. */
    private final Map<String, Integer> privatePaths = new LinkedHashMap<>();
    /** The smallest {@link UnverifiedReadLimit} of the chain; {@code Integer.MAX_VALUE} for none. */
    private final int unverifiedReadLimit;

    private PluginChain(List<Plugin> all) {
        this.all = all;
        List<Hook<?, ?>> hooks = Hook.all();
        byHook = new Plugin[hooks.size()][];
        positions = new int[hooks.size()][];
        blocks = new boolean[hooks.size()];
        for (Hook<?, ?> hook : hooks) {
            List<Plugin> having = new ArrayList<>();
            List<Integer> at = new ArrayList<>();
            for (int i = 0; i < all.size(); i++) {
                Plugin p = all.get(i);
                if (hook.type.isInstance(p)) {
                    having.add(p);
                    at.add(i);
                    blocks[hook.index] |= !p.nonBlocking();
                }
            }
            byHook[hook.index] = having.isEmpty() ? NONE : having.toArray(NONE);
            positions[hook.index] = at.stream().mapToInt(Integer::intValue).toArray();
        }
        List<Integer> wrapping = new ArrayList<>();
        for (int i = 0; i < all.size(); i++) {
            if (all.get(i) instanceof AroundHandler) {
                wrapping.add(i);
            }
        }
        around = wrapping.stream().map(all::get).toArray(AroundHandler[]::new);
        aroundAt = wrapping.stream().mapToInt(Integer::intValue).toArray();
        aroundBlocks = Arrays.stream(around).anyMatch(p -> !p.nonBlocking());
        int smallest = Integer.MAX_VALUE;
        for (int i = 0; i < all.size(); i++) {
            if (all.get(i) instanceof PrivatePaths) {
                for (String path : ((PrivatePaths) all.get(i)).privatePaths()) {
                    privatePaths.putIfAbsent(path, i);
                }
            }
            if (all.get(i) instanceof UnverifiedReadLimit limited) {
                smallest = Math.min(smallest, limited.unverifiedReadLimit());
            }
        }
        unverifiedReadLimit = smallest;
    }

    /**
     * The largest frame an accepted session may send until a plugin has verified it: the smallest
     * {@link UnverifiedReadLimit} in the chain, {@code Integer.MAX_VALUE} when no plugin holds one.
     */
    public int unverifiedReadLimit() {
        return unverifiedReadLimit;
    }

    /** The chain with no plugin. */
    public static PluginChain empty() {
        return EMPTY;
    }

    /**
     * A chain of these plugins, in order.
     *
     * @throws IllegalArgumentException for two plugins with the same name
     */
    public static PluginChain of(List<? extends Plugin> plugins) {
        if (plugins.isEmpty()) {
            return EMPTY;
        }
        List<Plugin> list = new ArrayList<>(plugins.size());
        Set<String> names = new HashSet<>();
        for (Plugin plugin : plugins) {
            Objects.requireNonNull(plugin, "plugin");
            if (!names.add(plugin.name())) {
                throw new IllegalArgumentException("plugin name: " + plugin.name() + " (expected: unique in the chain)");
            }
            list.add(plugin);
        }
        return new PluginChain(Collections.unmodifiableList(list));
    }

    /** A new chain: this one's plugins followed by {@code more}. */
    public PluginChain append(List<? extends Plugin> more) {
        if (more.isEmpty()) {
            return this;
        }
        List<Plugin> joined = new ArrayList<>(all);
        joined.addAll(more);
        return of(joined);
    }

    /**
     * A plugin failed where a message passed: at ERROR with its stack, at most one line per
     * {@link #FAILURE_LINE_NANOS} for the whole process (with how many failed since), each at DEBUG,
     * since a remote peer may make a plugin fail on every message it sends.
     */
    private static void logFailure(String where, Throwable e) {
        FAILURES.increment();
        long now = System.nanoTime();
        long next = NEXT_FAILURE_LINE.get();
        if (now - next >= 0 && NEXT_FAILURE_LINE.compareAndSet(next, now + FAILURE_LINE_NANOS)) {
            log.error("{} failed ({} plugin failures since the last such line; at most one line per 10 s,"
                    + " each at DEBUG)", where, FAILURES.sumThenReset(), e);
        } else {
            log.debug("{} failed", where, e);
        }
    }

    /** The plugins, in order. */
    public List<Plugin> plugins() {
        return all;
    }

    /** Whether the chain has no plugin. */
    public boolean isEmpty() {
        return all.isEmpty();
    }

    /** Whether any plugin has {@code hook}. */
    public boolean has(Hook<?, ?> hook) {
        return byHook[hook.index].length > 0;
    }

    /**
     * Whether a plugin with {@code hook} may block, so that the hook must not run on an I/O thread
     * (see {@link Plugin#nonBlocking()}).
     */
    public boolean blocks(Hook<?, ?> hook) {
        return blocks[hook.index];
    }

    /** Whether a plugin that wraps handlers ({@link AroundHandler}) may block. */
    public boolean aroundBlocks() {
        return aroundBlocks;
    }

    /**
     * Runs {@code hook} on every plugin that has it, in order.
     *
     * @return the first error, or {@code null} (always {@code null} for hooks that return nothing)
     * @throws RuntimeException from a plugin (anything else it throws wrapped in an
     *     {@link IllegalStateException}), for {@link Hook.OnFailure#THROWS} hooks
     */
    public <C> @Nullable Rerror run(Hook<?, C> hook, C context) {
        Plugin[] plugins = byHook[hook.index];
        int last = privatePaths.isEmpty() || plugins.length == 0 ? WHOLE_CHAIN : lastToSee(context);
        for (int i = 0; i < plugins.length && positions[hook.index][i] <= last; i++) {
            Plugin p = plugins[i];
            Rerror r;
            try {
                r = hook.invoke(p, context);
            } catch (Exception | LinkageError | AssertionError | StackOverflowError e) {
                if (e instanceof RerrorException thrown && hook.onFailure() == Hook.OnFailure.FIRST_ERROR_STOPS) {
                    // Thrown rather than returned (from a call the plugin made, say): the plugin's own answer
                    // all the same, which a 500 naming the plugin would hide; not a failure to log as one.
                    log.debug("{}-{}Plugin ended with {}", p.name(), hook.name(), thrown.rerror());
                    return thrown.rerror();
                }
                // Checked exceptions too (thrown sneakily, from Kotlin or @SneakyThrows) and the errors a
                // plugin's own code causes: a hook that fails must never leave a dial, pull or push unsettled.
                switch (hook.onFailure()) {
                    case THROWS:
                        throw e instanceof RuntimeException runtime ? runtime
                                : new IllegalStateException(p.name() + "-" + hook.name() + "Plugin failed: " + e, e);
                    case LOGS:
                        logFailure(p.name() + "-" + hook.name() + "Plugin", e);
                        continue;
                    default:
                        logFailure(p.name() + "-" + hook.name() + "Plugin", e);
                        // The remote caller learns which plugin failed, not its exception: class names
                        // and messages stay in this side's log.
                        r = new Rerror(Rerror.CODE_INTERNAL_ERROR, "Internal Server Error", p.name() + " failed");
                }
            }
            if (r != null) {
                return r;
            }
        }
        return null;
    }

    /**
     * Opens the {@link AroundHandler} scopes of the plugins that may see this message, in order.
     *
     * @return the scope that closes them in reverse order; {@link AroundHandler.Scope#NONE} when no
     *     plugin wraps handlers
     */
    public AroundHandler.Scope openHandlerScopes(ReadContext ctx) {
        if (around.length == 0) {
            return AroundHandler.Scope.NONE;
        }
        int last = privatePaths.isEmpty() ? WHOLE_CHAIN : lastToSee(ctx);
        // Made only once a plugin opens something: a scope-less call (a metrics plugin's, for pulls)
        // costs no array and no closing lambda.
        AroundHandler.Scope[] opened = null;
        int count = 0;
        for (int i = 0; i < around.length && aroundAt[i] <= last; i++) {
            try {
                AroundHandler.Scope scope = around[i].aroundHandler(ctx);
                if (scope != AroundHandler.Scope.NONE) {
                    if (opened == null) {
                        opened = new AroundHandler.Scope[around.length];
                    }
                    opened[count++] = scope;
                }
            } catch (Throwable e) {
                // An Error too: the scopes opened before it must still close, on a thread that runs other calls next.
                logFailure(around[i].name() + "-AroundHandlerPlugin", e);
            }
        }
        if (opened == null) {
            return AroundHandler.Scope.NONE;
        }
        AroundHandler.Scope[] toClose = opened;
        int n = count;
        return () -> {
            for (int i = n - 1; i >= 0; i--) {
                try {
                    toClose[i].close();
                } catch (Throwable e) {
                    // As on opening: the scopes after it still close, and closing throws nothing (Scope#close).
                    logFailure("an AroundHandler scope's close", e);
                }
            }
        };
    }

    /**
     * Where the last plugin that may see this message is in the chain: the plugin whose private path
     * the message goes to, or the whole chain. A pull's reply goes to the pull's path.
     */
    private int lastToSee(@Nullable Object context) {
        String uri = null;
        if (context instanceof ReadContext) {
            ReadContext read = (ReadContext) context;
            uri = read.output() != null ? read.output().uri() : read.input().uri();
        } else if (context instanceof WriteContext) {
            WriteContext write = (WriteContext) context;
            uri = write.input() != null ? write.input().uri() : write.output().uri();
        }
        return uri == null ? WHOLE_CHAIN : privateIndex(uri);
    }

    private int privateIndex(String uri) {
        int query = uri.indexOf('?');
        int length = query < 0 ? uri.length() : query;
        for (Map.Entry<String, Integer> entry : privatePaths.entrySet()) {
            String path = entry.getKey();
            if (path.length() == length && uri.startsWith(path)) {
                return entry.getValue();
            }
        }
        return WHOLE_CHAIN;
    }
}
