package io.teleport.benchmark.soak;

import io.teleport.benchmark.BenchMain;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStreamWriter;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.Consumer;

/**
 * The {@link SoakServer} child process, started from the same Java and class path as this one
 * (as the scale test starts its holders): its stdout carries the stats lines, its stderr (the
 * server's log) goes to a file, and its stdin carries the requests for stats. Closing stdin ends
 * it.
 */
final class ServerProcess {

    private final Process process;
    private final PrintWriter stdin;
    private final CountDownLatch ready = new CountDownLatch(1);
    private final Map<String, CompletableFuture<Map<String, Long>>> asked = new ConcurrentHashMap<>();
    private final Consumer<Map<String, Long>> everyLine;
    private final boolean verbose;

    private ServerProcess(Process process, Consumer<Map<String, Long>> everyLine, boolean verbose) {
        this.process = process;
        this.everyLine = everyLine;
        this.verbose = verbose;
        this.stdin = new PrintWriter(new OutputStreamWriter(process.getOutputStream(), StandardCharsets.UTF_8), true);
        Thread reader = new Thread(this::readLines, "soak-server-out");
        reader.setDaemon(true);
        reader.start();
    }

    /**
     * Starts the server: {@code -Xmx} as given and nothing else of ours, so that it runs with its
     * defaults (direct memory limit included); {@code extraJvm} for experiments only.
     */
    static ServerProcess start(String host, int port, String heap, List<String> extraJvm, Path log,
            Consumer<Map<String, Long>> everyLine, boolean verbose) throws IOException {
        String java = ProcessHandle.current().info().command().orElse("java");
        List<String> command = new ArrayList<>();
        command.add(java);
        command.add("-Xmx" + heap);
        command.addAll(extraJvm);
        command.addAll(List.of("-cp", System.getProperty("java.class.path"), BenchMain.class.getName(), "soak-server",
                "--host", host, "--port", String.valueOf(port)));
        Process p = new ProcessBuilder(command).redirectError(ProcessBuilder.Redirect.to(log.toFile())).start();
        return new ServerProcess(p, everyLine, verbose);
    }

    long pid() {
        return process.pid();
    }

    boolean awaitReady(long timeout, TimeUnit unit) throws InterruptedException {
        long deadline = System.nanoTime() + unit.toNanos(timeout);
        while (System.nanoTime() - deadline < 0) {
            if (ready.await(100, TimeUnit.MILLISECONDS)) {
                return true;
            }
            if (!process.isAlive()) {
                return false;
            }
        }
        return false;
    }

    boolean alive() {
        return process.isAlive();
    }

    /** The exit code, or -1 while it runs. */
    int exitCode() {
        return process.isAlive() ? -1 : process.exitValue();
    }

    /** The server's stats line for request {@code id}, or null when none came in time. */
    Map<String, Long> stats(String id, long timeout, TimeUnit unit) throws InterruptedException {
        CompletableFuture<Map<String, Long>> answer = new CompletableFuture<>();
        asked.put(id, answer);
        try {
            stdin.println("STATS " + id);
            return answer.get(timeout, unit);
        } catch (ExecutionException | TimeoutException e) {
            return null;
        } finally {
            asked.remove(id);
        }
    }

    /** Asks it to quit, then ends it harder the longer it takes. */
    void stop() throws InterruptedException {
        stdin.println("QUIT");
        stdin.close();
        if (process.waitFor(10, TimeUnit.SECONDS)) {
            return;
        }
        process.destroy();
        if (!process.waitFor(5, TimeUnit.SECONDS)) {
            process.destroyForcibly();
            process.waitFor(5, TimeUnit.SECONDS);
        }
    }

    /** For a shutdown hook: no waiting. */
    void kill() {
        process.destroyForcibly();
    }

    private void readLines() {
        try (BufferedReader out = new BufferedReader(
                new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8))) {
            for (String line = out.readLine(); line != null; line = out.readLine()) {
                if (verbose) {
                    System.err.println("server: " + line);
                }
                if (line.startsWith("READY")) {
                    ready.countDown();
                } else if (line.startsWith("STATS ")) {
                    String id = null;
                    Map<String, Long> values = new LinkedHashMap<>();
                    for (String pair : line.substring(6).split(" ")) {
                        int eq = pair.indexOf('=');
                        if (eq <= 0) {
                            continue;
                        }
                        String key = pair.substring(0, eq);
                        String value = pair.substring(eq + 1);
                        if (key.equals("id")) {
                            id = value;
                        } else {
                            try {
                                values.put(key, Long.parseLong(value));
                            } catch (NumberFormatException e) {
                                // A word where a number was due (an error name): leave it out.
                            }
                        }
                    }
                    Map<String, Long> stats = Collections.unmodifiableMap(values);
                    everyLine.accept(stats);
                    CompletableFuture<Map<String, Long>> waiting = id == null ? null : asked.get(id);
                    if (waiting != null) {
                        waiting.complete(stats);
                    }
                }
            }
        } catch (IOException gone) {
            // The process ended; alive() says so.
        }
    }
}
