package io.teleport.router.binding;

import org.jspecify.annotations.Nullable;

import java.lang.annotation.Annotation;
import java.lang.reflect.Method;
import java.lang.reflect.Type;

/**
 * One parameter of a handler method, as argument resolvers see it: built once at start-up, with its
 * generic type already resolved against the controller class (a {@code List<T>} of a
 * {@code Crud<User>} subclass is a {@code List<User>}), and passed again at every call, so a
 * resolver may use it as a key for what it prepared.
 */
public final class HandlerParameter {

    private final Method method;
    private final int index;
    private final Class<?> type;
    private final Type declaredType;
    private final @Nullable Type resolvedType;
    private final Annotation[] annotations;
    private final Class<?> controllerClass;
    private final Class<?> contextType;
    private final String handler;

    HandlerParameter(Method method, int index, Annotation[] annotations, Class<?> controllerClass,
            Class<?> contextType, String handler) {
        this.method = method;
        this.index = index;
        this.type = method.getParameterTypes()[index];
        this.declaredType = method.getGenericParameterTypes()[index];
        this.resolvedType = GenericTypes.resolve(declaredType, controllerClass);
        this.annotations = annotations;
        this.controllerClass = controllerClass;
        this.contextType = contextType;
        this.handler = handler;
    }

    /** The handler method. */
    public Method method() {
        return method;
    }

    /** The position of the parameter, from 0. */
    public int index() {
        return index;
    }

    /** The declared class of the parameter: what the method accepts (erased, maybe primitive). */
    public Class<?> type() {
        return type;
    }

    /**
     * The generic type of the parameter resolved against the controller class; the declared type
     * when one of its type variables is not bound there.
     */
    public Type genericType() {
        return resolvedType != null ? resolvedType : declaredType;
    }

    /** Whether every type variable of the declared type is bound by the controller class. */
    boolean typeResolved() {
        return resolvedType != null;
    }

    /** The annotation of this type on the parameter, or {@code null}. */
    public <A extends Annotation> @Nullable A annotation(Class<A> annotationType) {
        for (Annotation annotation : annotations) {
            if (annotation.annotationType() == annotationType) {
                return annotationType.cast(annotation);
            }
        }
        return null;
    }

    /**
     * The parameter's annotations: its own and those of the same parameter where the method is
     * declared in the controller class's other types (an interface, a superclass), the controller
     * class's first.
     */
    public Annotation[] annotations() {
        return annotations.clone();
    }

    /** Whether the parameter carries an annotation of this type. */
    public boolean hasAnnotation(Class<? extends Annotation> annotationType) {
        return annotation(annotationType) != null;
    }

    /** The class whose instance handles the calls, behind any generated proxy. */
    public Class<?> controllerClass() {
        return controllerClass;
    }

    /** The class of the context the handler is called with, such as a pull or a push context. */
    public Class<?> contextType() {
        return contextType;
    }

    /** The handler, as {@code Class.method(ParamTypes)}, for messages. */
    public String handler() {
        return handler;
    }

    /** Such as {@code parameter 2 (@QueryValue int page)}, for messages. */
    @Override
    public String toString() {
        StringBuilder sb = new StringBuilder("parameter ").append(index).append(" (");
        for (Annotation annotation : annotations) {
            sb.append('@').append(annotation.annotationType().getSimpleName()).append(' ');
        }
        return sb.append(GenericTypes.simpleName(declaredType)).append(' ')
                .append(method.getParameters()[index].getName()).append(')').toString();
    }
}
