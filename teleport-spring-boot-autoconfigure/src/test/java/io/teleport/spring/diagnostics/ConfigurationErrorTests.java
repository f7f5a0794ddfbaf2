package io.teleport.spring.diagnostics;

import ch.qos.logback.classic.Level;
import io.teleport.spring.autoconfigure.TeleportAutoConfiguration;
import io.teleport.spring.autoconfigure.TeleportProperties;
import io.teleport.testing.LogCapture;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.springframework.boot.SpringBootConfiguration;
import org.springframework.boot.WebApplicationType;
import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.autoconfigure.ImportAutoConfiguration;
import org.springframework.boot.builder.SpringApplicationBuilder;
import org.springframework.boot.diagnostics.FailureAnalysis;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;
import org.springframework.boot.test.system.CapturedOutput;
import org.springframework.boot.test.system.OutputCaptureExtension;
import org.springframework.core.env.SystemEnvironmentPropertySource;
import org.springframework.core.env.StandardEnvironment;
import org.springframework.util.unit.DataSize;

import java.net.InetAddress;
import java.net.ServerSocket;
import java.time.Duration;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * Every address is checked when the properties are bound, and a bad one, or a listen port in use,
 * fails start-up with Boot's failure analysis naming the property and what to do.
 */
@ExtendWith(OutputCaptureExtension.class)
class ConfigurationErrorTests {

    private final ApplicationContextRunner runner = new ApplicationContextRunner()
            .withConfiguration(AutoConfigurations.of(TeleportAutoConfiguration.class));

    @Test
    void anEmptyOrMalformedClientAddressFailsStartUpNamingIt() {
        assertAnalysis("teleport.client.address=", "Teleport cannot start with teleport.client.address: empty "
                + "(expected: host:port).", "Set teleport.client.address to the remote peer's host:port, such as "
                + "127.0.0.1:9090 (a socket path when teleport.network is unix, a name when local), or remove it.");
        assertAnalysis("teleport.client.address=localhost",
                "Teleport cannot start with teleport.client.address: localhost (expected: host:port).",
                "Set teleport.client.address to the remote peer's host:port");
        assertAnalysis("teleport.clients.billing.address=billing:http", "Teleport cannot start with "
                + "teleport.clients.billing.address: billing:http (expected: a port number after ':').",
                "Set teleport.clients.billing.address to the remote peer's host:port");
        // A host name is not resolved at start-up: it may not resolve yet.
        runner.withPropertyValues("teleport.client.address=not-yet-resolvable.invalid:9090")
                .run(ctx -> assertThat(ctx).hasNotFailed());
    }

    @Test
    void aMalformedListenAddressOrLocalIpFailsStartUpNamingIt() {
        assertAnalysis("teleport.server.listen-address=0.0.0.0:99999", "Teleport cannot start with "
                + "teleport.server.listen-address: 0.0.0.0:99999 (expected: port 0-65535).",
                "Set teleport.server.listen-address to the address to listen on");
        assertAnalysis("teleport.local-ip=my-host,teleport.client.address=127.0.0.1:1", "Teleport cannot start with teleport.local-ip: my-host",
                "Set teleport.local-ip to an IP address of this host");
    }

    @Test
    void aListenPortInUseIsReportedAsBootReportsAWebServers() throws Exception {
        try (ServerSocket taken = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            int port = taken.getLocalPort();
            assertAnalysis("teleport.server.listen-address=127.0.0.1:" + port, "Teleport cannot start with "
                    + "teleport.server.listen-address: 127.0.0.1:" + port + ": port " + port + " is already in use.",
                    "Identify and stop the process that is listening on port " + port
                            + ", or set teleport.server.listen-address to another port.");
        }
    }

    /** A remote, so that the application has a peer to configure. */
    private static final String REMOTE = "teleport.client.address=127.0.0.1:9090,";

