package dev.gatehouse.observe;

import io.opentelemetry.api.common.AttributeKey;
import io.opentelemetry.api.common.Attributes;
import io.opentelemetry.api.trace.Span;
import io.opentelemetry.api.trace.SpanContext;
import io.opentelemetry.api.trace.SpanKind;
import io.opentelemetry.api.trace.StatusCode;
import io.opentelemetry.api.trace.TraceFlags;
import io.opentelemetry.api.trace.TraceState;
import io.opentelemetry.api.trace.Tracer;
import io.opentelemetry.context.Context;
import io.opentelemetry.exporter.otlp.http.trace.OtlpHttpSpanExporter;
import io.opentelemetry.sdk.resources.Resource;
import io.opentelemetry.sdk.trace.SdkTracerProvider;
import io.opentelemetry.sdk.trace.export.BatchSpanProcessor;
import io.opentelemetry.sdk.trace.samplers.Sampler;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import org.jspecify.annotations.Nullable;

/**
 * W3C trace context for proxied requests. Off (the default), the gateway starts no span and only reads the trace id
 * a client sent, for the access log. On, every request gets a server span, child of the client's
 * {@code traceparent} or the root of a new trace, and the upstream receives a {@code traceparent} naming that span;
 * spans go to an OTLP/HTTP collector in batches from a background thread, never from an event loop. Spans are never
 * made "current" (no thread-locals): the exchange holds its span.
 */
public final class Tracing implements AutoCloseable {

    /** No spans; incoming trace ids are still read for the access log. */
    public static final Tracing OFF = new Tracing(null, null);

    private static final AttributeKey<String> METHOD = AttributeKey.stringKey("http.request.method");
    private static final AttributeKey<String> PATH = AttributeKey.stringKey("url.path");
    private static final AttributeKey<Long> STATUS = AttributeKey.longKey("http.response.status_code");
    private static final AttributeKey<String> ROUTE = AttributeKey.stringKey("http.route");
    private static final AttributeKey<String> UPSTREAM = AttributeKey.stringKey("server.address");
    private static final AttributeKey<String> CLIENT = AttributeKey.stringKey("client.address");
    private static final AttributeKey<String> REQUEST_ID = AttributeKey.stringKey("gatehouse.request_id");

    private final @Nullable SdkTracerProvider provider;
    private final @Nullable Tracer tracer;

    private Tracing(@Nullable SdkTracerProvider provider, @Nullable Tracer tracer) {
        this.provider = provider;
        this.tracer = tracer;
    }

    /**
     * @param otlpEndpoint where spans go, or null to keep trace context flowing without exporting
     * @param samplingRatio the share of new traces recorded; a client's sampling decision is followed
     */
    public static Tracing create(@Nullable String otlpEndpoint, double samplingRatio, String serviceName) {
        var builder = SdkTracerProvider.builder()
                .setResource(Resource.getDefault().merge(Resource.create(Attributes.of(
                        AttributeKey.stringKey("service.name"), serviceName))))
                .setSampler(Sampler.parentBased(Sampler.traceIdRatioBased(samplingRatio)));
        if (otlpEndpoint != null) {
            builder.addSpanProcessor(BatchSpanProcessor.builder(OtlpHttpSpanExporter.builder()
                    .setEndpoint(otlpEndpoint).setTimeout(Duration.ofSeconds(10)).build())
                    .setScheduleDelay(Duration.ofSeconds(1)).build());
        }
        SdkTracerProvider provider = builder.build();
        return new Tracing(provider, provider.get("dev.gatehouse"));
    }

    public boolean enabled() {
        return tracer != null;
    }

    /** The span of one request, or none when tracing is off. */
    public interface RequestSpan {
        /** The trace id (32 hex digits). */
        String traceId();

        /** The {@code traceparent} the upstream receives: this span as the parent. */
        String traceparent();

        void end(String name, @Nullable String route, @Nullable String upstream, int status, long endEpochNanos);
    }

    /**
     * Starts the span of a request.
     *
     * @param traceparent the client's header, or null; an invalid one starts a new trace (as the W3C spec says)
     * @return the span, or null when tracing is off
     */
    public @Nullable RequestSpan start(@Nullable String traceparent, String method, String path, String clientIp,
            String requestId, long startEpochNanos) {
        Tracer t = tracer;
        if (t == null) {
            return null;
        }
        Context parent = Context.root();
        SpanContext remote = parse(traceparent);
        if (remote != null) {
            parent = parent.with(Span.wrap(remote));
        }
        Span span = t.spanBuilder(method).setParent(parent).setSpanKind(SpanKind.SERVER)
                .setStartTimestamp(startEpochNanos, TimeUnit.NANOSECONDS)
                .setAttribute(METHOD, method).setAttribute(PATH, path).setAttribute(CLIENT, clientIp)
                .setAttribute(REQUEST_ID, requestId)
                .startSpan();
        SpanContext sc = span.getSpanContext();
        String header = "00-" + sc.getTraceId() + "-" + sc.getSpanId() + "-" + sc.getTraceFlags().asHex();
        return new RequestSpan() {
            @Override
            public String traceId() {
                return sc.getTraceId();
            }

            @Override
            public String traceparent() {
                return header;
            }

            @Override
            public void end(String name, @Nullable String route, @Nullable String upstream, int status,
                    long endEpochNanos) {
                if (!span.isRecording()) {
                    return;
                }
                span.updateName(name);
                if (route != null) {
                    span.setAttribute(ROUTE, route);
                }
                if (upstream != null) {
                    span.setAttribute(UPSTREAM, upstream);
                }
                span.setAttribute(STATUS, (long) status);
                if (status >= 500) {
                    span.setStatus(StatusCode.ERROR);
                }
                span.end(endEpochNanos, TimeUnit.NANOSECONDS);
            }
        };
    }

    /** The trace id of a valid {@code traceparent}, or null. */
    public static @Nullable String traceId(@Nullable String traceparent) {
        SpanContext sc = parse(traceparent);
        return sc == null ? null : sc.getTraceId();
    }

    /** {@code 00-<32 hex trace id>-<16 hex parent id>-<2 hex flags>}; null when absent or malformed. */
    static @Nullable SpanContext parse(@Nullable String traceparent) {
        if (traceparent == null || traceparent.length() < 55 || traceparent.charAt(2) != '-'
                || traceparent.charAt(35) != '-' || traceparent.charAt(52) != '-') {
            return null;
        }
        for (int i = 0; i < 55; i++) {
            char c = traceparent.charAt(i);
            if (i != 2 && i != 35 && i != 52 && !(c >= '0' && c <= '9' || c >= 'a' && c <= 'f')) {
                return null;
            }
        }
        String version = traceparent.substring(0, 2);
        if (version.equals("ff") || version.equals("00") && traceparent.length() != 55) {
            return null;
        }
        SpanContext sc = SpanContext.createFromRemoteParent(traceparent.substring(3, 35),
                traceparent.substring(36, 52), TraceFlags.fromHex(traceparent, 53), TraceState.getDefault());
        return sc.isValid() ? sc : null;
    }

    /** Sends what is buffered, then stops. */
    @Override
    public void close() {
        if (provider != null) {
            provider.shutdown().join(5, TimeUnit.SECONDS);
        }
    }
}
