package io.teleport.benchmark;

import java.util.HashMap;
import java.util.Map;

/** {@code --name value} and {@code --flag} command-line options. */
public final class Options {

    private final Map<String, String> values = new HashMap<>();

    Options(String[] args, int from) {
        for (int i = from; i < args.length; i++) {
            String a = args[i];
            if (!a.startsWith("-")) {
                throw new IllegalArgumentException("unexpected argument: " + a);
            }
            String name = a.replaceFirst("^--?", "");
            if (i + 1 < args.length && !args[i + 1].startsWith("--")) {
                values.put(name, args[++i]);
            } else {
                values.put(name, "true");
            }
        }
    }

    public String string(String name, String fallback) {
        return values.getOrDefault(name, fallback);
    }

    public int integer(String name, int fallback) {
        return values.containsKey(name) ? Integer.parseInt(values.get(name)) : fallback;
    }

    long number(String name, long fallback) {
        return values.containsKey(name) ? Long.parseLong(values.get(name)) : fallback;
    }

    /** A number that may have a fraction, such as {@code --minutes 0.5}. */
    public double decimal(String name, double fallback) {
        return values.containsKey(name) ? Double.parseDouble(values.get(name)) : fallback;
    }

    /** Whether the option was given at all. */
    public boolean has(String name) {
        return values.containsKey(name);
    }

    public int required(String name) {
        if (!values.containsKey(name)) {
            throw new IllegalArgumentException("missing --" + name);
        }
        return Integer.parseInt(values.get(name));
    }

    /**
     * The wire protocol of {@code --protocol}: teleport-v3 (the default), erpc-v6, or, for servers, auto.
     */
    public io.teleport.proto.Proto protocol() {
        String name = string("protocol", "teleport-v3");
        return switch (name) {
            case "teleport-v3" -> io.teleport.proto.FastProto.INSTANCE;
            case "erpc-v6" -> io.teleport.proto.ErpcRawProto.INSTANCE;
            case "auto" -> io.teleport.proto.AutoProto.INSTANCE;
            default -> throw new IllegalArgumentException("--protocol " + name + " (expected: teleport-v3, erpc-v6, auto)");
        };
    }

    public boolean flag(String name) {
        return Boolean.parseBoolean(values.getOrDefault(name, "false"));
    }
}
