package io.teleport.spring.diagnostics;

import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.BeanCreationException;
import org.springframework.boot.diagnostics.FailureAnalysis;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The failure of a registry's auto-registration bean in an application without spring-boot-web-server,
 * as Spring Cloud Zookeeper 5.0.2 with Boot 4.0 fails (the chain as observed), is explained with the fix.
 */
class RegistryWithoutWebServerFailureAnalyzerTests {

    private final RegistryWithoutWebServerFailureAnalyzer analyzer = new RegistryWithoutWebServerFailureAnalyzer();

    @Test
    void theMissingWebServerEventOfTheAutoRegistrationIsExplained() {
        ClassNotFoundException missing = new ClassNotFoundException(
                "org.springframework.boot.web.server.context.WebServerInitializedEvent");
        IllegalStateException introspection = new IllegalStateException("Failed to introspect Class "
                + "[org.springframework.cloud.client.serviceregistry.AbstractAutoServiceRegistration] from ClassLoader "
                + "[jdk.internal.loader.ClassLoaders$AppClassLoader@30946e09]", missing);
        BeanCreationException failure = new BeanCreationException("zookeeperAutoServiceRegistration",
                "Post-processing of merged bean definition failed", introspection);

        FailureAnalysis analysis = analyzer.analyze(failure);

        assertThat(analysis).isNotNull();
        assertThat(analysis.getDescription()).contains("WebServerInitializedEvent", "spring-boot-web-server");
        assertThat(analysis.getAction()).contains("org.springframework.boot:spring-boot-web-server",
                "spring.cloud.service-registry.auto-registration.enabled=false");
    }

    @Test
    void otherMissingClassesAreLeftToBoot() {
        assertThat(analyzer.analyze(new IllegalStateException("Failed to introspect Class [a.B]",
                new ClassNotFoundException("a.C")))).isNull();
        // The event missing elsewhere than in Spring Cloud's registration is not this problem.
        assertThat(analyzer.analyze(new IllegalStateException("Failed to introspect Class [a.B]",
                new NoClassDefFoundError("org/springframework/boot/web/server/context/WebServerInitializedEvent"))))
                .isNull();
    }
}
