package io.teleport.internal.log;

import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.slf4j.LoggerFactory;

import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

class RefusalLogTest {

    private final Logger logger = (Logger) LoggerFactory.getLogger("refusal-log-test");
    private final ListAppender<ILoggingEvent> lines = new ListAppender<>();

    @BeforeEach
    void capture() {
        lines.start();
        logger.addAppender(lines);
    }

    @AfterEach
    void release() {
        logger.detachAppender(lines);
    }

    private List<String> written() {
        // Under the appender's lock, which its appends hold: the scheduled line is written from another thread.
        synchronized (lines) {
            return lines.list.stream().map(ILoggingEvent::getFormattedMessage).toList();
        }
    }

    /** Wide enough that a busy machine's pause does not split the burst below across two intervals. */
    private static final long INTERVAL = TimeUnit.SECONDS.toNanos(1);

    @Test
    void theFirstIsWrittenAtOnceAndTheRestOfABurstOnceTheIntervalEndsWithNothingMoreComing() throws Exception {
        RefusalLog refusals = new RefusalLog(logger, "things refused", INTERVAL);
        for (int i = 1; i <= 5; i++) {
            refusals.record("thing " + i);
        }
        assertThat(written()).singleElement().asString().startsWith("things refused: 1 since the last report")
                .endsWith("latest: thing 1)");

        await().atMost(Duration.ofSeconds(5)).until(() -> written().size() == 2);
        assertThat(written().get(1)).startsWith("things refused: 4 since the last report").endsWith("latest: thing 5)");
        Thread.sleep(1500);
        assertThat(written()).as("nothing more counted, nothing more written").hasSize(2);

        refusals.record("thing 6");
        assertThat(written()).as("a new burst after a quiet interval is written at once").hasSize(3);
        assertThat(written().get(2)).startsWith("things refused: 1 since");
    }

    @Test
    void closingWritesWhatIsStillCountedAndNothingAfter() throws Exception {
        RefusalLog refusals = new RefusalLog(logger, "things refused", INTERVAL);
        for (int i = 1; i <= 3; i++) {
            refusals.record("thing " + i);
        }
        refusals.close();
        assertThat(written()).hasSize(2);
        assertThat(written().get(1)).startsWith("things refused: 2 since the last report").endsWith("latest: thing 3)");
        Thread.sleep(1500);
        assertThat(written()).as("the scheduled line writes nothing once closed").hasSize(2);
    }

    @Test
    void aPeersLogsAreAllClosedWithItAndOneOpenedAfterIsClosedAtOnce() {
        RefusalLogs logs = new RefusalLogs();
        RefusalLog first = logs.open(logger, "first refused");
        RefusalLog second = logs.open(logger, "second refused");
        for (int i = 1; i <= 2; i++) {
            first.record("a" + i);
            second.record("b" + i);
        }
        assertThat(written()).hasSize(2);
        logs.close();
        assertThat(written()).as("each log's counted burst, at close").hasSize(4)
                .anySatisfy(line -> assertThat(line).startsWith("first refused: 1 since").endsWith("latest: a2)"))
                .anySatisfy(line -> assertThat(line).startsWith("second refused: 1 since").endsWith("latest: b2)"));

        RefusalLog late = logs.open(logger, "late refused");
        late.record("c1");
        late.record("c2");
        assertThat(written()).as("a log opened after the peer closed counts nothing into a later line")
                .hasSize(5);
    }
}
