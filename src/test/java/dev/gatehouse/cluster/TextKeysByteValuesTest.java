package dev.gatehouse.cluster;

import static org.assertj.core.api.Assertions.assertThat;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import org.junit.jupiter.api.Test;

/** Lettuce writes an argument's length from the codec's estimate, so the estimate must be the written length. */
class TextKeysByteValuesTest {

    @Test
    void theEstimateIsTheLengthWrittenForAnyKey() {
        TextKeysByteValues codec = TextKeysByteValues.INSTANCE;
        assertThat(codec.isEstimateExact()).isTrue();
        for (String key : new String[] {"", "gatehouse:rl:{ab12:10.0.0.1}:60000:0", "clé-€", "emoji-\uD83D\uDE00",
                "lone-\uD800-surrogate"}) {
            ByteBuf out = Unpooled.buffer();
            codec.encodeKey(key, out);
            assertThat(codec.estimateSize(key)).as(key).isEqualTo(out.readableBytes());
            out.release();
        }
        ByteBuf out = Unpooled.buffer();
        codec.encodeValue(new byte[] {0, (byte) 0xff, 10}, out);
        assertThat(codec.estimateSize(new byte[] {0, (byte) 0xff, 10})).isEqualTo(out.readableBytes());
        out.release();
    }
}
