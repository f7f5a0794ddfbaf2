package io.teleport.spring.autoconfigure;

import io.teleport.Peer;
import io.teleport.spring.client.SessionTemplate;
import io.teleport.spring.client.SessionTemplates;
import io.teleport.spring.server.TeleportSessions;
import org.jspecify.annotations.Nullable;
import org.springframework.beans.factory.BeanFactory;
import org.springframework.beans.factory.ListableBeanFactory;
import org.springframework.beans.factory.NoSuchBeanDefinitionException;
import org.springframework.boot.context.properties.bind.Bindable;
import org.springframework.boot.context.properties.bind.Binder;
import org.springframework.boot.diagnostics.AbstractFailureAnalyzer;
import org.springframework.boot.diagnostics.FailureAnalysis;
import org.springframework.core.Ordered;
import org.springframework.core.env.Environment;

import java.util.Map;
import java.util.Set;

/**
 * Explains a Teleport bean that was injected but does not exist, which Boot's own report of a missing
 * bean leaves to the reader. The one {@code SessionTemplate} is the default remote's, made from
 * {@code teleport.client.address} or {@code .service-id}; remotes named under {@code teleport.clients}
 * are reached through {@code SessionTemplates}. The peer, {@code TeleportSessions} and
 * {@code SessionTemplates} exist once the application has a Teleport role: a listen address or a
 * remote. Ordered before Boot's report.
 */
class MissingTeleportBeanFailureAnalyzer extends AbstractFailureAnalyzer<NoSuchBeanDefinitionException>
        implements Ordered {

    private static final Set<Class<?>> NEED_A_ROLE = Set.of(Peer.class, TeleportSessions.class, SessionTemplates.class);
    private static final String ROLE = "Set teleport.server.listen-address to serve (such as 0.0.0.0:9090), "
            + "teleport.client.address (or teleport.clients.<name>.address) to call another peer, or teleport.enabled=true "
            + "to run a peer that only dials by the application's own code.";

    private final Environment environment;
    private final @Nullable BeanFactory beans;

    MissingTeleportBeanFailureAnalyzer(Environment environment, @Nullable BeanFactory beans) {
        this.environment = environment;
        this.beans = beans;
    }

    @Override
    protected FailureAnalysis analyze(Throwable rootFailure, NoSuchBeanDefinitionException cause) {
        FailureAnalysis analysis = analysis(cause);
        String unknown = analysis == null ? "" : TeleportAutoConfiguration.unknownKeys(environment);
        // The application stops before the warning that names them has its turn: a misspelt key is
        // the likeliest reason a setting that was meant is missing.
        return unknown.isEmpty() ? analysis : new FailureAnalysis(analysis.getDescription()
                + " Set but not Teleport settings (misspelt?): " + unknown + ".", analysis.getAction(), cause);
    }

    private @Nullable FailureAnalysis analysis(NoSuchBeanDefinitionException cause) {
        Class<?> missing = cause.getBeanType();
        if (missing == null) {
            return null;
        }
        Binder binder = Binder.get(environment);
        Set<String> named = binder.bind("teleport.clients", Bindable.mapOf(String.class, Object.class))
                .orElse(Map.of()).keySet();
        // The auto-configuration's own conditions: what they see is what decided whether it ran.
        boolean defaultRemote = OnTeleportRoleCondition.hasDefaultRemote(binder);
        Boolean enabled = OnTeleportRoleCondition.enabled(binder);
        boolean role = OnTeleportRoleCondition.listens(binder) || defaultRemote || !named.isEmpty() || Boolean.TRUE.equals(enabled);
        String name = missing.getSimpleName();
        if (missing == SessionTemplate.class && beans instanceof ListableBeanFactory listable
                && listable.getBeanNamesForType(SessionTemplate.class, true, false).length > 0) {
            return new FailureAnalysis("A SessionTemplate was injected with a qualifier no bean has: the one "
                    + "SessionTemplate bean is the default remote's (teleport.client), and remotes named under "
                    + "teleport.clients are not beans.", "Inject SessionTemplates and use get(\"<name>\") for a "
                    + "named remote" + (named.isEmpty() ? "" : " (configured: " + named + ")") + ", or drop the "
                    + "qualifier for the default remote.", cause);
        }
        if ((NEED_A_ROLE.contains(missing) || missing == SessionTemplate.class) && Boolean.FALSE.equals(enabled)) {
            return new FailureAnalysis("A " + name + " was injected, but Teleport is not running: teleport.enabled is "
                    + "false.", "Remove teleport.enabled=false, or do not inject Teleport's beans where it is off.", cause);
        }
        if (role && (missing == SessionTemplate.class ? defaultRemote : NEED_A_ROLE.contains(missing))) {
            return new FailureAnalysis("A " + name + " was injected, but there is none although its properties are "
                    + "set: Teleport's auto-configuration did not run (it is excluded, or this is a test slice that "
                    + "leaves it out).", "Remove the exclusion of TeleportAutoConfiguration, or import it in the test "
                    + "(@TeleportTest or @ImportAutoConfiguration(TeleportAutoConfiguration.class)).", cause);
        }
        if (NEED_A_ROLE.contains(missing)) {
            return new FailureAnalysis("A " + name + " was injected, but Teleport is not running: none of "
                    + "teleport.server.listen-address, teleport.client.address or teleport.clients is set.", ROLE, cause);
        }
        if (missing != SessionTemplate.class) {
            return null;
        }
        String description = "A SessionTemplate was injected, but there is none: the SessionTemplate bean is the "
                + "default remote's, and neither teleport.client.address nor teleport.client.service-id is set.";
        String action = "Set teleport.client.address to the remote peer's host:port (or teleport.client.service-id "
                + "to find it through discovery)";
        if (named.isEmpty()) {
            return new FailureAnalysis(description, action + ".", cause);
        }
        String first = named.iterator().next();
        return new FailureAnalysis(description + " Named remotes are configured: " + named + ".",
                action + "; or, to call a named remote, inject SessionTemplates and use get(\"" + first + "\").",
                cause);
    }

    @Override
    public int getOrder() {
        return Ordered.HIGHEST_PRECEDENCE;
    }
}
