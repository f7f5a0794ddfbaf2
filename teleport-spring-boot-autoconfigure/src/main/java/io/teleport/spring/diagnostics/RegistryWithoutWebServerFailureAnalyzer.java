package io.teleport.spring.diagnostics;

import org.springframework.boot.diagnostics.FailureAnalysis;
import org.springframework.boot.diagnostics.FailureAnalyzer;

/**
 * Explains the start-up failure of an application without a web server that has a Spring Cloud service
 * registry (Spring Cloud Zookeeper, Consul...): Spring Cloud Commons 5's auto-registration listens for
 * Boot's {@code WebServerInitializedEvent}, in the {@code spring-boot-web-server} module since Boot 4, and
 * its bean cannot even be created without that class. The usual Teleport server has no web server, so
 * this is the first thing such an application meets. Names the classes as text: Spring Cloud is optional.
 */
class RegistryWithoutWebServerFailureAnalyzer implements FailureAnalyzer {

    private static final String EVENT = "org.springframework.boot.web.server.context.WebServerInitializedEvent";
    private static final String AUTO_REGISTRATION = "org.springframework.cloud.client.serviceregistry.AbstractAutoServiceRegistration";

    @Override
    public FailureAnalysis analyze(Throwable failure) {
        boolean eventMissing = false;
        boolean inAutoRegistration = false;
        for (Throwable t = failure; t != null; t = t.getCause() == t ? null : t.getCause()) {
            String message = String.valueOf(t.getMessage());
            if ((t instanceof ClassNotFoundException || t instanceof NoClassDefFoundError)
                    && message.replace('/', '.').contains(EVENT)) {
                eventMissing = true;
            }
            if (message.contains(AUTO_REGISTRATION) || message.contains("AutoServiceRegistration")) {
                inAutoRegistration = true;
            }
        }
        if (!eventMissing || !inAutoRegistration) {
            return null;
        }
        return new FailureAnalysis("Spring Cloud's service registration needs " + EVENT
                + " (module spring-boot-web-server), which an application without a web server does not have.",
                "Add the dependency org.springframework.boot:spring-boot-web-server (it starts no web server) so that "
                        + "the registry registers this application, Teleport port included; or set "
                        + "spring.cloud.service-registry.auto-registration.enabled=false to run without registering.",
                failure);
    }
}
