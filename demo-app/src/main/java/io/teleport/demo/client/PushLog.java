package io.teleport.demo.client;

import org.springframework.context.annotation.Profile;
import org.springframework.stereotype.Component;

import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

/** The pushes the client received: URI and body of each, in order. */
@Component
@Profile("client")
public class PushLog {

    private final List<String> received = new CopyOnWriteArrayList<>();

    void add(String push) {
        received.add(push);
    }

    /** What was received so far. */
    public List<String> received() {
        return List.copyOf(received);
    }
}
