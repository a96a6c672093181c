package dev.gatehouse.testing;

import static org.assertj.core.api.Assertions.assertThat;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.PooledByteBufAllocator;
import io.netty.util.ResourceLeakDetector;
import org.junit.jupiter.api.Test;

/** Proves the leak check can fail: a buffer dropped without release is reported and collected. */
class LeakCheckSelfTest {

    @Test
    void aLeakedBufferIsReported() throws Exception {
        assertThat(ResourceLeakDetector.getLevel()).isEqualTo(ResourceLeakDetector.Level.PARANOID);
        leak();
        java.util.List<String> reports = java.util.List.of();
        for (int round = 0; round < 20 && reports.isEmpty(); round++) {
            System.gc();
            Thread.sleep(50);
            for (int i = 0; i < 64; i++) {
                PooledByteBufAllocator.DEFAULT.directBuffer(16).release();
            }
            reports = LeakReportCollector.drain();
        }
        // drained here, so the class-level check after this test passes
        assertThat(reports).isNotEmpty();
        assertThat(reports.get(0)).contains("LEAK");
    }

    private static void leak() {
        ByteBuf lost = PooledByteBufAllocator.DEFAULT.directBuffer(64);
        lost.writeInt(42);
    }
}
