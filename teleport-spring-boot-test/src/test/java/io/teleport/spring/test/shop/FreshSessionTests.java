package io.teleport.spring.test.shop;

import io.teleport.spring.test.TeleportTest;
import io.teleport.spring.test.TeleportTestClient;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.springframework.beans.factory.annotation.Autowired;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Each test method starts with a session of its own, though the context (and the client) is cached:
 * what one test did to its session is not there in the next.
 */
@TeleportTest(controllers = Orders.class)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class FreshSessionTests {

    @Autowired
    TeleportTestClient client;

    static String firstSessionId;

    @Test
    @Order(1)
    void aTestMarksItsSession() {
        client.serverSession().attributes().put("player", "alice");
        firstSessionId = client.serverSession().id();
        assertThat(client.serverSession().attributes()).containsEntry("player", "alice");
    }

    @Test
    @Order(2)
    void theNextStartsWithAFreshOne() {
        assertThat(client.serverSession().attributes()).doesNotContainKey("player");
        assertThat(client.serverSession().id()).isNotEqualTo(firstSessionId);
        assertThat(client.pushes()).isEmpty();
    }
}
