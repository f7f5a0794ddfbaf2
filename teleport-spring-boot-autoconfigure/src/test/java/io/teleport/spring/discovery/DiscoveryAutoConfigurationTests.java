package io.teleport.spring.discovery;

import io.teleport.spring.autoconfigure.TeleportAutoConfiguration;
import io.teleport.spring.autoconfigure.TeleportDiscoveryAutoConfiguration;
import io.teleport.spring.lifecycle.TeleportPeerLifecycle;
import org.junit.jupiter.api.Test;
import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.test.context.FilteredClassLoader;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;
import org.springframework.cloud.client.serviceregistry.Registration;
import org.springframework.cloud.client.serviceregistry.ServiceRegistry;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;

import java.net.URI;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;

import static org.assertj.core.api.Assertions.assertThat;

/** When the registration bean exists, and what it does with a registry of the test's own. */
class DiscoveryAutoConfigurationTests {

    private final ApplicationContextRunner runner = new ApplicationContextRunner()
            .withConfiguration(AutoConfigurations.of(TeleportAutoConfiguration.class,
                    TeleportDiscoveryAutoConfiguration.class))
            .withPropertyValues("teleport.server.listen-address=127.0.0.1:0", "teleport.discovery.deregister-delay=0s");

    @Test
    void aListeningPeerWithARegistryRegistersAndDeregisters() {
        Recording registry = new Recording();
        runner.withBean(Recording.class, () -> registry).withBean(Registration.class, TestRegistration::new).run(ctx -> {
            assertThat(ctx).hasSingleBean(TeleportServiceRegistration.class);
            assertThat(ctx.getBean(TeleportServiceRegistration.class).getPhase())
                    .isGreaterThan(TeleportPeerLifecycle.PHASE + 1);
            assertThat(registry.calls).containsExactly("register");
            assertThat(ctx.getBean(Registration.class).getMetadata()).containsKeys(TeleportMetadata.PORT,
                    TeleportMetadata.PROTOCOL, TeleportMetadata.NETWORK);
        });
        assertThat(registry.calls).containsExactly("register", "deregister");
    }

    @Test
    void withoutSpringCloudTheContextStartsWithoutRegistration() {
        runner.withClassLoader(new FilteredClassLoader(ServiceRegistry.class)).run(ctx -> {
            assertThat(ctx).hasNotFailed().hasBean("teleportPeer");
            assertThat(ctx).doesNotHaveBean(TeleportServiceRegistration.class);
        });
    }

    @Test
    void withoutRegistryBeansThereIsNoRegistration() {
        runner.run(ctx -> assertThat(ctx).hasNotFailed().doesNotHaveBean(TeleportServiceRegistration.class));
    }

    @Test
    void aPeerThatOnlyDialsIsNotRegistered() {
        new ApplicationContextRunner()
                .withConfiguration(AutoConfigurations.of(TeleportAutoConfiguration.class,
                        TeleportDiscoveryAutoConfiguration.class))
                .withPropertyValues("teleport.client.address=127.0.0.1:1", "teleport.client.connect=lazy")
                .withBean(Recording.class, Recording::new).withBean(Registration.class, TestRegistration::new)
                .run(ctx -> assertThat(ctx).hasNotFailed().doesNotHaveBean(TeleportServiceRegistration.class));
    }

    @Test
    void registrationCanBeSwitchedOff() {
        ApplicationContextRunner withRegistry = runner.withBean(Recording.class, Recording::new)
                .withBean(Registration.class, TestRegistration::new);
        withRegistry.withPropertyValues("teleport.discovery.register=false")
                .run(ctx -> assertThat(ctx).doesNotHaveBean(TeleportServiceRegistration.class));
        withRegistry.withPropertyValues("spring.cloud.service-registry.auto-registration.enabled=false")
                .run(ctx -> assertThat(ctx).doesNotHaveBean(TeleportServiceRegistration.class));
    }

    @Test
    void aNegativeDeregisterDelayIsRefused() {
        runner.withPropertyValues("teleport.discovery.deregister-delay=-1s").run(ctx -> assertThat(ctx).hasFailed()
                .getFailure().rootCause().hasMessageContaining("teleport.discovery.deregister-delay"));
    }

    /** A registry that records what it is asked. */
    static class Recording implements ServiceRegistry<Registration> {

        final List<String> calls = new CopyOnWriteArrayList<>();

        @Override
        public void register(Registration registration) {
            calls.add("register");
        }

        @Override
        public void deregister(Registration registration) {
            calls.add("deregister");
        }

        @Override
        public void close() {
        }

        @Override
        public void setStatus(Registration registration, String status) {
            calls.add("status " + status);
        }

        @Override
        public <T> T getStatus(Registration registration) {
            return null;
        }
    }

    /** A registration with a port and mutable metadata. */
    static class TestRegistration implements Registration {

        private final Map<String, String> metadata = new HashMap<>();

        @Override
        public String getServiceId() {
            return "inventory";
        }

        @Override
        public String getHost() {
            return "127.0.0.1";
        }

        @Override
        public int getPort() {
            return 8080;
        }

        @Override
        public boolean isSecure() {
            return false;
        }

        @Override
        public URI getUri() {
            return URI.create("http://127.0.0.1:8080");
        }

        @Override
        public Map<String, String> getMetadata() {
            return metadata;
        }
    }
}
