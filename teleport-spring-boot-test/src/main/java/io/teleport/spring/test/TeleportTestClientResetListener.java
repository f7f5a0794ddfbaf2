package io.teleport.spring.test;

import org.springframework.context.ApplicationContext;
import org.springframework.test.context.TestContext;
import org.springframework.test.context.support.AbstractTestExecutionListener;

/**
 * Resets the context's {@link TeleportTestClient} after each test method: Spring caches the context,
 * and with it the client's session, across test methods and classes, so that what one test did to the
 * session (a login's id, attributes, the application's state for it) leaked into the next, whose
 * outcome then hung on the order the tests ran in. Each test now starts with a session of its own, as
 * each request of a {@code MockMvc} test starts without the last one's cookies.
 */
public class TeleportTestClientResetListener extends AbstractTestExecutionListener {

    /** Late in order, so early after a method (those callbacks run in reverse): before a dirtied context closes. */
    @Override
    public int getOrder() {
        return 10_000;
    }

    @Override
    public void afterTestMethod(TestContext testContext) {
        if (!testContext.hasApplicationContext()) {
            return;
        }
        ApplicationContext context = testContext.getApplicationContext();
        context.getBeanProvider(TeleportTestClient.class).ifAvailable(TeleportTestClient::reset);
    }
}
