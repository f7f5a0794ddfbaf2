package io.teleport.internal.session;

import io.teleport.message.Rerror;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

/** How a reply's error is cut to what a receiver's metadata bound takes ({@code SendBoundsTest} over sockets). */
class ReplyErrorFitTest {

    @Test
    void errorTextsAreCutOnlyPastWhatTheMetadataBoundTakes() {
        Rerror small = new Rerror(1400, "bad input", "detail");
        assertThat(PullReply.fitted(small, 65_536)).isSameAs(small);
        Rerror big = new Rerror(1400, "m".repeat(10_000), "d".repeat(10_000));
        Rerror cut = PullReply.fitted(big, 65_536);
        assertThat(cut.code()).isEqualTo(1400);
        assertThat(cut.message().length() + cut.detail().length()).isLessThan(5_500);
        assertThat(cut.message()).endsWith("chars cut)");
        assertThat(cut.detail()).endsWith("chars cut)");
        // A surrogate pair is never split.
        String emoji = "\uD83D\uDE00".repeat(5_000);
        Rerror pairs = PullReply.fitted(new Rerror(1, emoji, ""), 65_536);
        String kept = pairs.message().substring(0, pairs.message().indexOf("..."));
        assertThat(Character.isHighSurrogate(kept.charAt(kept.length() - 1))).isFalse();
    }
}
