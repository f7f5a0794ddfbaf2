package io.teleport.spring.actuate;

import io.teleport.Peer;
import io.teleport.config.PeerConfig;
import io.teleport.session.Session;
import io.teleport.spring.autoconfigure.TeleportActuatorAutoConfiguration;
import io.teleport.spring.autoconfigure.TeleportAutoConfiguration;
import org.junit.jupiter.api.Test;
import org.springframework.boot.actuate.endpoint.InvocationContext;
import org.springframework.boot.actuate.endpoint.SecurityContext;
import org.springframework.boot.actuate.endpoint.invoke.convert.ConversionServiceParameterValueMapper;
import org.springframework.boot.actuate.endpoint.jmx.JacksonJmxOperationResponseMapper;
import org.springframework.boot.actuate.endpoint.web.EndpointMediaTypes;
import org.springframework.boot.actuate.endpoint.web.ExposableWebEndpoint;
import org.springframework.boot.actuate.endpoint.web.WebEndpointHttpMethod;
import org.springframework.boot.actuate.endpoint.web.WebEndpointResponse;
import org.springframework.boot.actuate.endpoint.web.WebOperation;
import org.springframework.boot.actuate.endpoint.web.annotation.WebEndpointDiscoverer;
import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;
import org.springframework.context.ApplicationContext;

import java.net.InetSocketAddress;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/** {@code DELETE /actuator/teleport/{id}} as Boot's web layer runs it (404 for no such session), and its JMX form. */
class SessionsEndpointWebTests {

    private final ApplicationContextRunner runner = new ApplicationContextRunner()
            .withConfiguration(AutoConfigurations.of(TeleportAutoConfiguration.class, TeleportActuatorAutoConfiguration.class))
            .withPropertyValues("teleport.server.listen-address=127.0.0.1:0");

    @Test
    @org.junit.jupiter.api.extension.ExtendWith(org.springframework.boot.test.system.OutputCaptureExtension.class)
    void deletingAnUnknownSessionIs404AndAKnownOneIsClosed(org.springframework.boot.test.system.CapturedOutput output) {
        runner.run(ctx -> {
            WebOperation delete = deleteOperation(ctx);
            assertThat(delete.getRequestPredicate().getPath()).isEqualTo("teleport/{id}");
            assertThat(delete.invoke(context("nobody"))).isInstanceOfSatisfying(WebEndpointResponse.class,
                    response -> assertThat(response.getStatus()).isEqualTo(WebEndpointResponse.STATUS_NOT_FOUND));

            Peer server = ctx.getBean(Peer.class);
            Peer client = new Peer(PeerConfig.defaults());
            try {
                int port = ((InetSocketAddress) server.listenAddresses().iterator().next()).getPort();
                Session dialed = client.dial("127.0.0.1:" + port);
                await().until(() -> server.sessionCount() == 1);
                String id = server.sessions().iterator().next().id();
                assertThat(delete.invoke(context(id))).isInstanceOfSatisfying(WebEndpointResponse.class, response -> {
                    assertThat(response.getStatus()).isEqualTo(WebEndpointResponse.STATUS_OK);
                    assertThat(response.getBody()).isEqualTo(new TeleportSessionsEndpoint.CloseDescriptor(id, true));
                });
                await().until(() -> dialed.closeFuture().isDone());
                assertThat(output).as("an operator's close leaves a line (new-user trial 18)")
                        .contains("session " + id + " closed through the actuator endpoint");
            } finally {
                client.close();
            }
        });
    }

    @Test
    void theListingIsBoundedAndSaysHowManyThereAre() {
        runner.run(ctx -> {
            WebOperation read = operation(ctx, WebEndpointHttpMethod.GET);
            Peer server = ctx.getBean(Peer.class);
            Peer client = new Peer(PeerConfig.defaults());
            try {
                int port = ((InetSocketAddress) server.listenAddresses().iterator().next()).getPort();
                for (int i = 0; i < 3; i++) {
                    client.dial("127.0.0.1:" + port);
                }
                await().until(() -> server.sessionCount() == 3);
                // Without a limit (the optional parameter left out, as a plain GET does).
                assertThat(read.invoke(new InvocationContext(SecurityContext.NONE, Map.of())))
                        .isInstanceOfSatisfying(TeleportSessionsEndpoint.SessionsDescriptor.class, d -> {
                            assertThat(d.total()).isEqualTo(3);
                            assertThat(d.sessions()).hasSize(3);
                        });
                assertThat(read.invoke(new InvocationContext(SecurityContext.NONE, Map.of("limit", "2"))))
                        .isInstanceOfSatisfying(TeleportSessionsEndpoint.SessionsDescriptor.class, d -> {
                            assertThat(d.total()).isEqualTo(3);
                            assertThat(d.sessions()).hasSize(2);
                            assertThat(d.sessions().get(0).id()).isLessThan(d.sessions().get(1).id());
                        });
            } finally {
                client.close();
            }
        });
    }

