package io.teleport.demo;

import org.springframework.boot.SpringApplication;
import org.springframework.boot.autoconfigure.SpringBootApplication;
import org.springframework.boot.context.properties.ConfigurationPropertiesScan;
import org.springframework.context.ConfigurableApplicationContext;

/**
 * The seed's complete example. {@code --spring.profiles.active=server} listens,
 * {@code --spring.profiles.active=client} dials, runs its two pulls and exits with their result;
 * without a profile both run in one JVM and the server keeps serving after the client is done.
 */
@SpringBootApplication
@ConfigurationPropertiesScan
public class DemoApplication {

    /** Entry point. */
    public static void main(String[] args) {
        ConfigurableApplicationContext context = SpringApplication.run(DemoApplication.class, args);
        boolean serving = context.getEnvironment().getProperty("teleport.server.listen-address") != null;
        if (!serving) {
            // The client role alone: its pulls ran during start-up; exit with their result.
            System.exit(SpringApplication.exit(context));
        }
    }
}
