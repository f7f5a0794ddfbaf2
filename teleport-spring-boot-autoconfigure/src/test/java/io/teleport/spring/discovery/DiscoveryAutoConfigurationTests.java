package io.teleport.spring.discovery;

import io.netty.pkitesting.CertificateBuilder;
import io.netty.pkitesting.X509Bundle;
import io.teleport.Peer;
import io.teleport.config.PeerConfig;
import io.teleport.spring.autoconfigure.TeleportAutoConfiguration;
import io.teleport.spring.autoconfigure.TeleportProperties;
import io.teleport.spring.autoconfigure.TeleportServiceRegistrationAutoConfiguration;
import io.teleport.spring.lifecycle.TeleportPeerLifecycle;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;
import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.autoconfigure.ssl.SslAutoConfiguration;
import org.springframework.boot.context.properties.bind.Binder;
import org.springframework.boot.test.context.FilteredClassLoader;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;
import org.springframework.boot.test.system.CapturedOutput;
import org.springframework.boot.test.system.OutputCaptureExtension;
import org.springframework.context.ApplicationEvent;
import org.springframework.context.ApplicationListener;
import org.springframework.core.env.StandardEnvironment;
import org.springframework.cloud.client.discovery.event.InstancePreRegisteredEvent;
import org.springframework.cloud.client.discovery.event.InstanceRegisteredEvent;
import org.springframework.cloud.client.serviceregistry.Registration;
import org.springframework.cloud.client.serviceregistry.ServiceRegistry;

import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

/** When the registration bean exists, and what it does with a registry of the test's own. */
@ExtendWith(OutputCaptureExtension.class)
class DiscoveryAutoConfigurationTests {

    private final ApplicationContextRunner runner = new ApplicationContextRunner()
            .withConfiguration(AutoConfigurations.of(TeleportAutoConfiguration.class,
                    TeleportServiceRegistrationAutoConfiguration.class))
            .withPropertyValues("teleport.server.listen-address=127.0.0.1:0", "teleport.discovery.deregister-delay=0s");

    @Test
    void aListeningPeerWithARegistryRegistersAndDeregisters() {
        Recording registry = new Recording();
        List<String> events = new CopyOnWriteArrayList<>();
        runner.withBean(Recording.class, () -> registry).withBean(Registration.class, TestRegistration::new)
                .withBean(ApplicationListener.class, () -> (ApplicationListener<ApplicationEvent>) e -> {
                    if (e instanceof InstancePreRegisteredEvent) {
                        events.add("pre-registered, registry calls: " + registry.calls);
                    } else if (e instanceof InstanceRegisteredEvent) {
                        events.add("registered, registry calls: " + registry.calls);
                    }
                })
                .run(ctx -> {
            assertThat(ctx).hasSingleBean(TeleportServiceRegistration.class);
            // Announced as Spring Cloud's auto-registration announces it.
            assertThat(events).containsExactly("pre-registered, registry calls: []",
                    "registered, registry calls: [register]");
            assertThat(ctx.getBean(TeleportServiceRegistration.class).getPhase())
                    .isGreaterThan(TeleportPeerLifecycle.PHASE + 1);
            assertThat(registry.calls).containsExactly("register");
            assertThat(ctx.getBean(Registration.class).getMetadata()).containsKeys(TeleportMetadata.PORT,
                    TeleportMetadata.PROTOCOL, TeleportMetadata.NETWORK);
        });
        assertThat(registry.calls).containsExactly("register", "deregister");
    }

    @Test
    void aStartThatFailsInTheRegisteredEventStillDeregisters() {
        Recording registry = new Recording();
        runner.withBean(Recording.class, () -> registry).withBean(Registration.class, TestRegistration::new)
                .withBean(ApplicationListener.class, () -> (ApplicationListener<ApplicationEvent>) e -> {
                    if (e instanceof InstanceRegisteredEvent) {
                        throw new IllegalStateException("a listener failed");
                    }
                })
                .run(ctx -> assertThat(ctx).hasFailed());
        assertThat(registry.calls).as("not left in the registry").containsExactly("register", "deregister");
    }

    @Test
    void anEmptyListenAddressIsNoListenerAndNoRegistration() {
        Recording registry = new Recording();
        new ApplicationContextRunner().withConfiguration(AutoConfigurations.of(TeleportAutoConfiguration.class,
                        TeleportServiceRegistrationAutoConfiguration.class))
                .withPropertyValues("teleport.server.listen-address=", "teleport.client.address=127.0.0.1:1")
                .withBean(Recording.class, () -> registry).withBean(Registration.class, TestRegistration::new)
                .run(ctx -> assertThat(ctx).hasNotFailed().doesNotHaveBean(TeleportServiceRegistration.class));
        assertThat(registry.calls).isEmpty();
    }

