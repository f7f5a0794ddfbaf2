package io.teleport.internal.log;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

/** Which throwables are logged as they are, and what the copy of another keeps. */
class LoggedThrowableTest {

    @Test
    void aThrowableWithPrintableShortMessagesIsLoggedAsItIs() {
        IllegalStateException clean = new IllegalStateException("no stock", new RuntimeException((String) null));
        assertThat(LoggedThrowable.of(clean)).isSameAs(clean);
    }

    @Test
    void aCopyEscapesAndCutsEveryMessageAndKeepsClassesStacksAndSuppressed() {
        IllegalArgumentException cause = new IllegalArgumentException("line\nbreak");
        IllegalStateException top = new IllegalStateException("m".repeat(5_000), cause);
        top.addSuppressed(new RuntimeException("\u2028"));
        Throwable copy = LoggedThrowable.of(top);
        assertThat(copy).isNotSameAs(top);
        assertThat(copy.getMessage()).startsWith("java.lang.IllegalStateException: mmm").endsWith("(904 more chars)");
        assertThat(copy.getStackTrace()).isEqualTo(top.getStackTrace());
        assertThat(copy.getCause().getMessage()).isEqualTo("java.lang.IllegalArgumentException: line\\nbreak");
        assertThat(copy.getSuppressed()).singleElement().extracting(Throwable::getMessage)
                .isEqualTo("java.lang.RuntimeException: \\u2028");
    }

    @Test
    void aChainDeeperThanIsLookedAtIsCopiedAndCut() {
        Throwable t = new RuntimeException("line\nbreak");
        for (int i = 0; i < 20; i++) {
            t = new RuntimeException("level " + i, t);
        }
        Throwable copy = LoggedThrowable.of(t);
        assertThat(copy).isNotSameAs(t);
        for (Throwable c = copy; c != null; c = c.getCause()) {
            assertThat(c.getMessage()).doesNotContain("\n");
        }
        assertThat(depth(copy)).isLessThanOrEqualTo(16);
    }

    @Test
    void aThrowableReachedTwiceIsCopiedOnce() {
        RuntimeException shared = new RuntimeException("x\n");
        RuntimeException top = new RuntimeException("top", shared);
        top.addSuppressed(shared);
        Throwable copy = LoggedThrowable.of(top);
        assertThat(copy.getSuppressed()).singleElement().isSameAs(copy.getCause());
    }

    @Test
    void aCauseChainThatLoopsEnds() {
        RuntimeException a = new RuntimeException("a\n");
        RuntimeException b = new RuntimeException("b", a);
        a.initCause(b);
        assertThat(depth(LoggedThrowable.of(a))).isLessThanOrEqualTo(16);
    }

    private static int depth(Throwable t) {
        int depth = 0;
        for (Throwable c = t; c != null; c = c.getCause()) {
            depth++;
        }
        return depth;
    }
}