    @Test
    void aBadLimitNetworkTransportOrRetrySettingFailsStartUpNamingItsKey() {
        assertAnalysis(REMOTE + "teleport.limits.max-inflight-per-session=-1",
                "Teleport cannot start with teleport.limits.max-inflight-per-session: -1 (expected: >= 1).",
                "Set teleport.limits.max-inflight-per-session to a value the limit allows, or remove it");
        assertAnalysis(REMOTE + "teleport.limits.max-queue-wait=-1s",
                "Teleport cannot start with teleport.limits.max-queue-wait: -1s (expected: >= 0)",
                "Set teleport.limits.max-queue-wait to a value the limit allows");
        assertAnalysis(REMOTE + "teleport.limits.max-unpacked-bytes=4GB",
                "Teleport cannot start with teleport.limits.max-unpacked-bytes: 4GB (expected: below 2GB).",
                "Set teleport.limits.max-unpacked-bytes to a value the limit allows");
        assertAnalysis(REMOTE + "teleport.network=udp", "Teleport cannot start with teleport.network: udp (expected one of",
                "Set teleport.network to tcp, tcp4, tcp6, unix or local.");
        assertAnalysis(REMOTE + "teleport.transport=foo", "Teleport cannot start with teleport.transport: foo (expected:",
                "Set teleport.transport to auto, nio, epoll, kqueue or io-uring.");
        assertAnalysis("teleport.clients.billing.address=127.0.0.1:9090,teleport.clients.billing.max-attempts=0",
                "Teleport cannot start with teleport.clients.billing.max-attempts: 0 (expected: >= 1).",
                "Set teleport.clients.billing.max-attempts to 1 for no retries, or more.");
        assertAnalysis(REMOTE + "teleport.default-body-codec=xml", "Teleport cannot start with "
                + "teleport.default-body-codec: xml is not a codec of this application (expected one of [",
                "Set teleport.default-body-codec to one of those, add com.google.protobuf:protobuf-java for protobuf");
        assertAnalysis("teleport.client.address=127.0.0.1:9090,teleport.client.max-attempts=0",
                "Teleport cannot start with teleport.client.max-attempts: 0", "Set teleport.client.max-attempts to 1");
        // A pattern that can never match a path: the retries it was meant for would silently stop (new-user trial 14).
        assertAnalysis("teleport.clients.tax.address=127.0.0.1:9090,teleport.clients.tax.idempotent-paths=tax/rates",
                "Teleport cannot start with teleport.clients.tax.idempotent-paths[0]: tax/rates (expected: a path pattern "
                        + "starting with /).", "Write it as /tax/rates");
    }

    @Test
    void aValueOutOfRangeFailsStartUpNamingItsKeyAsPropertiesWriteIt() {
        assertAnalysis(REMOTE + "teleport.pull-timeout=-3s", "Teleport cannot start with teleport.pull-timeout: -3s "
                + "(expected: > 0).", "Set teleport.pull-timeout to a duration above zero, such as 10s");
        assertAnalysis(REMOTE + "teleport.heartbeat.ping-rate=0s", "Teleport cannot start with "
                + "teleport.heartbeat.ping-rate: 0s (expected: > 0).", "Set teleport.heartbeat.ping-rate to a duration above zero, such as 10s, or remove it for no heartbeat.");
        assertAnalysis(REMOTE + "teleport.heartbeat.pong-rate=-1500ms", "Teleport cannot start with "
                + "teleport.heartbeat.pong-rate: -1500ms (expected: > 0).", "Set teleport.heartbeat.pong-rate to");
        assertAnalysis(REMOTE + "teleport.auth.timeout=0ms", "Teleport cannot start with teleport.auth.timeout: 0s",
                "Set teleport.auth.timeout to a duration above zero");
        assertAnalysis(REMOTE + "teleport.auth.unverified-read-limit=16B", "Teleport cannot start with "
                + "teleport.auth.unverified-read-limit: 16B (expected: 24B to 2GB).", "Set teleport.auth.unverified-read-limit to");
        assertAnalysis(REMOTE + "teleport.socket.send-buffer-size=-1KB", "Teleport cannot start with "
                + "teleport.socket.send-buffer-size: -1KB (expected: 1B to 2GB).", "Set teleport.socket.send-buffer-size to");
        assertAnalysis(REMOTE + "teleport.read-limit=3GB", "Teleport cannot start with teleport.read-limit: 3GB "
                + "(expected: 24B to 2GB).", "Set teleport.read-limit to a size from 24B to 2GB");
        assertAnalysis(REMOTE + "teleport.handler.queue-capacity=0", "Teleport cannot start with "
                + "teleport.handler.queue-capacity: 0 (expected: >= 1).", "Set teleport.handler.queue-capacity to 1 or more");
        assertAnalysis(REMOTE + "teleport.redial.times=-2", "Teleport cannot start with teleport.redial.times: -2",
                "Set teleport.redial.times to -1");
        assertAnalysis("teleport.server.listen-address=127.0.0.1:0,teleport.client.pull-timeout=-1s", "Teleport cannot start with "
                + "teleport.client.pull-timeout: -1s (expected: > 0).", "Set teleport.client.pull-timeout to");
        assertAnalysis(REMOTE + "teleport.client.body-codec=xml", "Teleport cannot start with "
                + "teleport.client.body-codec: 'xml' is not a codec of the peer", "Set teleport.client.body-codec to json");
        assertAnalysis(REMOTE + "teleport.limits.write-buffer-low-water-mark=2MB", "Teleport cannot start with "
                + "teleport.limits.write-buffer-low-water-mark: the low water mark (2MB) is above the high water mark "
                + "(1MB)", "Set teleport.limits.write-buffer-low-water-mark to");
        assertAnalysis(REMOTE + "teleport.shutdown-timeout=-90s", "Teleport cannot start with "
                + "teleport.shutdown-timeout: -90s (expected: >= 0).", "Set teleport.shutdown-timeout to 0 or");
        assertAnalysis(REMOTE + "teleport.handler.async-timeout=-1s", "Teleport cannot start with "
                + "teleport.handler.async-timeout: -1s (expected: >= 0).", "Set teleport.handler.async-timeout to 0 or");
    }

