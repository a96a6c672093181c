package dev.gatehouse.plugins.ratelimit;

import static org.assertj.core.api.Assertions.assertThat;

import dev.gatehouse.cluster.RedisStore;
import dev.gatehouse.config.model.RedisSpec;
import dev.gatehouse.plugin.api.SharedStore;
import dev.gatehouse.testing.TestRedis;
import io.netty.channel.DefaultEventLoopGroup;
import io.netty.channel.EventLoopGroup;
import io.netty.util.concurrent.EventExecutor;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Requests of one key read in one event-loop wake-up are decided by one script call against a real redis-server,
 * each exactly as if it had been decided alone, in order.
 */
class RedisLimiterBatchTest {

    private static TestRedis redis;
    private static RedisStore store;
    private static EventLoopGroup loops;

    @BeforeAll
    static void start() throws Exception {
        redis = new TestRedis();
        store = new RedisStore(new RedisSpec(redis.url(), List.of(), Duration.ofSeconds(2)));
        loops = new DefaultEventLoopGroup(1);
    }

    @AfterAll
    static void stop() throws Exception {
        loops.shutdownGracefully(0, 1, TimeUnit.SECONDS).sync();
        store.close();
        redis.close();
    }

    /** Takes {@code n} decisions for {@code key} in one task on the loop; waits for all of them. */
    private static List<LocalLimiter.Decision[]> burst(RedisLimiter limiter, String key, int n) throws Exception {
        EventExecutor loop = loops.next();
        List<CompletableFuture<LocalLimiter.Decision[]>> taken = loop.submit(() -> {
            List<CompletableFuture<LocalLimiter.Decision[]>> out = new ArrayList<>();
            for (int i = 0; i < n; i++) {
                out.add(limiter.take(key, loop).toCompletableFuture());
            }
            return out;
        }).get(5, TimeUnit.SECONDS);
        List<LocalLimiter.Decision[]> decisions = new ArrayList<>();
        for (CompletableFuture<LocalLimiter.Decision[]> d : taken) {
            decisions.add(d.get(5, TimeUnit.SECONDS));
        }
        return decisions;
    }

    private static long evalCalls() {
        return redis.calls("evalsha") + redis.calls("eval");
    }

    private static RedisLimiter limiter(RateLimitingPlugin.Algorithm algorithm, RateLimitingPlugin.Limit... limits) {
        return new RedisLimiter(store, algorithm, "batch-" + algorithm + "-" + System.nanoTime(), List.of(limits));
    }

    @Test
    void aBurstOfOneKeyIsOneScriptCallThatAdmitsExactlyTheLimitInOrder() throws Exception {
        for (RateLimitingPlugin.Algorithm algorithm : RateLimitingPlugin.Algorithm.values()) {
            RedisLimiter limiter = limiter(algorithm, new RateLimitingPlugin.Limit(10, Duration.ofHours(1), 0, null));
            burst(limiter, "another", 1); // loads the script (a first EVALSHA is answered NOSCRIPT, then EVAL)
            long before = evalCalls();

            List<LocalLimiter.Decision[]> decisions = burst(limiter, "client", 15);

            assertThat(evalCalls() - before).as(algorithm + ": script calls").isEqualTo(1);
            for (int i = 0; i < 10; i++) {
                LocalLimiter.Decision d = decisions.get(i)[0];
                assertThat(d.allowed()).as(algorithm + " request " + i).isTrue();
                assertThat(d.remaining()).as(algorithm + " remaining after request " + i).isEqualTo(9 - i);
            }
            for (int i = 10; i < 15; i++) {
                LocalLimiter.Decision d = decisions.get(i)[0];
                assertThat(d.allowed()).as(algorithm + " request " + i).isFalse();
                assertThat(d.retryAfterMillis()).isPositive();
            }
            // the counters in Redis hold what was admitted: the next request is refused too
            assertThat(burst(limiter, "client", 1).get(0)[0].allowed()).as(algorithm + " afterwards").isFalse();
        }
    }

    @Test
    void aHugeBurstGoesInSeveralCallsInOrder() throws Exception {
        RedisLimiter limiter = limiter(RateLimitingPlugin.Algorithm.SLIDING_WINDOW,
                new RateLimitingPlugin.Limit(180, Duration.ofHours(1), 0, null));
        burst(limiter, "another", 1);
        long before = evalCalls();

        List<LocalLimiter.Decision[]> decisions = burst(limiter, "client", 250);

        assertThat(evalCalls() - before).isEqualTo((250 + RedisLimiter.MAX_BATCH - 1) / RedisLimiter.MAX_BATCH);
        for (int i = 0; i < 250; i++) {
            assertThat(decisions.get(i)[0].allowed()).as("request " + i).isEqualTo(i < 180);
        }
    }

