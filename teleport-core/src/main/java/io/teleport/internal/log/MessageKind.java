package io.teleport.internal.log;

/** The four message log entries, each with the direction of its first packet as Go labels it. */
enum MessageKind {
    PULL_LAUNCH("pull-launch", true),
    PULL_HANDLE("pull-handle", false),
    PUSH_LAUNCH("push-launch", true),
    PUSH_HANDLE("push-handle", false);

    /** The name in the log: {@code pull-launch}. */
    final String text;
    /** Whether this side sent the first packet (the pull or push) rather than received it. */
    final boolean sentFirst;

    MessageKind(String text, boolean sentFirst) {
        this.text = text;
        this.sentFirst = sentFirst;
    }
}
