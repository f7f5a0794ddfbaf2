package io.teleport.router;

import io.teleport.router.binding.HandlerParameter;
import org.jspecify.annotations.Nullable;

import java.util.List;

/**
 * The text a {@link QueryValue} or {@link MetaValue} parameter is bound from, in one place for core's
 * resolver of strings and for integrations that convert the text to other types.
 */
public final class NamedValues {

    private NamedValues() {
    }

    /**
     * Whether the parameter carries {@link QueryValue} or {@link MetaValue}.
     *
     * @throws IllegalArgumentException when it does with an empty name, which no message could carry:
     *         the resolvers ask this at start-up, so the mistake fails there, not as a value never bound
     */
    public static boolean isNamed(HandlerParameter parameter) {
        QueryValue query = parameter.annotation(QueryValue.class);
        MetaValue meta = parameter.annotation(MetaValue.class);
        if ((query != null && query.value().isEmpty()) || (meta != null && meta.value().isEmpty())) {
            throw new IllegalArgumentException(parameter.handler() + ": " + parameter + " has an empty name: give the"
                    + (query != null ? " query parameter's name, @QueryValue(\"page\")" : " metadata key, @MetaValue(\"X-Trace\")"));
        }
        return query != null || meta != null;
    }

    /** The first value the parameter's annotation names in this message, or {@code null}. */
    public static @Nullable String text(HandlerParameter parameter, MessageContext ctx) {
        QueryValue query = parameter.annotation(QueryValue.class);
        return query != null ? ctx.queryValue(query.value()) : ctx.meta().peek(parameter.annotation(MetaValue.class).value());
    }

    /** Every value the parameter's annotation names in this message, in order; empty when there is none. */
    public static List<String> texts(HandlerParameter parameter, MessageContext ctx) {
        QueryValue query = parameter.annotation(QueryValue.class);
        if (query != null) {
            List<String> values = ctx.query().get(query.value());
            return values != null ? values : List.of();
        }
        return ctx.meta().getAll(parameter.annotation(MetaValue.class).value());
    }

    /** Such as {@code query parameter "page"}, for messages. */
    public static String describe(HandlerParameter parameter) {
        QueryValue query = parameter.annotation(QueryValue.class);
        return query != null ? "query parameter \"" + query.value() + "\""
                : "metadata key \"" + parameter.annotation(MetaValue.class).value() + "\"";
    }
}