    /**
     * {@code pull-timeout: 30} is 30 milliseconds to Spring: it started without a word and failed pulls
     * slower than that under load (new-user trial 12). Every duration, not only the heartbeat's rates.
     */
    @Test
    void aDurationUnderASecondWrittenWithoutItsUnitFailsStartUp() {
        assertAnalysis(REMOTE + "teleport.pull-timeout=30", "Teleport cannot start with teleport.pull-timeout: 30 has "
                + "no unit, so it is 30 milliseconds", "Write the unit: 30s for seconds, or 30ms if milliseconds are meant.");
        assertAnalysis(REMOTE + "teleport.limits.handshake-timeout=10,teleport.handler.async-timeout=60",
                "Teleport cannot start with teleport.handler.async-timeout: 60 has no unit, so it is 60 milliseconds; "
                        + "so are teleport.limits.handshake-timeout: 10", "Write the unit: 60s");
        assertAnalysis("teleport.server.listen-address=127.0.0.1:0,teleport.clients.billing.address=127.0.0.1:9090,"
                + "teleport.clients.billing.pull-timeout=5", "Teleport cannot start with teleport.clients.billing.pull-timeout: "
                + "5 has no unit", "Write the unit: 5s");
        // With a unit, or a second and more, or zero (off): meant as written.
        runner.withPropertyValues(REMOTE.split(",")).withPropertyValues("teleport.pull-timeout=30000",
                "teleport.dial-timeout=500ms", "teleport.shutdown-timeout=0", "teleport.redial.interval=50ms")
                .run(ctx -> assertThat(ctx).hasNotFailed());
    }

    @RegisterExtension
    final LogCapture log = LogCapture.of(UnknownTeleportKeys.class.getName(), Level.WARN);

    @Test
    void keysNoSettingTakesAreNamedInAWarning() {
        runner.withPropertyValues("teleport.client.address=127.0.0.1:9090", "teleport.pul-timeout=3s", "teleport.clients.billing.address=127.0.0.1:9091",
                "teleport.clients.billing.pul-timeout=2s", "teleport.limits.max-conections=5",
                "teleport.metrics.enabled=true").run(ctx -> {
                    assertThat(ctx).hasNotFailed();
                    assertThat(log.warnings("not Teleport settings")).singleElement().asString()
                            .contains("teleport.pul-timeout").contains("teleport.clients.billing.pul-timeout")
                            .contains("teleport.limits.max-conections").doesNotContain("metrics")
                            // The nearest known key, from the starter's configuration metadata (new-user trial 18).
                            .contains("teleport.pul-timeout (did you mean teleport.pull-timeout?)")
                            .contains("teleport.clients.billing.pul-timeout (did you mean teleport.clients.billing.pull-timeout?)")
                            .contains("teleport.limits.max-conections (did you mean teleport.limits.max-connections?)");
                });
        runner.withPropertyValues("teleport.client.address=127.0.0.1:9090", "teleport.pull-timeout=3s", "teleport.clients.billing.address=127.0.0.1:9091",
                "teleport.observations.enabled=false", "teleport.limits.max-connections=5")
                .run(ctx -> assertThat(log.warnings("not Teleport settings")).as("known keys only").hasSize(1));
    }