    @Test
    void aRequestRefusedByOneLimitUsesUpNoneOfTheOthers() throws Exception {
        RedisLimiter limiter = limiter(RateLimitingPlugin.Algorithm.FIXED_WINDOW,
                new RateLimitingPlugin.Limit(3, Duration.ofHours(1), 0, null),
                new RateLimitingPlugin.Limit(100, Duration.ofDays(1), 0, null));

        List<LocalLimiter.Decision[]> decisions = burst(limiter, "client", 5);

        assertThat(decisions).extracting(d -> d[0].allowed()).containsExactly(true, true, true, false, false);
        // the daily limit counted only the three admitted requests
        assertThat(decisions).extracting(d -> d[1].remaining()).containsExactly(99L, 98L, 97L, 97L, 97L);
    }

    @Test
    void keysOfOneBurstAreDecidedApart() throws Exception {
        RedisLimiter limiter = limiter(RateLimitingPlugin.Algorithm.SLIDING_WINDOW,
                new RateLimitingPlugin.Limit(2, Duration.ofHours(1), 0, null));
        burst(limiter, "another", 1);
        EventExecutor loop = loops.next();
        long before = evalCalls();
        List<CompletableFuture<LocalLimiter.Decision[]>> taken = loop.submit(() -> List.of(
                limiter.take("a", loop).toCompletableFuture(), limiter.take("b", loop).toCompletableFuture(),
                limiter.take("a", loop).toCompletableFuture(), limiter.take("a", loop).toCompletableFuture(),
                limiter.take("b", loop).toCompletableFuture())).get(5, TimeUnit.SECONDS);
        List<Boolean> allowed = new ArrayList<>();
        for (CompletableFuture<LocalLimiter.Decision[]> d : taken) {
            allowed.add(d.get(5, TimeUnit.SECONDS)[0].allowed());
        }

        assertThat(allowed).containsExactly(true, true, true, false, true);
        assertThat(evalCalls() - before).isEqualTo(2);
    }

    @Test
    void everyRequestOfABatchGetsAnAnswerWhenTheStoreFailsOrAnswersBadly() throws Exception {
        RateLimitingPlugin.Limit limit = new RateLimitingPlugin.Limit(10, Duration.ofHours(1), 0, null);
        SharedStore throwing = new FixedStore(null);
        SharedStore tooShort = new FixedStore(List.of(1L, 9L, 1000L, 0L, 0L)); // one answer for a batch of three

        for (SharedStore broken : List.of(throwing, tooShort)) {
            RedisLimiter limiter = new RedisLimiter(broken, RateLimitingPlugin.Algorithm.FIXED_WINDOW, "broken",
                    List.of(limit));
            EventExecutor loop = loops.next();
            List<CompletableFuture<LocalLimiter.Decision[]>> taken = loop.submit(() -> List.of(
                    limiter.take("k", loop).toCompletableFuture(), limiter.take("k", loop).toCompletableFuture(),
                    limiter.take("k", loop).toCompletableFuture())).get(5, TimeUnit.SECONDS);
            CompletableFuture.allOf(taken.toArray(CompletableFuture[]::new)).handle((v, e) -> null)
                    .get(5, TimeUnit.SECONDS);
            if (broken == throwing) {
                assertThat(taken).allMatch(CompletableFuture::isCompletedExceptionally);
            } else {
                assertThat(taken.get(0).get()[0].remaining()).isEqualTo(9);
                assertThat(taken.subList(1, 3)).allMatch(CompletableFuture::isCompletedExceptionally);
            }
        }
    }

    /** A store that throws when called ({@code reply} null) or always answers {@code reply}. */
    private record FixedStore(List<Long> reply) implements SharedStore {
        @Override
        public CompletionStage<List<Long>> evalIntegers(String script, List<String> keys, List<String> args) {
            if (reply == null) {
                throw new IllegalStateException("the store refused the command");
            }
            return CompletableFuture.completedFuture(reply);
        }

        @Override
        public CompletionStage<byte[]> get(String key) {
            throw new UnsupportedOperationException();
        }

        @Override
        public CompletionStage<Void> set(String key, byte[] value, Duration ttl) {
            throw new UnsupportedOperationException();
        }

        @Override
        public CompletionStage<Long> delete(List<String> keys) {
            throw new UnsupportedOperationException();
        }

        @Override
        public CompletionStage<List<String>> keys(String prefix, int limit) {
            throw new UnsupportedOperationException();
        }
    }

    @Test
    void offTheLoopEachRequestIsDecidedAlone() throws Exception {
        RedisLimiter limiter = limiter(RateLimitingPlugin.Algorithm.TOKEN_BUCKET,
                new RateLimitingPlugin.Limit(1, Duration.ofHours(1), 2, null));

        LocalLimiter.Decision first = limiter.take("k", loops.next()).toCompletableFuture().get(5, TimeUnit.SECONDS)[0];
        LocalLimiter.Decision second = limiter.take("k", loops.next()).toCompletableFuture().get(5, TimeUnit.SECONDS)[0];
        LocalLimiter.Decision third = limiter.take("k", loops.next()).toCompletableFuture().get(5, TimeUnit.SECONDS)[0];

        assertThat(first.allowed()).isTrue();
        assertThat(first.remaining()).isEqualTo(1);
        assertThat(second.allowed()).isTrue();
        assertThat(second.remaining()).isZero();
        assertThat(third.allowed()).isFalse();
    }
}
