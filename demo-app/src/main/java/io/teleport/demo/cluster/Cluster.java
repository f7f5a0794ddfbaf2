package io.teleport.demo.cluster;

import io.teleport.spring.annotation.PullController;
import org.springframework.beans.factory.annotation.Value;
import org.springframework.context.annotation.Profile;

/** One server instance of the cluster demo: {@code /cluster/whoami} answers its name. */
@PullController
@Profile("cluster-server")
public class Cluster {

    private final String name;

    Cluster(@Value("${demo.instance}") String name) {
        this.name = name;
    }

    /** The instance's name. */
    public String whoami() {
        return name;
    }
}