    @Test
    void sessionsThePeerDialedAreToldFromThoseItAccepted() {
        runner.run(ctx -> {
            Peer server = ctx.getBean(Peer.class);
            int port = ((InetSocketAddress) server.listenAddresses().iterator().next()).getPort();
            // The peer calls itself: one session it dialed, one it accepted.
            Session own = server.dial("127.0.0.1:" + port);
            await().until(() -> server.sessionCount() == 2);
            TeleportSessionsEndpoint.SessionsDescriptor d = ctx.getBean(TeleportSessionsEndpoint.class).sessions(null);
            assertThat(d.total()).isEqualTo(2);
            assertThat(d.dialed()).isEqualTo(1);
            assertThat(d.sessions()).filteredOn(TeleportSessionsEndpoint.SessionDescriptor::dialed).singleElement()
                    .satisfies(s -> assertThat(s.id()).isEqualTo(own.id()));
            own.close().join();
        });
    }

    @Test
    void aSessionThatReadsNothingShowsWhatItHoldsAndThatItTakesNoMore() throws Exception {
        runner.run(ctx -> {
            Peer server = ctx.getBean(Peer.class);
            int port = ((InetSocketAddress) server.listenAddresses().iterator().next()).getPort();
            try (java.net.Socket silent = new java.net.Socket("127.0.0.1", port)) {
                await().until(() -> server.sessionCount() == 1);
                Session session = server.sessions().iterator().next();
                String chunk = "x".repeat(256 * 1024);
                // Until the session refuses more: the socket's buffers, which the kernel may grow, are full
                // by then, so that what is queued here stays.
                boolean refused = false;
                for (int i = 0; i < 400 && !refused; i++) {
                    // Refused at once (104) when it would pass the limit; written ones complete only once read.
                    refused = session.push("/news", chunk).isCompletedExceptionally();
                    Thread.sleep(2);
                }
                assertThat(refused).as("the outbound limit reached").isTrue();
                TeleportSessionsEndpoint.SessionDescriptor shown = ctx.getBean(TeleportSessionsEndpoint.class).sessions(null)
                        .sessions().get(0);
                assertThat(shown.writable()).isFalse();
                assertThat(shown.outboundBytes()).as("over the 1 MB high water mark").isGreaterThan(1024 * 1024);
            }
        });
    }

    @Test
    void withoutALimitTheFirstHundredAreListed() {
        Peer server = new Peer(PeerConfig.defaults());
        Peer client = new Peer(PeerConfig.defaults());
        try {
            int port = ((InetSocketAddress) server.listen("127.0.0.1:0", null)).getPort();
            for (int i = 0; i < 150; i++) {
                client.dial("127.0.0.1:" + port);
            }
            await().until(() -> server.sessionCount() == 150);
            TeleportSessionsEndpoint endpoint = new TeleportSessionsEndpoint(server);
            assertThat(endpoint.sessions().total()).isEqualTo(150);
            assertThat(endpoint.sessions().sessions()).hasSize(TeleportSessionsEndpoint.DEFAULT_LIMIT);
            assertThat(endpoint.sessions(1_000_000).sessions()).hasSize(150);
            assertThat(endpoint.sessions(-5).sessions()).isEmpty();
        } finally {
            client.close();
            server.close();
        }
    }

    private static WebOperation deleteOperation(ApplicationContext ctx) {
        return operation(ctx, WebEndpointHttpMethod.DELETE);
    }

    private static WebOperation operation(ApplicationContext ctx, WebEndpointHttpMethod method) {
        WebEndpointDiscoverer discoverer = new WebEndpointDiscoverer(ctx, new ConversionServiceParameterValueMapper(),
                EndpointMediaTypes.DEFAULT, List.of(), List.of(), List.of(), List.of(), List.of());
        ExposableWebEndpoint endpoint = discoverer.getEndpoints().stream()
                .filter(e -> e.getEndpointId().toString().equals("teleport")).findFirst().orElseThrow();
        return endpoint.getOperations().stream()
                .filter(op -> op.getRequestPredicate().getHttpMethod() == method)
                .findFirst().orElseThrow();
    }

    private static InvocationContext context(String id) {
        return new InvocationContext(SecurityContext.NONE, Map.of("id", id));
    }

    @Test
    void jmxCanAnswerWhatClosingDid() {
        // Boot's JMX operations answer with a map of the result (a scalar cannot become one).
        TeleportSessionsEndpoint.CloseDescriptor none = new TeleportSessionsEndpoint.CloseDescriptor("nobody", false);
        assertThat(new JacksonJmxOperationResponseMapper(null).mapResponse(none))
                .isEqualTo(Map.of("id", "nobody", "closed", false));
    }
}