    /** A misspelt security key must not leave a server open to anyone (new-user trial 9). */
    @Test
    void aMisspeltAuthOrTlsKeyFailsStartUpInsteadOfRunningWithoutIt() {
        assertAnalysis("teleport.server.listen-address=127.0.0.1:0,teleport.auth.accepted-token[0]=lobby-secret",
                "Teleport cannot start with teleport.auth.accepted-token: not a Teleport setting (misspelt?)",
                "Correct the key (teleport.auth.token, teleport.auth.accepted-tokens");
        runner.withPropertyValues("teleport.server.listen-address=127.0.0.1:0", "teleport.auth.accepted-token[0]=s")
                .run(ctx -> assertThat(new TeleportFailureAnalyzer(null).analyze(ctx.getStartupFailure()).getDescription())
                        .as("it is not ignored: start-up stops").doesNotContain("ignored")
                        .contains("the peer does not start, as without the setting meant it would lack the security"));
        // Named once, as written, and not said to be ignored by a start-up that stopped for it (new-user trial 17).
        UnknownTeleportKeys.warnAll(new org.springframework.mock.env.MockEnvironment()
                .withProperty("teleport.auth.accepted-token[0]", "a").withProperty("teleport.auth.accepted-token[1]", "b"),
                "teleport", io.teleport.spring.autoconfigure.TeleportProperties.class, java.util.Set.of());
        assertThat(log.warnings("not Teleport settings")).singleElement().asString()
                .contains("not Teleport settings (misspelt?): teleport.auth.accepted-token (")
                .doesNotContain("accepted-token[1]").doesNotContain("ignored");
        assertAnalysis("teleport.server.listen-address=127.0.0.1:0,teleport.ssl.bunde=teleport",
                "Teleport cannot start with teleport.ssl.bunde: not a Teleport setting (misspelt?)", "Correct the key");
        // A remote's own token misspelt would send it the peer's (a review).
        assertAnalysis("teleport.auth.token=internal,teleport.clients.partner.address=127.0.0.1:1,"
                + "teleport.clients.partner.auth-tokn=p", "Teleport cannot start with teleport.clients.partner.auth-tokn: "
                + "not a Teleport setting (misspelt?)", "Correct the key");
        assertAnalysis("teleport.client.address=127.0.0.1:1,teleport.client.auth-tokens=p",
                "Teleport cannot start with teleport.client.auth-tokens: not a Teleport setting (misspelt?)", "Correct the key");
    }

    @Test
    void emptyValuesAndTheEnvironmentsVariablesAreNotUnknownKeys() {
        runner.withPropertyValues("teleport.client.address=127.0.0.1:9090", "teleport.limits.max-connections=",
                "teleport.clients.billing.address=127.0.0.1:9091", "teleport.clients.billing.pull-timeout=",
                "teleport.handler.execution=", "teleport.socket.receive-buffer-size=", "teleport.heartbeat.ping-rate=",
                "teleport.ssl.bundle=")
                .withInitializer(ctx -> ctx.getEnvironment().getPropertySources().addLast(new SystemEnvironmentPropertySource(
                        StandardEnvironment.SYSTEM_ENVIRONMENT_PROPERTY_SOURCE_NAME,
                        Map.of("TELEPORT_PORT", "tcp://10.0.0.1:9090", "TELEPORT_SERVICE_HOST", "10.0.0.1"))))
                .run(ctx -> {
                    assertThat(ctx).hasNotFailed();
                    assertThat(ctx.getBean(io.teleport.Peer.class).plugins()).as("an empty rate is no heartbeat")
                            .noneMatch(p -> p instanceof io.teleport.plugins.HeartbeatPlugin);
                    assertThat(ctx.getBean(io.teleport.Peer.class).config().clientSslContext()).as("an empty bundle is no TLS")
                            .isNull();
                    assertThat(log.warnings("not Teleport settings")).isEmpty();
                });
    }

