package dev.gatehouse.plugins.ratelimit;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import org.junit.jupiter.api.Test;

/** The counting algorithms, with time given explicitly. */
class LocalLimiterTest {

    @Test
    void fixedWindowsAllowExactlyTheLimitPerWindow() {
        LocalLimiter l = new LocalLimiter(RateLimitingPlugin.Algorithm.FIXED_WINDOW, 3, Duration.ofSeconds(10), 0);
        long t = 1_000_000;
        for (int i = 0; i < 3; i++) {
            assertThat(l.take("k", t + i).allowed()).isTrue();
        }
        LocalLimiter.Decision refused = l.take("k", t + 5);
        assertThat(refused.allowed()).isFalse();
        assertThat(refused.retryAfterMillis()).isEqualTo(10_000 - 5);
        assertThat(l.take("other", t).allowed()).isTrue();
        assertThat(l.take("k", t + 10_000).allowed()).isTrue();
    }

    @Test
    void slidingWindowsWeighThePreviousWindow() {
        LocalLimiter l = new LocalLimiter(RateLimitingPlugin.Algorithm.SLIDING_WINDOW, 10, Duration.ofSeconds(10), 0);
        long start = 2_000_000;
        for (int i = 0; i < 10; i++) {
            assertThat(l.take("k", start + i).allowed()).isTrue();
        }
        assertThat(l.take("k", start + 100).allowed()).isFalse();
        // a quarter into the next window, 75% of the previous 10 still count: 2 more fit, not 3
        long quarter = start + 10_000 + 2_500;
        assertThat(l.take("k", quarter).allowed()).isTrue();
        assertThat(l.take("k", quarter).allowed()).isTrue();
        LocalLimiter.Decision refused = l.take("k", quarter);
        assertThat(refused.allowed()).isFalse();
        assertThat(refused.retryAfterMillis()).isBetween(1L, 7_500L);
    }

    @Test
    void tokenBucketsAllowABurstThenTheRate() {
        LocalLimiter l = new LocalLimiter(RateLimitingPlugin.Algorithm.TOKEN_BUCKET, 10, Duration.ofSeconds(1), 5);
        long t = 3_000_000;
        for (int i = 0; i < 5; i++) {
            assertThat(l.take("k", t).allowed()).isTrue();
        }
        LocalLimiter.Decision refused = l.take("k", t);
        assertThat(refused.allowed()).isFalse();
        assertThat(refused.retryAfterMillis()).isEqualTo(100);
        assertThat(l.take("k", t + 100).allowed()).isTrue();
        assertThat(l.take("k", t + 100).allowed()).isFalse();
    }
}
