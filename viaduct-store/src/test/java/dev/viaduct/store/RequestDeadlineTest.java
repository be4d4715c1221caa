package dev.viaduct.store;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import org.junit.jupiter.api.Test;

class RequestDeadlineTest {
    static final Duration TEN_S = Duration.ofSeconds(10);

    @Test
    void outsideAScopeTheStoresOwnTimeoutApplies() {
        assertThat(RequestDeadline.timeout(TEN_S)).isEqualTo(TEN_S);
    }

    @Test
    void aScopeShortensTheTimeoutAndANestedScopeCannotLengthenIt() {
        Duration inner = RequestDeadline.within(Duration.ofSeconds(2), () ->
                RequestDeadline.within(Duration.ofMinutes(5), () -> RequestDeadline.timeout(TEN_S)));
        assertThat(inner).isLessThanOrEqualTo(Duration.ofSeconds(2)).isPositive();
        Duration nestedShorter = RequestDeadline.within(Duration.ofSeconds(2), () ->
                RequestDeadline.within(Duration.ofMillis(300), () -> RequestDeadline.timeout(TEN_S)));
        assertThat(nestedShorter).isLessThanOrEqualTo(Duration.ofMillis(300));
    }

    @Test
    void aShortStoreTimeoutStaysWhenTheScopeIsLonger() {
        Duration t = RequestDeadline.within(Duration.ofMinutes(1), () -> RequestDeadline.timeout(Duration.ofSeconds(3)));
        assertThat(t).isEqualTo(Duration.ofSeconds(3));
    }

    @Test
    void anExpiredScopeStillGivesARequestAMomentToFail() {
        Duration t = RequestDeadline.within(Duration.ZERO, () -> RequestDeadline.timeout(TEN_S));
        assertThat(t).isEqualTo(Duration.ofMillis(1));
    }
}
