package io.teleport.testing;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import org.junit.jupiter.api.extension.AfterEachCallback;
import org.junit.jupiter.api.extension.BeforeEachCallback;
import org.junit.jupiter.api.extension.ExtensionContext;
import org.slf4j.LoggerFactory;

import java.util.List;

/**
 * The lines a logger (and the loggers below it) wrote during each test, from {@code level} up:
 * {@code @RegisterExtension final CapturedLog log = new CapturedLog("io.teleport.message", Level.DEBUG);}.
 */
public final class CapturedLog implements BeforeEachCallback, AfterEachCallback {

    private final Logger logger;
    private final Level level;
    private final ListAppender<ILoggingEvent> appender = new ListAppender<>();
    private Level previous;

    /** Captures {@code name} from {@code level} up. */
    public CapturedLog(String name, Level level) {
        this.logger = (Logger) LoggerFactory.getLogger(name);
        this.level = level;
    }

    @Override
    public void beforeEach(ExtensionContext context) {
        previous = logger.getLevel();
        logger.setLevel(level);
        appender.list.clear();
        appender.start();
        logger.addAppender(appender);
    }

    @Override
    public void afterEach(ExtensionContext context) {
        logger.detachAppender(appender);
        logger.setLevel(previous);
    }

    /** The formatted messages so far that contain {@code text}. */
    public List<String> lines(String text) {
        return List.copyOf(appender.list).stream().map(ILoggingEvent::getFormattedMessage).filter(m -> m.contains(text))
                .toList();
    }

    /** The formatted WARN messages so far that contain {@code text}. */
    public List<String> warnings(String text) {
        return List.copyOf(appender.list).stream().filter(e -> e.getLevel() == Level.WARN)
                .map(ILoggingEvent::getFormattedMessage).filter(m -> m.contains(text)).toList();
    }
}
