package io.teleport.spring.exchange;

import io.netty.channel.EventLoop;
import io.netty.util.internal.ThreadExecutorMap;
import io.teleport.message.RerrorException;
import io.teleport.router.MessageContext;
import io.teleport.router.MetaValue;
import io.teleport.router.QueryValue;
import io.teleport.session.CallOption;
import io.teleport.session.CallOptions;
import io.teleport.session.Reply;
import io.teleport.session.Session;
import io.teleport.spring.client.SessionTemplate;
import org.jspecify.annotations.Nullable;
import org.springframework.boot.convert.DurationStyle;
import org.springframework.core.ResolvableType;
import org.springframework.core.convert.ConversionService;
import org.springframework.util.ClassUtils;

import java.lang.reflect.Array;
import java.lang.reflect.Method;
import java.lang.reflect.Type;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.Future;

/**
 * One method of a {@link TeleportExchange} interface as a call: what each parameter becomes (body,
 * query value, metadata, call options) and what the reply becomes (its body, the whole
 * {@link Reply}, nothing, each now or as a future), all decided once when the proxy is made, so
 * that a signature the proxy cannot call fails at start-up rather than at the first call.
 */
final class ExchangeMethod {

    private enum Role { BODY, QUERY, META, OPTION, OPTIONS }

    private final String remote;
    private final String path;
    private final boolean push;
    private final Role[] roles;
    private final String[] names;
    private final CallOption[] fixed;
    /** The reply body's type; {@code Void} when the body is discarded. */
    private final Type replyType;
    private final boolean async;
    private final boolean wholeReply;
    /** What a method returning a primitive returns for a reply without a body; {@code null} otherwise. */
    private final @Nullable Object zero;
    private final ConversionService conversions;

    ExchangeMethod(Method method, Class<?> type, String remote, ConversionService conversions) {
        this.remote = remote;
        this.path = ExchangeRoutes.path(method);
        this.push = ExchangeRoutes.isPush(method);
        this.conversions = conversions;
        int count = method.getParameterCount();
        this.roles = new Role[count];
        this.names = new String[count];
        boolean body = false;
        for (int i = 0; i < count; i++) {
            QueryValue query = method.getParameters()[i].getAnnotation(QueryValue.class);
            MetaValue meta = method.getParameters()[i].getAnnotation(MetaValue.class);
            Class<?> parameterType = method.getParameterTypes()[i];
            if ((query != null && query.value().isEmpty()) || (meta != null && meta.value().isEmpty())) {
                throw invalid(method, "has a @QueryValue or @MetaValue without a name: give the query parameter's"
                        + " name or the metadata key");
            }
            if (MessageContext.class.isAssignableFrom(parameterType) || parameterType == Session.class) {
                throw invalid(method, "takes a " + parameterType.getSimpleName() + ", which the caller has none of:"
                        + " an exchange interface declares what is sent. A controller that needs the context or the"
                        + " session declares that route itself, without the interface");
            }
            if (query != null) {
                roles[i] = Role.QUERY;
                names[i] = query.value();
            } else if (meta != null) {
                roles[i] = Role.META;
                names[i] = meta.value();
            } else if (parameterType == CallOption[].class) {
                roles[i] = Role.OPTIONS;
            } else if (parameterType == CallOption.class) {
                roles[i] = Role.OPTION;
            } else if (body) {
                throw invalid(method, "has two body parameters; mark the others @QueryValue or @MetaValue");
            } else {
                roles[i] = Role.BODY;
                body = true;
            }
        }
        this.fixed = fixedOptions(method);
        ResolvableType returned = ResolvableType.forMethodReturnType(method, type);
        this.async = isFuture(method, returned.toClass());
        ResolvableType value = async ? returned.getGeneric(0) : returned;
        this.wholeReply = value.toClass() == Reply.class;
        ResolvableType bodyType = wholeReply ? value.getGeneric(0) : value;
        Class<?> raw = bodyType.toClass();
        boolean none = raw == void.class || raw == Void.class;
        // A primitive reply is decoded as its wrapper, and a reply without a body is the primitive's zero.
        boolean primitive = raw.isPrimitive() && !none;
        this.zero = primitive ? Array.get(Array.newInstance(raw, 1), 0) : null;
        this.replyType = none ? Void.class : primitive ? ClassUtils.resolvePrimitiveIfNecessary(raw) : concrete(bodyType);
        if (push && (wholeReply || !none)) {
            throw invalid(method, "is a push, which has no reply: return void or CompletableFuture<Void>");
        }
    }

    /** Calls the route with the proxy method's arguments, returning what the method returns. */
    @Nullable Object call(SessionTemplate template, @Nullable Object[] args) {
        if (!async && ThreadExecutorMap.currentExecutor() instanceof EventLoop) {
            // As core refuses a blocking pull there: waiting would stall every connection of the loop.
            throw new IllegalStateException("a blocking call of " + path + " on an I/O thread would stall or deadlock"
                    + " it; return a CompletableFuture from the method, or run handlers off the I/O thread");
        }
        String uri = uri(args);
        Object body = null;
        List<CallOption> options = new ArrayList<>(Arrays.asList(fixed));
        for (int i = 0; i < roles.length; i++) {
            Object arg = args[i];
            switch (roles[i]) {
                case BODY -> body = arg;
                case META -> {
                    if (arg != null) {
                        options.add(CallOptions.setMeta(names[i], text(arg)));
                    }
                }
                case OPTION -> {
                    if (arg != null) {
                        options.add((CallOption) arg);
                    }
                }
                case OPTIONS -> {
                    if (arg != null) {
                        options.addAll(Arrays.asList((CallOption[]) arg));
                    }
                }
                case QUERY -> {
                    // in the URI
                }
            }
        }
        CallOption[] all = options.toArray(CallOption[]::new);
        CompletableFuture<?> result = push ? template.push(uri, body, all)
                : template.pullReply(uri, body, replyType, all).thenApply(this::result);
        if (async) {
            return result.handle((value, error) -> {
                if (error != null) {
                    throw new CompletionException(failure(error));
                }
                return value;
            });
        }
        try {
            return result.join();
        } catch (CompletionException e) {
            throw failure(e);
        }
    }