    @Test
    void theDeregisterDelayDefaultsToThreeSeconds() {
        TeleportProperties unset = Binder.get(new StandardEnvironment()).bindOrCreate("teleport", TeleportProperties.class);
        assertThat(unset.discovery().deregisterDelay()).isEqualTo(Duration.ofSeconds(3));
    }

    @Test
    void theMetadataNamesTheProtocolThePeerSpeaks() {
        runner.withBean(Recording.class, Recording::new).withBean(Registration.class, TestRegistration::new)
                .run(ctx -> assertThat(ctx.getBean(Registration.class).getMetadata())
                        .containsEntry(TeleportMetadata.PROTOCOL, "fast"));
        runner.withBean(Recording.class, Recording::new).withBean(Registration.class, TestRegistration::new)
                .withPropertyValues("teleport.protocol=erpc-v6")
                .run(ctx -> assertThat(ctx.getBean(Registration.class).getMetadata())
                        .containsEntry(TeleportMetadata.PROTOCOL, "erpc-v6"));
    }

    @Test
    void aPeerWithTlsSaysSoInItsMetadata(@TempDir Path dir) throws Exception {
        X509Bundle ca = new CertificateBuilder().ecp256().subject("CN=ca").setIsCertificateAuthority(true).buildSelfSigned();
        X509Bundle cert = new CertificateBuilder().ecp256().subject("CN=localhost").addSanIpAddress("127.0.0.1")
                .buildIssuedBy(ca);
        Path chain = Files.writeString(dir.resolve("cert.pem"), cert.getCertificatePEM());
        Path key = Files.writeString(dir.resolve("key.pem"), cert.getPrivateKeyPEM());
        runner.withConfiguration(AutoConfigurations.of(SslAutoConfiguration.class))
                .withBean(Recording.class, Recording::new).withBean(Registration.class, TestRegistration::new)
                .withPropertyValues("teleport.ssl.bundle=tp", "spring.ssl.bundle.pem.tp.keystore.certificate=" + chain.toUri(),
                        "spring.ssl.bundle.pem.tp.keystore.private-key=" + key.toUri())
                .run(ctx -> assertThat(ctx.getBean(Registration.class).getMetadata())
                        .containsEntry(TeleportMetadata.TLS, "true"));
    }

    @Test
    void aLoopbackPeerRegisteredUnderAnotherHostIsWarnedAbout(CapturedOutput output) {
        runner.withBean(Recording.class, Recording::new)
                .withBean(Registration.class, () -> new TestRegistration("10.1.2.3")).run(ctx -> {
                    assertThat(ctx).hasSingleBean(TeleportServiceRegistration.class);
                    assertThat(output).contains("registers as 10.1.2.3: clients will not reach it");
                });
    }

    /**
     * The deregister delay holds up the lower phases (the peer's drain) through the stop callback, not by
     * blocking the thread that stops the other beans of the phase.
     */
    @Test
    void stopDeregistersAtOnceAndCallsBackAfterTheDelay() throws Exception {
        Recording registry = new Recording();
        Peer peer = new Peer(PeerConfig.defaults());
        try {
            peer.listen("127.0.0.1:0", null);
            TeleportServiceRegistration<Registration> registration = new TeleportServiceRegistration<>(registry,
                    new TestRegistration(), peer, "fast", Duration.ofMillis(500));
            registration.start();
            CountDownLatch calledBack = new CountDownLatch(1);
            long stopping = System.nanoTime();

            registration.stop(calledBack::countDown);

            assertThat(registry.calls).containsExactly("register", "deregister");
            assertThat(calledBack.getCount()).as("returned before the delay").isOne();
            assertThat(calledBack.await(5, TimeUnit.SECONDS)).isTrue();
            assertThat(System.nanoTime() - stopping).isGreaterThanOrEqualTo(Duration.ofMillis(500).toNanos());
            assertThat(registration.isRunning()).isFalse();
        } finally {
            peer.close();
        }
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
                        TeleportServiceRegistrationAutoConfiguration.class))
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
        private final String host;

        TestRegistration() {
            this("127.0.0.1");
        }

        TestRegistration(String host) {
            this.host = host;
        }

        @Override
        public String getServiceId() {
            return "inventory";
        }

        @Override
        public String getHost() {
            return host;
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