    @Test
    void unknownKeysAreNamedWhenNoPeerStartsOrThePeerConfigIsTheApplications() {
        new ApplicationContextRunner().withConfiguration(AutoConfigurations.of(TeleportAutoConfiguration.class,
                        io.teleport.spring.autoconfigure.TeleportWithoutRoleAutoConfiguration.class))
                .withPropertyValues("teleport.server.listen-adress=0.0.0.0:9090").run(ctx -> {
                    assertThat(ctx).hasNotFailed().doesNotHaveBean(io.teleport.Peer.class);
                    assertThat(log.warnings("not Teleport settings")).singleElement().asString()
                            .contains("teleport.server.listen-adress");
                });
        runner.withPropertyValues("teleport.client.address=127.0.0.1:9090", "teleport.pul-timeout=3s")
                .withBean(io.teleport.config.PeerConfig.class, io.teleport.config.PeerConfig::defaults)
                .run(ctx -> assertThat(log.warnings("teleport.pul-timeout")).hasSize(1));
    }

    /** The misspelt key that makes start-up fail is named, with where it was set (new-user trial 13). */
    @Test
    void aMisspeltKeyIsNamedWhenItMakesStartUpFail(CapturedOutput output) {
        assertThatThrownBy(() -> new SpringApplicationBuilder(App.class).web(WebApplicationType.NONE)
                .properties("spring.main.banner-mode=off").run("--teleport.clients.gateway.adress=127.0.0.1:9090",
                        "--teleport.clients.gateway.pull-timeout=5s"))
                .isNotNull();
        assertThat(output).contains("APPLICATION FAILED TO START")
                .contains("Teleport cannot start with teleport.clients.gateway.address: empty")
                .contains("not Teleport settings (misspelt?): teleport.clients.gateway.adress (did you mean"
                        + " teleport.clients.gateway.address?) (\"teleport.clients.gateway.adress\" from property source"
                        + " \"commandLineArgs\")");
    }

    @Test
    void theAnalysisSaysWhereTheBadValueWasSet(CapturedOutput output) {
        assertThatThrownBy(() -> new SpringApplicationBuilder(App.class).web(WebApplicationType.NONE)
                .properties("spring.main.banner-mode=off", "teleport.client.address=127.0.0.1:9090")
                .run("--teleport.pull-timeout=-3s")).isNotNull();
        assertThat(output).contains("APPLICATION FAILED TO START")
                .contains("Teleport cannot start with teleport.pull-timeout: -3s (expected: > 0).")
                .contains("Origin: \"teleport.pull-timeout\" from property source \"commandLineArgs\"");
    }

    @Test
    void aNativeTransportThisSystemLacksFailsStartUpWithNettysReason() {
        Assumptions.assumeTrue(System.getProperty("os.name").startsWith("Linux"), "kqueue is for macOS and BSD");
        assertAnalysis(REMOTE + "teleport.transport=kqueue",
                "Teleport cannot start with teleport.transport: kqueue: cannot be used here: Only supported on OSX/BSD",
                "Set teleport.transport to auto (the best this system has) or nio.");
    }

    /** An application of Teleport alone. */
    @SpringBootConfiguration(proxyBeanMethods = false)
    @ImportAutoConfiguration(TeleportAutoConfiguration.class)
    static class App {
    }

    @Test
    void springApplicationPrintsTheKeyOfABadLimit(CapturedOutput output) {
        // Boot's own analysis of a binding failure shows the innermost cause: it must be the one naming the key.
        failsToStart(App.class, "teleport.limits.max-inflight-per-session", "teleport.client.address=127.0.0.1:9090",
                "teleport.limits.max-inflight-per-session=-1");
        assertThat(output).contains("APPLICATION FAILED TO START")
                .contains("teleport.limits.max-inflight-per-session: -1 (expected: >= 1)");
    }

