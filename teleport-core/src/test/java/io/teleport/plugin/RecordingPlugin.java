package io.teleport.plugin;

import io.teleport.config.PeerConfig;
import io.teleport.message.Rerror;
import io.teleport.plugin.setup.PeerSetup;
import io.teleport.plugin.setup.PostNewPeer;
import io.teleport.plugin.setup.PreNewPeer;
import io.teleport.session.Session;

import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;

/** Implements every hook: records each call as {@code name:Hook}, and fails the hooks it is told to. */
class RecordingPlugin implements PreNewPeer, PostNewPeer, PostReg, PostDial, PostAccept, PreWritePull, PostWritePull,
        PreWriteReply, PostWriteReply, PreWritePush, PostWritePush, PreReadHeader, PostReadPullHeader, PreReadPullBody,
        PostReadPullBody, PostReadPushHeader, PreReadPushBody, PostReadPushBody, PostReadReplyHeader, PreReadReplyBody,
        PostReadReplyBody, PostDisconnect {

    final String name;
    final List<String> calls;
    final Map<String, Rerror> failures = new ConcurrentHashMap<>();

    RecordingPlugin(String name, List<String> calls) {
        this.name = name;
        this.calls = calls;
    }

    RecordingPlugin(String name) {
        this(name, new CopyOnWriteArrayList<>());
    }

    RecordingPlugin failing(String hook, Rerror rerror) {
        failures.put(hook, rerror);
        return this;
    }

    @Override
    public String name() {
        return name;
    }

    private Rerror record(String hook, String detail) {
        calls.add(name + ":" + hook + (detail == null ? "" : " " + detail));
        return failures.get(hook);
    }

    /** Only the calls whose detail mentions {@code marker}, without it. */
    List<String> callsAbout(String marker) {
        return calls.stream().filter(c -> c.endsWith(" " + marker) && !c.contains(":PostReg ")).map(c -> c.substring(0, c.length() - marker.length() - 1))
                .toList();
    }

    @Override
    public void preNewPeer(PeerConfig.Builder config) {
        record("PreNewPeer", null);
    }

    @Override
    public void postNewPeer(PeerSetup peer) {
        record("PostNewPeer", null);
    }

    @Override
    public void postReg(RouteInfo route) {
        record("PostReg", route.path());
    }

    @Override
    public Rerror postDial(Session session) {
        return record("PostDial", null);
    }

    @Override
    public Rerror postAccept(Session session) {
        return record("PostAccept", null);
    }

    @Override
    public Rerror preWritePull(WriteContext ctx) {
        return record("PreWritePull", ctx.output().uri());
    }

    @Override
    public Rerror postWritePull(WriteContext ctx) {
        return record("PostWritePull", ctx.output().uri());
    }

    @Override
    public Rerror preWriteReply(WriteContext ctx) {
        return record("PreWriteReply", ctx.input().uri());
    }

    @Override
    public Rerror postWriteReply(WriteContext ctx) {
        return record("PostWriteReply", ctx.input().uri());
    }

    @Override
    public Rerror preWritePush(WriteContext ctx) {
        return record("PreWritePush", ctx.output().uri());
    }

    @Override
    public Rerror postWritePush(WriteContext ctx) {
        return record("PostWritePush", ctx.output().uri());
    }

    @Override
    public Rerror preReadHeader(Session session) {
        return record("PreReadHeader", null);
    }

    @Override
    public Rerror postReadPullHeader(ReadContext ctx) {
        return record("PostReadPullHeader", ctx.input().uri());
    }

    @Override
    public Rerror preReadPullBody(ReadContext ctx) {
        return record("PreReadPullBody", ctx.input().uri());
    }

    @Override
    public Rerror postReadPullBody(ReadContext ctx) {
        return record("PostReadPullBody", ctx.input().uri());
    }

    @Override
    public Rerror postReadPushHeader(ReadContext ctx) {
        return record("PostReadPushHeader", ctx.input().uri());
    }

    @Override
    public Rerror preReadPushBody(ReadContext ctx) {
        return record("PreReadPushBody", ctx.input().uri());
    }

    @Override
    public Rerror postReadPushBody(ReadContext ctx) {
        return record("PostReadPushBody", ctx.input().uri());
    }

    @Override
    public Rerror postReadReplyHeader(ReadContext ctx) {
        return record("PostReadReplyHeader", ctx.output().uri());
    }

    @Override
    public Rerror preReadReplyBody(ReadContext ctx) {
        return record("PreReadReplyBody", ctx.output().uri());
    }

    @Override
    public Rerror postReadReplyBody(ReadContext ctx) {
        return record("PostReadReplyBody", ctx.output().uri());
    }

    @Override
    public void postDisconnect(Session session) {
        record("PostDisconnect", null);
    }
}
