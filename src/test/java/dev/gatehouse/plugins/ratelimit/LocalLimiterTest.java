package dev.gatehouse.plugins.ratelimit;

import static org.assertj.core.api.Assertions.assertThat;

import dev.gatehouse.plugins.ratelimit.RateLimitingPlugin.Algorithm;
import dev.gatehouse.plugins.ratelimit.RateLimitingPlugin.Limit;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The counting algorithms, with time given explicitly. */
class LocalLimiterTest {

    private static LocalLimiter limiter(Algorithm algorithm, Limit... limits) {
        return new LocalLimiter(algorithm, List.of(limits), LocalLimiter.table(Duration.ofHours(1)));
    }

    private static Limit limit(long requests, Duration per) {
        return new Limit(requests, per, 0, null);
    }

    @Test
    void fixedWindowsAllowExactlyTheLimitPerWindow() {
        LocalLimiter l = limiter(Algorithm.FIXED_WINDOW, limit(3, Duration.ofSeconds(10)));
        long t = 1_000_000;
        for (int i = 0; i < 3; i++) {
            assertThat(l.take("k", t + i)[0].allowed()).isTrue();
        }
        LocalLimiter.Decision refused = l.take("k", t + 5)[0];
        assertThat(refused.allowed()).isFalse();
        assertThat(refused.retryAfterMillis()).isEqualTo(10_000 - 5);
        assertThat(l.take("other", t)[0].allowed()).isTrue();
        assertThat(l.take("k", t + 10_000)[0].allowed()).isTrue();
    }

    @Test
    void slidingWindowsWeighThePreviousWindow() {
        LocalLimiter l = limiter(Algorithm.SLIDING_WINDOW, limit(10, Duration.ofSeconds(10)));
        long start = 2_000_000;
        for (int i = 0; i < 10; i++) {
            assertThat(l.take("k", start + i)[0].allowed()).isTrue();
        }
        assertThat(l.take("k", start + 100)[0].allowed()).isFalse();
        // a quarter into the next window, 75% of the previous 10 still count: 2 more fit, not 3
        long quarter = start + 10_000 + 2_500;
        assertThat(l.take("k", quarter)[0].allowed()).isTrue();
        assertThat(l.take("k", quarter)[0].allowed()).isTrue();
        LocalLimiter.Decision refused = l.take("k", quarter)[0];
        assertThat(refused.allowed()).isFalse();
        assertThat(refused.retryAfterMillis()).isBetween(1L, 7_500L);
    }

    @Test
    void tokenBucketsAllowABurstThenTheRate() {
        LocalLimiter l = limiter(Algorithm.TOKEN_BUCKET, new Limit(10, Duration.ofSeconds(1), 5, null));
        long t = 3_000_000;
        for (int i = 0; i < 5; i++) {
            LocalLimiter.Decision d = l.take("k", t)[0];
            assertThat(d.allowed()).isTrue();
            assertThat(d.delayMillis()).isZero();
        }
        LocalLimiter.Decision refused = l.take("k", t)[0];
        assertThat(refused.allowed()).isFalse();
        assertThat(refused.retryAfterMillis()).isEqualTo(100);
        assertThat(l.take("k", t + 100)[0].allowed()).isTrue();
        assertThat(l.take("k", t + 100)[0].allowed()).isFalse();
    }

    @Test
    void aQueueingBucketDelaysTheExcessOfABurstAtTheRateAndRefusesBeyondIt() {
        // 10/s, a bucket of 6: the first request and 2 more go at once, the next 3 wait 100, 200, 300 ms
        LocalLimiter l = limiter(Algorithm.TOKEN_BUCKET, new Limit(10, Duration.ofSeconds(1), 6, 2L));
        long t = 4_000_000;
        long[] delays = new long[6];
        for (int i = 0; i < 6; i++) {
            LocalLimiter.Decision d = l.take("k", t)[0];
            assertThat(d.allowed()).isTrue();
            delays[i] = d.delayMillis();
        }
        assertThat(delays).containsExactly(0, 0, 0, 100, 200, 300);
        assertThat(l.take("k", t)[0].allowed()).isFalse();
        // 100 ms later one token is back: the newcomer queues behind the others
        LocalLimiter.Decision later = l.take("k", t + 100)[0];
        assertThat(later.allowed()).isTrue();
        assertThat(later.delayMillis()).isEqualTo(300);
    }

    @Test
    void aRequestRefusedByOneLimitDoesNotCountAgainstTheOthers() {
        LocalLimiter l = limiter(Algorithm.FIXED_WINDOW, limit(2, Duration.ofSeconds(1)), limit(5, Duration.ofHours(1)));
        long t = 3_600_000 * 10;
        assertThat(l.take("k", t)[0].allowed()).isTrue();
        assertThat(l.take("k", t)[0].allowed()).isTrue();
        for (int i = 0; i < 10; i++) {
            LocalLimiter.Decision[] refused = l.take("k", t + 1);
            assertThat(refused[0].allowed()).isFalse();
            assertThat(refused[1].allowed()).isTrue();
            assertThat(refused[1].remaining()).isEqualTo(3);
        }
        LocalLimiter.Decision[] next = l.take("k", t + 1_000);
        assertThat(next[0].allowed()).isTrue();
        assertThat(next[1].remaining()).isEqualTo(2);
    }
}