    @Test
    void springApplicationPrintsTheAnalysis(CapturedOutput output) {
        failsToStart(App.class, "teleport.client.address: empty", "teleport.client.address=");
        assertThat(output).contains("APPLICATION FAILED TO START")
                .contains("Teleport cannot start with teleport.client.address: empty (expected: host:port).")
                .contains("Set teleport.client.address to the remote peer's host:port");
    }

    /** An application that calls the default remote. */
    @SpringBootConfiguration(proxyBeanMethods = false)
    @ImportAutoConfiguration(TeleportAutoConfiguration.class)
    static class CallingApp {

        @org.springframework.context.annotation.Bean
        Object caller(io.teleport.spring.client.SessionTemplate template) {
            return template;
        }
    }

    @Test
    void anInjectedSessionTemplateWithOnlyNamedRemotesPointsToSessionTemplates(CapturedOutput output) {
        failsToStart(CallingApp.class, "SessionTemplate", "teleport.clients.billing.address=127.0.0.1:9090");
        assertThat(output).contains("APPLICATION FAILED TO START")
                .contains("A SessionTemplate was injected, but there is none: the SessionTemplate bean is the default "
                        + "remote's, and neither teleport.client.address nor teleport.client.service-id is set. "
                        + "Named remotes are configured: [billing].")
                .contains("inject SessionTemplates and use get(\"billing\")");
    }

    @Test
    void aMisspeltKeyIsNamedWhereTheApplicationStopsForWantOfTheSettingItMeant(CapturedOutput output) {
        failsToStart(CallingApp.class, "SessionTemplate", "teleport.clinet.address=127.0.0.1:9090");
        assertThat(output).contains("neither teleport.client.address nor teleport.client.service-id is set.")
                .contains("Set but not Teleport settings (misspelt?): teleport.clinet.address");
    }

    @Test
    void anInjectedSessionTemplateWithoutAnyRemoteSaysWhichKeyMakesIt(CapturedOutput output) {
        failsToStart(CallingApp.class, "SessionTemplate");
        assertThat(output).contains("neither teleport.client.address nor teleport.client.service-id is set.")
                .contains("Set teleport.client.address to the remote peer's host:port").doesNotContain("Named remotes");
    }

    /** An application that broadcasts to its clients. */
    @SpringBootConfiguration(proxyBeanMethods = false)
    @ImportAutoConfiguration(TeleportAutoConfiguration.class)
    static class BroadcastingApp {

        @org.springframework.context.annotation.Bean
        Object broadcaster(io.teleport.spring.server.TeleportSessions sessions) {
            return sessions;
        }
    }

    /** An application calling the default remote, without Teleport's auto-configuration. */
    @SpringBootConfiguration(proxyBeanMethods = false)
    static class WithoutAutoConfiguration {

        @org.springframework.context.annotation.Bean
        Object caller(io.teleport.spring.client.SessionTemplate template) {
            return template;
        }
    }

    @Test
    void anInjectedTeleportBeanWithoutARoleSaysWhichKeysStartTeleport(CapturedOutput output) {
        failsToStart(BroadcastingApp.class, "TeleportSessions");
        assertThat(output).contains("A TeleportSessions was injected, but Teleport is not running: none of "
                + "teleport.server.listen-address, teleport.client.address or teleport.clients is set.")
                .contains("Set teleport.server.listen-address to serve").contains("or teleport.enabled=true to run a peer "
                        + "that only dials by the application's own code");
    }

    @Test
    void anInjectedTeleportBeanWithTeleportSwitchedOffSaysSo(CapturedOutput output) {
        failsToStart(BroadcastingApp.class, "TeleportSessions", "teleport.enabled=false",
                "teleport.server.listen-address=127.0.0.1:0");
        assertThat(output).contains("A TeleportSessions was injected, but Teleport is not running: teleport.enabled is false.")
                .doesNotContain("auto-configuration did not run");
    }

    @Test
    void anInjectedSessionTemplateWhoseAddressIsSetPointsToTheMissingAutoConfiguration(CapturedOutput output) {
        failsToStart(WithoutAutoConfiguration.class, "SessionTemplate", "teleport.client.address=127.0.0.1:9090");
        assertThat(output).contains("Teleport's auto-configuration did not run")
                .doesNotContain("neither teleport.client.address");
    }

