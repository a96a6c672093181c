package dev.gatehouse.cluster;

import static org.assertj.core.api.Assertions.assertThat;

import dev.gatehouse.config.model.RedisSpec;
import dev.gatehouse.testing.TestRedis;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.epoll.Epoll;
import io.netty.channel.epoll.EpollIoHandler;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;

/** The store's commands on the gateway's loops go out once per loop iteration; others at once. */
class RedisStoreFlushTest {

    @Test
    void commandsOfOneLoopIterationReachRedisInOneRead() throws Exception {
        Assumptions.assumeTrue(Epoll.isAvailable(), "Lettuce shares the gateway's loops only with epoll");
        EventLoopGroup loops = new MultiThreadIoEventLoopGroup(1, EpollIoHandler.newFactory());
        try (TestRedis redis = new TestRedis();
                RedisStore store = new RedisStore(new RedisSpec(redis.url(), List.of(), Duration.ofSeconds(2)),
                        loops)) {
            store.set("warm", new byte[] {1}, Duration.ofMinutes(1)).toCompletableFuture().get(5, TimeUnit.SECONDS);
            long before = redis.stat("total_reads_processed");
            List<CompletableFuture<Void>> writes = loops.submit(() -> {
                List<CompletableFuture<Void>> issued = new ArrayList<>();
                for (int i = 0; i < 20; i++) {
                    issued.add(store.set("k" + i, ("v" + i).getBytes(StandardCharsets.UTF_8), Duration.ofMinutes(1))
                            .toCompletableFuture());
                }
                return issued;
            }).get(5, TimeUnit.SECONDS);
            CompletableFuture.allOf(writes.toArray(CompletableFuture[]::new)).get(5, TimeUnit.SECONDS);
            long reads = redis.stat("total_reads_processed") - before;

            // one read for the twenty commands; the others are the INFO connections' (the first one's close, the
            // second one's command). Flushed one by one, the commands take a read each unless Redis lags behind.
            assertThat(reads).isLessThanOrEqualTo(3);
            assertThat(redis.get("k19")).isEqualTo("v19");
            // off the loops (here: the test's thread) a command goes out at once
            assertThat(store.get("k7").toCompletableFuture().get(5, TimeUnit.SECONDS))
                    .isEqualTo("v7".getBytes(StandardCharsets.UTF_8));
        } finally {
            loops.shutdownGracefully(0, 1, TimeUnit.SECONDS).sync();
        }
    }
}
