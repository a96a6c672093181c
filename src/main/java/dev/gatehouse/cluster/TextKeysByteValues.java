package dev.gatehouse.cluster;

import io.lettuce.core.codec.RedisCodec;
import io.lettuce.core.codec.ToByteBufEncoder;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufUtil;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;

/**
 * Keys as UTF-8 text, values as bytes (a cached body is not text), written straight into Lettuce's output buffer:
 * the per-request path (a rate-limit script's arguments) copies no {@code ByteBuffer}s and allocates no temporary
 * buffer per argument.
 */
final class TextKeysByteValues implements RedisCodec<String, byte[]>, ToByteBufEncoder<String, byte[]> {

    static final TextKeysByteValues INSTANCE = new TextKeysByteValues();

    private static final byte[] EMPTY = new byte[0];

    @Override
    public String decodeKey(ByteBuffer bytes) {
        return StandardCharsets.UTF_8.decode(bytes).toString();
    }

    @Override
    public byte[] decodeValue(ByteBuffer bytes) {
        if (bytes == null || !bytes.hasRemaining()) {
            return EMPTY;
        }
        byte[] out = new byte[bytes.remaining()];
        bytes.get(out);
        return out;
    }

    @Override
    public ByteBuffer encodeKey(String key) {
        return StandardCharsets.UTF_8.encode(key);
    }

    @Override
    public ByteBuffer encodeValue(byte[] value) {
        return ByteBuffer.wrap(value);
    }

    @Override
    public void encodeKey(String key, ByteBuf target) {
        ByteBufUtil.writeUtf8(target, key);
    }

    @Override
    public void encodeValue(byte[] value, ByteBuf target) {
        target.writeBytes(value);
    }

    /** The exact length: Lettuce then writes the argument in place instead of through a temporary buffer. */
    @Override
    public int estimateSize(Object keyOrValue) {
        if (keyOrValue instanceof byte[] bytes) {
            return bytes.length;
        }
        return keyOrValue instanceof String s ? ByteBufUtil.utf8Bytes(s) : 0;
    }

    @Override
    public boolean isEstimateExact() {
        return true;
    }
}