    private @Nullable Object result(Reply<?> reply) {
        if (wholeReply) {
            return reply;
        }
        return reply.body() == null ? zero : reply.body();
    }

    private String uri(@Nullable Object[] args) {
        StringBuilder uri = new StringBuilder(path);
        char separator = '?';
        for (int i = 0; i < roles.length; i++) {
            if (roles[i] == Role.QUERY && args[i] != null) {
                uri.append(separator).append(URLEncoder.encode(names[i], StandardCharsets.UTF_8)).append('=')
                        .append(URLEncoder.encode(text(args[i]), StandardCharsets.UTF_8));
                separator = '&';
            }
        }
        return uri.toString();
    }

    private String text(Object value) {
        String text = value instanceof String s ? s : conversions.convert(value, String.class);
        return text == null ? "" : text;
    }

    /** The call's failure as the caller gets it: a fresh exception naming the remote and route. */
    private RuntimeException failure(Throwable error) {
        Throwable cause = error instanceof CompletionException && error.getCause() != null ? error.getCause() : error;
        if (cause instanceof RerrorException e) {
            return new TeleportExchangeException(e.rerror(), remote, path, e);
        }
        return cause instanceof RuntimeException e ? e : new CompletionException(cause);
    }

    /**
     * Whether the method returns its reply later: as a {@code CompletableFuture}, or one of the
     * interfaces the proxy's {@code CompletableFuture} is ({@code CompletionStage}, {@code Future}).
     * Another future or a reactive type it cannot make: refused now, rather than the call made and
     * its reply then found not to fit.
     */
    private static boolean isFuture(Method method, Class<?> returned) {
        if (returned == CompletableFuture.class || returned == CompletionStage.class || returned == Future.class) {
            return true;
        }
        Class<?> publisher = publisher(returned);
        if (Future.class.isAssignableFrom(returned) || CompletionStage.class.isAssignableFrom(returned)
                || (publisher != null && publisher.isAssignableFrom(returned))) {
            throw invalid(method, "returns " + returned.getName()
                    + ", which the proxy cannot give: return CompletableFuture, CompletionStage or Future");
        }
        return false;
    }

    /** Reactive Streams' Publisher when present (Reactor's Mono and Flux are ones). */
    private static @Nullable Class<?> publisher(Class<?> returned) {
        try {
            return ClassUtils.forName("org.reactivestreams.Publisher", returned.getClassLoader());
        } catch (ClassNotFoundException | LinkageError e) {
            return null;
        }
    }

    /** The options of every call of the method, from its {@link PullExchange}: timeout, idempotence. */
    private static CallOption[] fixedOptions(Method method) {
        PullExchange pull = method.getAnnotation(PullExchange.class);
        if (pull == null) {
            return new CallOption[0];
        }
        List<CallOption> options = new ArrayList<>(2);
        if (!pull.timeout().isEmpty()) {
            java.time.Duration timeout;
            try {
                timeout = DurationStyle.detectAndParse(pull.timeout());
            } catch (IllegalArgumentException e) {
                throw invalid(method, "has a timeout that is not a duration: " + pull.timeout());
            }
            if (timeout.isNegative() || timeout.isZero()) {
                throw invalid(method, "has a timeout of " + pull.timeout()
                        + " (expected: above zero; leave it out for the template's timeout)");
            }
            options.add(CallOptions.timeout(timeout));
        }
        if (pull.idempotent()) {
            options.add(SessionTemplate.IDEMPOTENT);
        }
        return options.toArray(CallOption[]::new);
    }

    private static IllegalStateException invalid(Method method, String why) {
        return new IllegalStateException(method.getDeclaringClass().getName() + "." + method.getName() + " " + why);
    }

    /**
     * {@code type} as a reflected type the codec can decode to, with the variables the proxied
     * interface binds replaced ({@code T get(String)} of {@code UserApi extends Crud<User>} replies a
     * {@code User}, not a {@code T}, which would decode as a map).
     */
    private static Type concrete(ResolvableType type) {
        if (type.getType() instanceof Class<?> plain) {
            return plain;
        }
        if (type.isArray()) {
            Type component = concrete(type.getComponentType());
            return component instanceof Class<?> plain ? plain.arrayType() : type.getType();
        }
        Class<?> raw = type.resolve();
        if (raw == null) {
            return type.getType();
        }
        if (!type.hasGenerics()) {
            return raw;
        }
        ResolvableType[] generics = Arrays.stream(type.getGenerics()).map(g -> ResolvableType.forType(concrete(g)))
                .toArray(ResolvableType[]::new);
        return ResolvableType.forClassWithGenerics(raw, generics).getType();
    }
}
