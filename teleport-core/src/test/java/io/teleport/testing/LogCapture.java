package io.teleport.testing;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import org.junit.jupiter.api.extension.AfterEachCallback;
import org.junit.jupiter.api.extension.BeforeEachCallback;
import org.junit.jupiter.api.extension.ExtensionContext;
import org.slf4j.LoggerFactory;

import java.util.ArrayList;
import java.util.List;

/**
 * The events of one logger during each test, at a level of the test's choosing:
 * {@code @RegisterExtension final LogCapture log = LogCapture.of("io.teleport.message", Level.DEBUG);}.
 * The logger's level is put back after the test.
 */
public final class LogCapture implements BeforeEachCallback, AfterEachCallback {

    private final Logger logger;
    private final Level level;
    private final ListAppender<ILoggingEvent> appender = new ListAppender<>();
    private Level previous;

    private LogCapture(String name, Level level) {
        this.logger = (Logger) LoggerFactory.getLogger(name);
        this.level = level;
    }

    /** Captures logger {@code name}, set to {@code level} ({@code null} to keep its own) during each test. */
    public static LogCapture of(String name, Level level) {
        return new LogCapture(name, level);
    }

    @Override
    public void beforeEach(ExtensionContext context) {
        previous = logger.getLevel();
        if (level != null) {
            logger.setLevel(level);
        }
        synchronized (appender) {
            appender.list.clear();
        }
        appender.start();
        logger.addAppender(appender);
    }

    @Override
    public void afterEach(ExtensionContext context) {
        logger.detachAppender(appender);
        appender.stop();
        logger.setLevel(previous);
    }

    /** Sets the logger's level for the rest of this test. */
    public void level(Level level) {
        logger.setLevel(level);
    }

    /** A copy of the events so far. */
    public List<ILoggingEvent> events() {
        // ListAppender appends under the appender's lock.
        synchronized (appender) {
            return new ArrayList<>(appender.list);
        }
    }

    /** The events so far at {@code level}. */
    public List<ILoggingEvent> events(Level level) {
        return events().stream().filter(e -> e.getLevel() == level).toList();
    }

    /** The events so far whose message starts with {@code prefix}. */
    public List<ILoggingEvent> startingWith(String prefix) {
        return events().stream().filter(e -> e.getFormattedMessage().startsWith(prefix)).toList();
    }

    /** The formatted messages so far that contain {@code text}. */
    public List<String> lines(String text) {
        return events().stream().map(ILoggingEvent::getFormattedMessage).filter(m -> m.contains(text)).toList();
    }

    /** The formatted WARN messages so far that contain {@code text}. */
    public List<String> warnings(String text) {
        return events(Level.WARN).stream().map(ILoggingEvent::getFormattedMessage).filter(m -> m.contains(text))
                .toList();
    }
}
