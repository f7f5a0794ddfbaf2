package io.teleport.spring.autoconfigure;

import org.springframework.boot.context.event.ApplicationFailedEvent;
import org.springframework.context.ApplicationListener;
import org.springframework.context.ConfigurableApplicationContext;

/**
 * Names misspelt {@code teleport.*} keys when the application fails to start, before its failure is
 * reported: the warning of a running application comes after every singleton is made, and an error
 * thrown before that (a remote whose address is empty because its key was written {@code adress}) named
 * the value it got and not the key that was meant (new-user trial 13). A failure after that point
 * (a listen port in use) names them twice.
 */
final class UnknownKeysOnFailedStart implements ApplicationListener<ApplicationFailedEvent> {

    @Override
    public void onApplicationEvent(ApplicationFailedEvent event) {
        ConfigurableApplicationContext context = event.getApplicationContext();
        if (context != null) {
            // Security keys too: one misspelt may be the failure, and must not hide the others.
            TeleportAutoConfiguration.warnOfAllUnknownKeys(context.getEnvironment());
        }
    }
}
