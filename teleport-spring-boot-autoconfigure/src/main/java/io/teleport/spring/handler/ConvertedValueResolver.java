package io.teleport.spring.handler;

import io.teleport.message.Rerror;
import io.teleport.message.RerrorException;
import io.teleport.router.MessageContext;
import io.teleport.router.MetaValue;
import io.teleport.router.NamedValues;
import io.teleport.router.QueryValue;
import io.teleport.router.binding.HandlerArgumentResolver;
import io.teleport.router.binding.HandlerParameter;
import org.jspecify.annotations.Nullable;
import org.springframework.core.MethodParameter;
import org.springframework.core.ResolvableType;
import org.springframework.core.convert.ConversionException;
import org.springframework.core.convert.ConversionService;
import org.springframework.core.convert.TypeDescriptor;

import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Converts {@link QueryValue} and {@link MetaValue} text to the parameter's type with Spring's
 * {@link ConversionService}, as a Spring user expects {@code @QueryValue("page") int page} to work;
 * core binds the {@code String} ones itself. Text that does not convert is the caller's mistake,
 * so it is answered with 400; absent text is {@code null}, or the zero for a primitive.
 */
final class ConvertedValueResolver implements HandlerArgumentResolver<MessageContext> {

    private static final TypeDescriptor TEXT = TypeDescriptor.valueOf(String.class);
    private static final TypeDescriptor TEXTS = TypeDescriptor.valueOf(String[].class);

    private final ConversionService conversions;
    /** Built at start-up: with the parameter's annotations (such as {@code @DateTimeFormat}) and generics. */
    private final Map<HandlerParameter, TypeDescriptor> targets = new ConcurrentHashMap<>();

    ConvertedValueResolver(ConversionService conversions) {
        this.conversions = conversions;
    }

    @Override
    public boolean supports(HandlerParameter parameter) {
        if (parameter.type() == String.class || !NamedValues.isNamed(parameter)) {
            return false;
        }
        // With the annotations declared anywhere the method is (@DateTimeFormat on an interface's parameter).
        TypeDescriptor target = new TypeDescriptor(ResolvableType.forMethodParameter(new MethodParameter(
                parameter.method(), parameter.index()).withContainingClass(parameter.controllerClass())), null,
                parameter.annotations());
        if (!conversions.canConvert(TEXT, target)) {
            // No other resolver takes a named value that is not text: say what would, not "no resolver".
            throw new IllegalArgumentException(parameter.handler() + ": " + parameter + " is bound from the "
                    + NamedValues.describe(parameter) + ", but the ConversionService converts no String to "
                    + parameter.type().getName() + ": register a Converter<String, " + parameter.type().getSimpleName()
                    + "> (a @Bean of Converter in a Boot application), or take the String");
        }
        targets.put(parameter, target);
        return true;
    }

    @Override
    public @Nullable Object resolve(HandlerParameter parameter, @Nullable Object body, MessageContext ctx) {
        TypeDescriptor target = targets.get(parameter);
        if (target.isCollection() || target.isArray()) {
            // ?id=1&id=2 as Spring MVC binds it to a List<Integer>; one value still splits at commas.
            List<String> all = NamedValues.texts(parameter, ctx);
            if (all.size() > 1) {
                return convert(parameter, all.toArray(new String[0]), TEXTS, target, String.join(",", all));
            }
        }
        String text = NamedValues.text(parameter, ctx);
        if (text == null && target.isPrimitive()) {
            return null;
        }
        return convert(parameter, text, TEXT, target, text);
    }

    private @Nullable Object convert(HandlerParameter parameter, @Nullable Object value, TypeDescriptor source,
            TypeDescriptor target, @Nullable String text) {
        try {
            return conversions.convert(value, source, target);
        } catch (ConversionException e) {
            throw new RerrorException(Rerror.CODE_BAD_PACKET, "Bad Packet", NamedValues.describe(parameter)
                    + ": cannot convert \"" + text + "\" to " + target.getType().getSimpleName());
        }
    }
}
