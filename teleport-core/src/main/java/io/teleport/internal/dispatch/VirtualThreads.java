package io.teleport.internal.dispatch;

import org.jspecify.annotations.Nullable;

import java.lang.reflect.Method;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;

/** Virtual threads, reached reflectively so that the library still runs on Java 17. */
public final class VirtualThreads {

    private VirtualThreads() {
    }

    /** A thread-per-task executor of virtual threads, or {@code null} before Java 21. */
    public static @Nullable ExecutorService newExecutor() {
        try {
            Method factory = Executors.class.getMethod("newVirtualThreadPerTaskExecutor");
            return (ExecutorService) factory.invoke(null);
        } catch (ReflectiveOperationException e) {
            return null;
        }
    }
}
