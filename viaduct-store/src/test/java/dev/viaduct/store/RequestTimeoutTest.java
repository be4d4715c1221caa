package dev.viaduct.store;

import static org.assertj.core.api.Assertions.assertThat;

import dev.viaduct.testsupport.Poll;
import java.time.Duration;
import org.junit.jupiter.api.Test;

class RequestTimeoutTest {
    static final Duration TEN_S = Duration.ofSeconds(10);

    @Test
    void outsideAScopeTheStoresOwnTimeoutApplies() {
        assertThat(RequestTimeout.timeout(TEN_S)).isEqualTo(TEN_S);
    }

    @Test
    void aScopeShortensTheTimeoutAndANestedScopeCannotLengthenIt() {
        assertThat(RequestTimeout.within(Duration.ofSeconds(2), () ->
                RequestTimeout.within(Duration.ofMinutes(5), () -> RequestTimeout.timeout(TEN_S)))).isEqualTo(Duration.ofSeconds(2));
        assertThat(RequestTimeout.within(Duration.ofSeconds(2), () ->
                RequestTimeout.within(Duration.ofMillis(300), () -> RequestTimeout.timeout(TEN_S)))).isEqualTo(Duration.ofMillis(300));
    }

    @Test
    void aShortStoreTimeoutStaysWhenTheScopeIsLonger() {
        assertThat(RequestTimeout.within(Duration.ofMinutes(1), () -> RequestTimeout.timeout(Duration.ofSeconds(3))))
                .isEqualTo(Duration.ofSeconds(3));
    }

    @Test
    void everyRequestOfAScopeGetsTheWholeTimeoutHoweverLongTheScopeRuns() throws Exception {
        long start = System.nanoTime();
        Duration later = RequestTimeout.within(Duration.ofMillis(50), () -> {
            // the scope outlives its per-request timeout: a request made now still gets all of it
            Poll.until("the scope has run longer than its timeout", Duration.ofSeconds(5),
                    () -> System.nanoTime() - start > Duration.ofMillis(60).toNanos());
            return RequestTimeout.timeout(TEN_S);
        });
        assertThat(later).isEqualTo(Duration.ofMillis(50));
    }
}
