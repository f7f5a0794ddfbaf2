package io.teleport.spring.test;

import org.springframework.boot.test.context.SpringBootTestContextBootstrapper;
import org.springframework.test.context.TestContextAnnotationUtils;

import java.util.ArrayList;
import java.util.List;

/**
 * Bootstraps a {@link TeleportTest}: Boot's own test bootstrapper (it finds the
 * {@code @SpringBootConfiguration} and runs the context as {@code SpringApplication} would), with the
 * slice's properties first so that the test's own override them. Auto-configuration is off except
 * what {@link AutoConfigureTeleport} imports, and the peer listens on a local name of its own, unique
 * per context, so that cached contexts of several test classes never collide, without TLS, which the
 * test client does not do, whatever the application's files say.
 */
public class TeleportTestContextBootstrapper extends SpringBootTestContextBootstrapper {

    /** The slice's defaults, before the test's {@link TeleportTest#properties()}. */
    static final List<String> DEFAULTS = List.of(
            "spring.boot.enableautoconfiguration=false",
            "teleport.network=local",
            "teleport.server.listen-address=teleport-test-${random.uuid}",
            // The test client does not do TLS: the application's files may ask for it, the slice does not.
            "teleport.ssl.bundle=",
            "teleport.ssl.client-auth=none");

    @Override
    protected String[] getProperties(Class<?> testClass) {
        List<String> properties = new ArrayList<>(DEFAULTS);
        TeleportTest test = TestContextAnnotationUtils.findMergedAnnotation(testClass, TeleportTest.class);
        if (test != null) {
            properties.addAll(List.of(test.properties()));
        }
        return properties.toArray(String[]::new);
    }
}
