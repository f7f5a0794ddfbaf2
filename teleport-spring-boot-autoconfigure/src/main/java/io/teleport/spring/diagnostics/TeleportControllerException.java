package io.teleport.spring.diagnostics;

/**
 * A {@code @PullController} or {@code @PushController} bean whose handlers cannot become routes: a
 * path another handler has, a method with two bodies, an annotation in the wrong place; or a
 * {@code @TeleportControllerAdvice} bean whose exception handlers cannot work. It names the
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

    private final String beanName;
    private final String problem;
    private final boolean advice;

    /**
     * A problem with one controller bean.
     *
     * @param beanName the bean's name
     * @param type the bean's class
     * @param cause what the router or the argument resolution refused, with its message
     */
    public TeleportControllerException(String beanName, Class<?> type, RuntimeException cause) {
        this(beanName, type, cause, false);
    }

    private TeleportControllerException(String beanName, Class<?> type, RuntimeException cause, boolean advice) {
        super("Teleport " + (advice ? "controller advice '" : "controller '") + beanName + "' (" + type.getName()
                + "): " + cause.getMessage(), cause);
        this.beanName = beanName;
        this.problem = String.valueOf(cause.getMessage());
        this.advice = advice;
    }

    /**
     * A problem with the {@code @TeleportExceptionHandler} methods of one {@code @TeleportControllerAdvice} bean.
     *
     * @param beanName the bean's name
     * @param type the bean's class
     * @param cause what is wrong with its methods
     */
    public static TeleportControllerException ofAdvice(String beanName, Class<?> type, RuntimeException cause) {
        return new TeleportControllerException(beanName, type, cause, true);
    }

    /** What to change, for the failure analysis. */
    String action() {
        if (!advice && problem.startsWith("@TeleportExceptionHandler ")) {
            return "Move the @TeleportExceptionHandler methods of '" + beanName + "' to a @TeleportControllerAdvice bean.";
        }
        return "Change the " + (advice ? "@TeleportExceptionHandler methods" : "handler methods") + " of '" + beanName
                + "' as the description says (" + (advice ? ADVICE_ACTION : CONTROLLER_ACTION);
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
