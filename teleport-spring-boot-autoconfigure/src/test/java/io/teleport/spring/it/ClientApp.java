package io.teleport.spring.it;

import io.teleport.router.PullContext;
import io.teleport.router.PushContext;
import io.teleport.spring.annotation.PullController;
import io.teleport.spring.annotation.PushController;
import org.springframework.boot.SpringBootConfiguration;
import org.springframework.boot.autoconfigure.EnableAutoConfiguration;
import org.springframework.context.annotation.Import;

import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;

/** The dialing application of the end-to-end test. */
@SpringBootConfiguration
@EnableAutoConfiguration
@Import({ClientApp.Push.class, ClientApp.ClientInfo.class})
public class ClientApp {

    static final List<String> PUSHES = new CopyOnWriteArrayList<>();

    /** The seed's push controller: {@code /push/test}. */
    @PushController
    public static class Push {
        /** Records each push. */
        public void test(Map<String, Object> args, PushContext ctx) {
            PUSHES.add(ctx.queryValue("tag") + " " + args.get("your_id"));
        }
    }

    /** What the server pulls from the client: {@code /client_info/name}. */
    @PullController
    public static class ClientInfo {
        /** Answers the server. */
        public String name(String question, PullContext ctx) {
            return "client answers " + question;
        }
    }
}
