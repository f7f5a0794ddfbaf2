package io.teleport.spring.client;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * What a remote wrote (an auth refusal's detail) reaches the dial failure's WARN as one line of at
 * most {@link RemoteConnection#MAX_REMOTE_TEXT} characters: it can neither forge log lines nor fill them.
 */
class RemoteTextTest {

    @Test
    void aRemotesTextIsOneBoundedLine() {
        String forged = "y".repeat(3000) + "\n2099-01-01 ERROR FORGED BY REMOTE";
        String logged = RemoteConnection.remoteText(forged);
        assertThat(logged).doesNotContain("\n").startsWith("yyy").endsWith("...(" + forged.length() + " chars)");
        assertThat(logged.length()).isLessThan(RemoteConnection.MAX_REMOTE_TEXT + 32);
        assertThat(RemoteConnection.remoteText("dial tcp: refused\r\nforged")).isEqualTo("dial tcp: refused??forged");
        assertThat(RemoteConnection.remoteText(null)).isEqualTo("null");
    }
}
