package io.teleport.spring.exchange;

import org.springframework.beans.factory.FactoryBean;
import org.springframework.beans.factory.annotation.AnnotatedBeanDefinition;
import org.springframework.beans.factory.config.BeanDefinition;
import org.springframework.beans.factory.support.BeanDefinitionRegistry;
import org.springframework.beans.factory.support.RootBeanDefinition;
import org.springframework.context.EnvironmentAware;
import org.springframework.context.ResourceLoaderAware;
import org.springframework.context.annotation.ClassPathScanningCandidateComponentProvider;
import org.springframework.context.annotation.ImportBeanDefinitionRegistrar;
import org.springframework.core.annotation.AnnotationAttributes;
import org.springframework.core.env.Environment;
import org.springframework.core.io.ResourceLoader;
import org.springframework.core.type.AnnotationMetadata;
import org.springframework.core.type.filter.AnnotationTypeFilter;
import org.springframework.util.ClassUtils;

import java.util.LinkedHashSet;
import java.util.Set;

/**
 * Registers the proxy beans of {@link ImportTeleportExchanges}: one {@link TeleportExchangeFactoryBean}
 * per interface, named after the interface's full name, typed as the interface so that it is
 * injected by type without being made early. An interface imported twice gets one bean, bound to
 * the remote of its first import.
 */
public final class TeleportExchangesRegistrar implements ImportBeanDefinitionRegistrar, EnvironmentAware,
        ResourceLoaderAware {

    private Environment environment;
    private ResourceLoader resources;

    /** Made by Spring for each {@link ImportTeleportExchanges}. */
    public TeleportExchangesRegistrar() {
    }

    @Override
    public void setEnvironment(Environment environment) {
        this.environment = environment;
    }

    @Override
    public void setResourceLoader(ResourceLoader resourceLoader) {
        this.resources = resourceLoader;
    }

    @Override
    public void registerBeanDefinitions(AnnotationMetadata metadata, BeanDefinitionRegistry registry) {
        for (AnnotationAttributes imports : metadata.getMergedRepeatableAnnotationAttributes(
                ImportTeleportExchanges.class, ImportTeleportExchanges.Container.class, false)) {
            String remote = imports.getString("remote");
            boolean primary = imports.getBoolean("primary");
            for (Class<?> type : interfaces(metadata, imports)) {
                register(type, remote, primary, registry);
            }
        }
    }

    private Set<Class<?>> interfaces(AnnotationMetadata metadata, AnnotationAttributes imports) {
        Set<Class<?>> types = new LinkedHashSet<>();
        for (Class<?> type : imports.getClassArray("value")) {
            if (!ExchangeRoutes.isExchange(type)) {
                throw new IllegalStateException("@ImportTeleportExchanges on " + metadata.getClassName() + ": "
                        + type.getName() + " is not an interface annotated with @TeleportExchange");
            }
            types.add(type);
        }
        Set<String> packages = new LinkedHashSet<>(Set.of(imports.getStringArray("basePackages")));
        for (Class<?> type : imports.getClassArray("basePackageClasses")) {
            packages.add(type.getPackageName());
        }
        ClassPathScanningCandidateComponentProvider scanner = new ClassPathScanningCandidateComponentProvider(false,
                environment) {
            @Override
            protected boolean isCandidateComponent(AnnotatedBeanDefinition definition) {
                return definition.getMetadata().isInterface() && definition.getMetadata().isIndependent();
            }
        };
        scanner.setResourceLoader(resources);
        scanner.addIncludeFilter(new AnnotationTypeFilter(TeleportExchange.class, false, true));
        for (String pkg : packages) {
            for (BeanDefinition found : scanner.findCandidateComponents(pkg)) {
                types.add(ClassUtils.resolveClassName(found.getBeanClassName(), resources.getClassLoader()));
            }
        }
        return types;
    }

    private static void register(Class<?> type, String remote, boolean primary, BeanDefinitionRegistry registry) {
        String name = type.getName();
        if (registry.containsBeanDefinition(name)) {
            return;
        }
        RootBeanDefinition definition = new RootBeanDefinition(TeleportExchangeFactoryBean.class);
        definition.getConstructorArgumentValues().addIndexedArgumentValue(0, type);
        definition.getConstructorArgumentValues().addIndexedArgumentValue(1, remote);
        definition.setAttribute(FactoryBean.OBJECT_TYPE_ATTRIBUTE, type);
        // An application that also serves the interface (a controller implementing it) has two beans of
        // its type: code that injects the interface means the remote, as with Spring Cloud OpenFeign's
        // clients; the controller is still injected by its class.
        definition.setPrimary(primary);
        registry.registerBeanDefinition(name, definition);
    }
}
