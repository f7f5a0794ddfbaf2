package io.teleport.spring.exchange;

import io.teleport.spring.client.SessionTemplate;
import io.teleport.spring.client.SessionTemplates;
import io.teleport.spring.diagnostics.TeleportConfigurationException;
import io.teleport.spring.diagnostics.TeleportControllerException;
import org.springframework.beans.factory.BeanFactory;
import org.springframework.beans.factory.BeanFactoryAware;
import org.springframework.beans.factory.SmartFactoryBean;
import org.springframework.boot.convert.ApplicationConversionService;
import org.springframework.core.annotation.AnnotatedElementUtils;
import org.springframework.core.convert.ConversionService;

/**
 * The bean of one imported {@link TeleportExchange} interface: its proxy, over the template of the
 * remote it names. The template is looked up when the proxy is made, not when the bean is
 * registered, because the templates are beans of the auto-configuration, which comes later; it is
 * made at start-up all the same, so that a missing remote or a method the proxy cannot call fails
 * start-up rather than the first call (making it dials nothing).
 *
 * @param <T> the interface
 */
public final class TeleportExchangeFactoryBean<T> implements SmartFactoryBean<T>, BeanFactoryAware {

    private final Class<T> type;
    private final String remote;
    private BeanFactory beans;

    /**
     * The bean of {@code type}, calling {@code remote} (a name under {@code teleport.clients}) when
     * the interface names no remote itself; the {@code teleport.client} remote when neither does.
     */
    public TeleportExchangeFactoryBean(Class<T> type, String remote) {
        this.type = type;
        this.remote = remote;
    }

    @Override
    public void setBeanFactory(BeanFactory beanFactory) {
        this.beans = beanFactory;
    }

    @Override
    public T getObject() {
        ConversionService conversions = beans.getBeanProvider(ConversionService.class)
                .getIfUnique(ApplicationConversionService::getSharedInstance);
        SessionTemplate template = template();
        try {
            return new TeleportExchangeProxyFactory(conversions).create(type, template);
        } catch (IllegalStateException e) {
            // A method the proxy cannot call: in Boot's failure analysis, naming the interface.
            throw TeleportControllerException.ofExchange(type.getName(), type, e);
        }
    }

    @Override
    public boolean isEagerInit() {
        return true;
    }

    @Override
    public Class<T> getObjectType() {
        return type;
    }

    private SessionTemplate template() {
        TeleportExchange exchange = AnnotatedElementUtils.findMergedAnnotation(type, TeleportExchange.class);
        String name = exchange != null && !exchange.remote().isEmpty() ? exchange.remote() : remote;
        if (!name.isEmpty()) {
            SessionTemplates named = beans.getBeanProvider(SessionTemplates.class).getIfAvailable();
            if (named == null || !named.names().contains(name)) {
                // A configuration error, in Boot's failure analysis: the property to set, not a stack trace.
                throw new TeleportConfigurationException("teleport.clients." + name + ".address", type.getName()
                        + " calls the remote '" + name + "', which is not configured", "Set teleport.clients." + name
                        + ".address, or teleport.clients." + name + ".service-id for a service's instances.", null);
            }
            return named.get(name);
        }
        SessionTemplate template = beans.getBeanProvider(SessionTemplate.class).getIfAvailable();
        if (template == null) {
            throw new TeleportConfigurationException("teleport.client.address", type.getName()
                    + " calls the teleport.client remote, which is not configured", "Set teleport.client.address (or"
                    + " teleport.client.service-id), or name a remote of teleport.clients in @TeleportExchange(remote"
                    + " = ...) or @ImportTeleportExchanges(remote = ...).", null);
        }
        return template;
    }
}