    @Test
    void aValueThatIsNotOneOfItsChoicesListsThemAsPropertiesWriteThem(CapturedOutput output) {
        failsToStart(App.class, "teleport.error.include-message", "teleport.client.address=127.0.0.1:9090",
                "teleport.error.include-message=true");
        assertThat(output).contains("Teleport cannot start with teleport.error.include-message: true (expected one of: "
                + "never, always).").contains("Set teleport.error.include-message to one of: never, always.");
        failsToStart(App.class, "teleport.message-log-format", "teleport.client.address=127.0.0.1:9090",
                "teleport.message-log-format=json");
        assertThat(output).contains("teleport.message-log-format: json (expected one of: key-value, multi-line)");
    }

    @Test
    void aValueThatIsNotOfItsTypeSaysWhatIsExpectedAndWhereItWasSet(CapturedOutput output) {
        String[][] cases = {
                {"--teleport.pull-timeout=abc", "teleport.pull-timeout: abc (expected a duration such as 10s, 500ms or 2m)."},
                {"--teleport.read-limit=10XB", "teleport.read-limit: 10XB (expected a size such as 16MB, 512KB or 4096 (bytes))."},
                {"--teleport.client.connect=sometimes", "teleport.client.connect: sometimes (expected one of: eager, lazy)."},
                {"--teleport.limits.max-inflight-per-session=many", "teleport.limits.max-inflight-per-session: many "
                        + "(expected a whole number)."},
        };
        for (String[] bad : cases) {
            String key = bad[0].substring(2, bad[0].indexOf('='));
            assertThatThrownBy(() -> new SpringApplicationBuilder(App.class).web(WebApplicationType.NONE)
                    .properties("spring.main.banner-mode=off", "teleport.client.address=127.0.0.1:9090")
                    .run(bad[0])).isNotNull();
            assertThat(output).contains("Teleport cannot start with " + bad[1])
                    .contains("Origin: \"" + key + "\" from property source \"commandLineArgs\"")
                    .doesNotContain("@org.springframework.boot.context.properties.bind.DefaultValue");
        }
    }

    /** An application that asks for a named remote as a qualified SessionTemplate. */
    @SpringBootConfiguration(proxyBeanMethods = false)
    @ImportAutoConfiguration(TeleportAutoConfiguration.class)
    static class QualifiedCallingApp {

        @org.springframework.context.annotation.Bean
        Object caller(@org.springframework.beans.factory.annotation.Qualifier("billing")
                io.teleport.spring.client.SessionTemplate template) {
            return template;
        }
    }

    @Test
    void aQualifiedSessionTemplateSaysNamedRemotesAreNotBeans(CapturedOutput output) {
        failsToStart(QualifiedCallingApp.class, "SessionTemplate", "teleport.client.address=127.0.0.1:9090",
                "teleport.clients.billing.address=127.0.0.1:9091");
        assertThat(output).contains("A SessionTemplate was injected with a qualifier no bean has")
                .contains("Inject SessionTemplates and use get(\"<name>\") for a named remote (configured: [billing])")
                .doesNotContain("auto-configuration did not run");
    }

    /** Two controllers with one path between them. */
    @SpringBootConfiguration(proxyBeanMethods = false)
    @ImportAutoConfiguration(TeleportAutoConfiguration.class)
    static class ConflictingApp {

        @org.springframework.context.annotation.Bean
        Catalog catalog() {
            return new Catalog();
        }

        @org.springframework.context.annotation.Bean
        OtherCatalog otherCatalog() {
            return new OtherCatalog();
        }
    }

    /** Serves /shop/item. */
    @io.teleport.spring.annotation.PullController
    static class Catalog {
        /** The route. */
        @io.teleport.spring.annotation.RoutePath("/shop/item")
        public String item(String sku) {
            return sku;
        }
    }

    /** Serves /shop/item too. */
    @io.teleport.spring.annotation.PullController
    static class OtherCatalog {
        /** The same route. */
        @io.teleport.spring.annotation.RoutePath("/shop/item")
        public String item(String sku) {
            return sku;
        }
    }

