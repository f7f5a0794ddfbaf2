package io.teleport.architecture;

import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * No class file of core grows past what one reader can hold: a class that needs more is doing more
 * than one job (issue #11 split the ones that were). The bound has a little room over 400 lines so
 * that a Javadoc paragraph does not force a split.
 */
class SourceSizeTest {

    private static final int MAX_LINES = 420;

    @Test
    void noSourceFileOfCoreIsOverTheBound() throws IOException {
        Path main = Path.of("src", "main", "java");
        assertThat(main).as("run from the teleport-core module directory").isDirectory();
        List<String> tooLong;
        try (Stream<Path> files = Files.walk(main)) {
            tooLong = files.filter(f -> f.toString().endsWith(".java")).filter(f -> lines(f) > MAX_LINES)
                    .map(f -> main.relativize(f) + " (" + lines(f) + " lines)").toList();
        }
        assertThat(tooLong).as("source files over %d lines", MAX_LINES).isEmpty();
    }

    private static long lines(Path file) {
        try (Stream<String> lines = Files.lines(file)) {
            return lines.count();
        } catch (IOException e) {
            throw new IllegalStateException(file.toString(), e);
        }
    }
}
