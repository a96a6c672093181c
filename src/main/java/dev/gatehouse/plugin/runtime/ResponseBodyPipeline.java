package dev.gatehouse.plugin.runtime;

import dev.gatehouse.plugin.api.BodyTransformer;
import dev.gatehouse.plugin.api.PluginExchange;
import io.netty.buffer.ByteBuf;
import java.util.ArrayList;
import java.util.List;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * What one response body passes through on its way to the client: the transformers and the watching plugins, in
 * the order the response-headers phase met them (nearest the upstream first). Built per exchange, only when a
 * plugin transforms or watches the body, so a plain proxied response allocates none.
 */
public final class ResponseBodyPipeline {

    private static final Logger LOG = LoggerFactory.getLogger(ResponseBodyPipeline.class);

    /** Who keeps an exchange's pipeline (the exchange itself); creates it on first use. */
    public interface Owner {
        ResponseBodyPipeline responseBodyPipeline();
    }

    private final PluginExchange exchange;
    private final List<Object> steps = new ArrayList<>(2);
    private boolean transforms;
    private boolean finished;

    public ResponseBodyPipeline(PluginExchange exchange) {
        this.exchange = exchange;
    }

    public void add(BodyTransformer transformer) {
        steps.add(transformer);
        transforms = true;
    }

    void watch(PluginChain.Entry entry) {
        steps.add(entry);
    }

    /** True when some step changes the bytes (the gateway must then write new chunks, not the upstream's). */
    public boolean transforms() {
        return transforms;
    }

    /**
     * Passes one chunk through every step.
     *
     * @param chunk owned by the pipeline from here on
     * @return what to send, owned by the caller
     */
    public ByteBuf run(ByteBuf chunk, boolean last) {
        ByteBuf current = chunk;
        for (Object step : steps) {
            if (step instanceof BodyTransformer transformer) {
                current = transform(transformer, current, last);
            } else {
                PluginChain.Entry entry = (PluginChain.Entry) step;
                try {
                    entry.plugin().onResponseBody(exchange, current, last);
                } catch (RuntimeException e) {
                    LOG.error("plugin '{}' failed on the response body of {}", entry.name(), exchange.requestId(), e);
                }
            }
        }
        if (last) {
            finished = true;
        }
        return current;
    }

    private ByteBuf transform(BodyTransformer transformer, ByteBuf chunk, boolean last) {
        try {
            return transformer.transform(chunk, last);
        } catch (RuntimeException e) {
            // the transformer owned the chunk; what it held is gone, and the body with it: the client's
            // connection is cut by the caller's length check or by the abort that follows
            LOG.error("a body transformer failed on the response of {}", exchange.requestId(), e);
            abandon();
            throw e;
        }
    }

    /** The exchange ended before its last chunk: transformers free what they hold. Safe to call twice. */
    public void abandon() {
        if (finished) {
            return;
        }
        finished = true;
        for (Object step : steps) {
            if (step instanceof BodyTransformer transformer) {
                try {
                    transformer.abandon();
                } catch (RuntimeException e) {
                    LOG.warn("a body transformer failed to let go of the response of {}", exchange.requestId(), e);
                }
            }
        }
    }
}
