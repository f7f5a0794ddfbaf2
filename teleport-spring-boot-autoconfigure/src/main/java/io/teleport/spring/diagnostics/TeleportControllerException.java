package io.teleport.spring.diagnostics;

/**
 * A {@code @PullController} or {@code @PushController} bean whose handlers cannot become routes: a
 * path another handler has, a method with two bodies, an annotation in the wrong place; a
 * {@code @TeleportControllerAdvice} bean whose exception handlers cannot work; or an imported
 * {@code @TeleportExchange} interface with a method its proxy cannot call. It names the
 * bean, so that start-up fails with Boot's failure analysis (see
 * {@link TeleportControllerFailureAnalyzer}) rather than a stack trace to read from the bottom.
 */
public class TeleportControllerException extends IllegalStateException {

    private static final long serialVersionUID = 1L;

    private static final String CONTROLLER_ACTION = "each path belongs to one handler, which @RoutePath or a group "
            + "moves; a handler has at most one body parameter besides its context, session and @MetaValue/@QueryValue "
            + "values, which convert from text), or mark a public method that is no handler with @NotRoute.";
    private static final String ADVICE_ACTION = "each returns io.teleport.message.Rerror, which it may also throw as a "
            + "RerrorException, and takes the exception and, if it needs them, the MessageContext (PullContext, "
            + "PushContext) and the Session; an exception type is mapped by one method of a bean).";

    private static final String EXCHANGE_ACTION = "a method has one body parameter, its others being @QueryValue or"
            + " @MetaValue values with a name and CallOption options; a push returns void or CompletableFuture<Void>;"
            + " the caller has no context or session to pass).";

    /** What the bean is. */
    private enum Kind {
        CONTROLLER("controller", "handler methods", CONTROLLER_ACTION),
        ADVICE("controller advice", "@TeleportExceptionHandler methods", ADVICE_ACTION),
        EXCHANGE("exchange interface", "methods", EXCHANGE_ACTION);

        private final String noun;
        private final String methods;
        private final String action;

        Kind(String noun, String methods, String action) {
            this.noun = noun;
            this.methods = methods;
            this.action = action;
        }
    }

    private final String beanName;
    private final String problem;
    private final Kind kind;

    /**
     * A problem with one controller bean.
     *
     * @param beanName the bean's name
     * @param type the bean's class
     * @param cause what the router or the argument resolution refused, with its message
     */
    public TeleportControllerException(String beanName, Class<?> type, RuntimeException cause) {
        this(beanName, type, cause, Kind.CONTROLLER);
    }

    private TeleportControllerException(String beanName, Class<?> type, RuntimeException cause, Kind kind) {
        super("Teleport " + kind.noun + " '" + beanName + "' (" + type.getName() + "): " + cause.getMessage(), cause);
        this.beanName = beanName;
        this.problem = String.valueOf(cause.getMessage());
        this.kind = kind;
    }

    /**
     * A problem with the {@code @TeleportExceptionHandler} methods of one {@code @TeleportControllerAdvice} bean.
     *
     * @param beanName the bean's name
     * @param type the bean's class
     * @param cause what is wrong with its methods
     */
    public static TeleportControllerException ofAdvice(String beanName, Class<?> type, RuntimeException cause) {
        return new TeleportControllerException(beanName, type, cause, Kind.ADVICE);
    }

    /**
     * A problem with the methods of an imported {@code @TeleportExchange} interface, found as its proxy
     * is made.
     *
     * @param beanName the proxy bean's name
     * @param type the interface
     * @param cause what is wrong with its methods
     */
    public static TeleportControllerException ofExchange(String beanName, Class<?> type, RuntimeException cause) {
        return new TeleportControllerException(beanName, type, cause, Kind.EXCHANGE);
    }

    /** What to change, for the failure analysis. */
    String action() {
        if (kind == Kind.CONTROLLER && problem.startsWith("@TeleportExceptionHandler ")) {
            return "Move the @TeleportExceptionHandler methods of '" + beanName + "' to a @TeleportControllerAdvice bean.";
        }
        return "Change the " + kind.methods + " of '" + beanName + "' as the description says (" + kind.action;
    }

    /** The controller bean's name. */
    public String beanName() {
        return beanName;
    }

    /** What is wrong with its handlers. */
    public String problem() {
        return problem;
    }
}
