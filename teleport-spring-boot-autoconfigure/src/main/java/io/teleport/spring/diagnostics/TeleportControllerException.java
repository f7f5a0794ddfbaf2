package io.teleport.spring.diagnostics;

/**
 * A {@code @PullController} or {@code @PushController} bean whose handlers cannot become routes: a
 * path another handler has, a method with two bodies, an annotation in the wrong place. It names the
 * bean, so that start-up fails with Boot's failure analysis (see
 * {@link TeleportControllerFailureAnalyzer}) rather than a stack trace to read from the bottom.
 */
public class TeleportControllerException extends IllegalStateException {

    private static final long serialVersionUID = 1L;

    private final String beanName;
    private final String problem;

    /**
     * A problem with one controller bean.
     *
     * @param beanName the bean's name
     * @param type the bean's class
     * @param cause what the router or the argument resolution refused, with its message
     */
    public TeleportControllerException(String beanName, Class<?> type, RuntimeException cause) {
        super("Teleport controller '" + beanName + "' (" + type.getName() + "): " + cause.getMessage(), cause);
        this.beanName = beanName;
        this.problem = String.valueOf(cause.getMessage());
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