    @Test
    void controllersThatCannotBecomeRoutesGetTheAnalysisNamingTheBean(CapturedOutput output) {
        failsToStart(ConflictingApp.class, "handler conflict", "teleport.client.address=127.0.0.1:9090");
        assertThat(output).contains("APPLICATION FAILED TO START")
                .contains("Teleport controller 'otherCatalog' (" + OtherCatalog.class.getName() + "): There is a pull "
                        + "handler conflict: /shop/item")
                .contains("Change the handler methods of 'otherCatalog'");
    }

    @Test
    void aMissingSslBundleGetsTheAnalysis(CapturedOutput output) {
        failsToStart(App.class, "teleport.ssl.bundle", "teleport.client.address=127.0.0.1:9090",
                "teleport.ssl.bundle=teleport");
        assertThat(output).contains("APPLICATION FAILED TO START")
                .contains("Teleport cannot start with teleport.ssl.bundle: teleport is set but there are no SSL bundles")
                .contains("Define the bundle under spring.ssl.bundle");
    }

    @Test
    void clientAuthWithoutABundleFailsStartUpRatherThanListenWithoutTls(CapturedOutput output) {
        failsToStart(App.class, "teleport.ssl.client-auth", "teleport.server.listen-address=127.0.0.1:0",
                "teleport.ssl.client-auth=require");
        assertThat(output).contains("APPLICATION FAILED TO START")
                .contains("without teleport.ssl.bundle there is no TLS").contains("Set teleport.ssl.bundle");
    }

    @Test
    void aTokenLeftAsAnUnresolvedPlaceholderFailsStartUp(CapturedOutput output) {
        // Spring binds ${TELEPORT_TOKEN} as it is written when nothing defines it.
        failsToStart(App.class, "teleport.auth.token", "teleport.client.address=127.0.0.1:9090",
                "teleport.auth.token=${TELEPORT_TOKEN_NOT_DEFINED_ANYWHERE}");
        assertThat(output).contains("APPLICATION FAILED TO START")
                .contains("teleport.auth.token: ${TELEPORT_TOKEN_NOT_DEFINED_ANYWHERE} is a placeholder that nothing resolved");
        failsToStart(App.class, "teleport.auth.accepted-tokens[1]", "teleport.server.listen-address=127.0.0.1:0",
                "teleport.auth.accepted-tokens=secret,${NOT_DEFINED_EITHER}");
    }

    @Test
    void anEmptyTokenIsNoneAndABlankAcceptedTokenFailsStartUp() {
        // ${TELEPORT_TOKEN:} with the variable undefined: no token sent, rather than an empty one.
        assertThat(new TeleportProperties.Auth("", List.of(), Duration.ofSeconds(5), DataSize.ofKilobytes(64)).token()).isNull();
        assertThatThrownBy(() -> new TeleportProperties.Auth(null, List.of("secret", " "), Duration.ofSeconds(5), DataSize.ofKilobytes(64)))
                .isInstanceOfSatisfying(TeleportConfigurationException.class,
                        e -> assertThat(e.getMessage()).contains("teleport.auth.accepted-tokens[1]").contains("blank"));
    }

    /** Starts {@code app} with {@code properties}, which must fail with {@code inTrace} in the stack trace. */
    private static void failsToStart(Class<?> app, String inTrace, String... properties) {
        assertThatThrownBy(() -> new SpringApplicationBuilder(app).web(WebApplicationType.NONE)
                .properties(properties).properties("spring.main.banner-mode=off").run())
                .hasStackTraceContaining(inTrace);
    }

    /** The failure analysis of start-up with {@code properties} (comma-separated). */
    private void assertAnalysis(String properties, String description, String action) {
        runner.withPropertyValues(properties.split(",")).run(ctx -> {
            assertThat(ctx).hasFailed();
            FailureAnalysis analysis = new TeleportFailureAnalyzer(null).analyze(ctx.getStartupFailure());
            assertThat(analysis).as("an analysis of %s", properties).isNotNull();
            assertThat(analysis.getDescription()).startsWith(description);
            assertThat(analysis.getAction()).startsWith(action);
        });
    }
}
