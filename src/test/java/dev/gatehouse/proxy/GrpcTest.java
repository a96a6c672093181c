package dev.gatehouse.proxy;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.gatehouse.testing.Gateway;
import io.grpc.ForwardingServerCall;
import io.grpc.ManagedChannel;
import io.grpc.Metadata;
import io.grpc.Server;
import io.grpc.ServerCall;
import io.grpc.ServerCallHandler;
import io.grpc.ServerInterceptor;
import io.grpc.ServerInterceptors;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import io.grpc.netty.shaded.io.grpc.netty.NettyServerBuilder;
import io.grpc.stub.MetadataUtils;
import io.grpc.stub.StreamObserver;
import io.grpc.testing.protobuf.SimpleRequest;
import io.grpc.testing.protobuf.SimpleResponse;
import io.grpc.testing.protobuf.SimpleServiceGrpc;
import java.net.InetSocketAddress;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * gRPC through the gateway with grpc-java on both ends (h2c downstream, HTTP/2 upstream): unary, server, client
 * and bidirectional streaming, statuses and custom trailers intact, deadlines, and gRPC-shaped gateway errors.
 */
class GrpcTest {

    static final Metadata.Key<String> TRAILER = Metadata.Key.of("x-trailer", Metadata.ASCII_STRING_MARSHALLER);

    static Server server;
    static Gateway gw;
    static ManagedChannel channel;

    /** Echoes, streams, fails on request ("status:N"), sleeps on request ("sleep:MS"). */
    static final class Service extends SimpleServiceGrpc.SimpleServiceImplBase {
        @Override
        public void unaryRpc(SimpleRequest request, StreamObserver<SimpleResponse> out) {
            String m = request.getRequestMessage();
            if (m.startsWith("status:")) {
                out.onError(Status.fromCodeValue(Integer.parseInt(m.substring(7))).withDescription("told to fail")
                        .asRuntimeException());
                return;
            }
            if (m.startsWith("sleep:")) {
                try {
                    Thread.sleep(Long.parseLong(m.substring(6)));
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            }
            out.onNext(SimpleResponse.newBuilder().setResponseMessage("echo:" + m).build());
            out.onCompleted();
        }

        @Override
        public void serverStreamingRpc(SimpleRequest request, StreamObserver<SimpleResponse> out) {
            for (int i = 0; i < 5; i++) {
                out.onNext(SimpleResponse.newBuilder().setResponseMessage(request.getRequestMessage() + "-" + i)
                        .build());
            }
            out.onCompleted();
        }

        @Override
        public StreamObserver<SimpleRequest> clientStreamingRpc(StreamObserver<SimpleResponse> out) {
            List<String> seen = new ArrayList<>();
            return new StreamObserver<>() {
                @Override
                public void onNext(SimpleRequest value) {
                    seen.add(value.getRequestMessage());
                }

                @Override
                public void onError(Throwable t) {
                }

                @Override
                public void onCompleted() {
                    out.onNext(SimpleResponse.newBuilder().setResponseMessage(String.join(",", seen)).build());
                    out.onCompleted();
                }
            };
        }

        @Override
        public StreamObserver<SimpleRequest> bidiStreamingRpc(StreamObserver<SimpleResponse> out) {
            return new StreamObserver<>() {
                @Override
                public void onNext(SimpleRequest value) {
                    out.onNext(SimpleResponse.newBuilder().setResponseMessage("bidi:" + value.getRequestMessage())
                            .build());
                }

                @Override
                public void onError(Throwable t) {
                }

                @Override
                public void onCompleted() {
                    out.onCompleted();
                }
            };
        }
    }

    /** Adds a custom trailer to every call, to see trailers pass through untouched. */
    static final class Trailers implements ServerInterceptor {
        @Override
        public <Q, R> ServerCall.Listener<Q> interceptCall(ServerCall<Q, R> call, Metadata headers,
                ServerCallHandler<Q, R> next) {
            return next.startCall(new ForwardingServerCall.SimpleForwardingServerCall<>(call) {
                @Override
                public void close(Status status, Metadata trailers) {
                    trailers.put(TRAILER, "kept");
                    super.close(status, trailers);
                }
            }, headers);
        }
    }

    @BeforeAll
    static void start() throws Exception {
        server = NettyServerBuilder.forAddress(new InetSocketAddress("127.0.0.1", 0))
                .addService(ServerInterceptors.intercept(new Service(), new Trailers())).build().start();
        gw = Gateway.start("""
                listeners:
                  - name: public
                    address: 127.0.0.1:0
                services:
                  - { name: grpc, url: "http://127.0.0.1:%d", protocol: http2 }
                  - { name: dead, url: "http://127.0.0.1:1", protocol: http2 }
                routes:
                  - { name: grpc, service: grpc, paths: ["/grpc.testing.SimpleService/"], strip_path: false }
                  - { name: dead, service: dead, paths: ["/grpc.testing.SimpleService/ServerStreamingRpc"],
                      headers: { x-dead: ["yes"] }, strip_path: false }
                access_log: { target: off }
                """.formatted(server.getPort()));
        channel = NettyChannelBuilder.forAddress("127.0.0.1", gw.port()).usePlaintext().build();
    }

    @AfterAll
    static void stop() throws Exception {
        channel.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
        gw.close();
        server.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
    }

    private static SimpleRequest request(String message) {
        return SimpleRequest.newBuilder().setRequestMessage(message).build();
    }

    @Test
    void unaryCallsKeepStatusesAndTrailers() {
        AtomicReference<Metadata> trailers = new AtomicReference<>();
        var stub = SimpleServiceGrpc.newBlockingStub(channel)
                .withInterceptors(MetadataUtils.newCaptureMetadataInterceptor(new AtomicReference<>(), trailers));
        assertThat(stub.unaryRpc(request("hi")).getResponseMessage()).isEqualTo("echo:hi");
        assertThat(trailers.get().get(TRAILER)).isEqualTo("kept");
        assertThatThrownBy(() -> stub.unaryRpc(request("status:5")))
                .isInstanceOfSatisfying(StatusRuntimeException.class, e -> {
                    assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.NOT_FOUND);
                    assertThat(e.getStatus().getDescription()).isEqualTo("told to fail");
                });
        assertThat(trailers.get().get(TRAILER)).isEqualTo("kept");
    }

    @Test
    void serverClientAndBidiStreamsFlowThrough() throws Exception {
        Iterator<SimpleResponse> parts = SimpleServiceGrpc.newBlockingStub(channel).serverStreamingRpc(request("p"));
        List<String> got = new ArrayList<>();
        parts.forEachRemaining(r -> got.add(r.getResponseMessage()));
        assertThat(got).containsExactly("p-0", "p-1", "p-2", "p-3", "p-4");

        CompletableFuture<String> aggregated = new CompletableFuture<>();
        StreamObserver<SimpleRequest> up = SimpleServiceGrpc.newStub(channel).clientStreamingRpc(observer(
                r -> aggregated.complete(r.getResponseMessage()), aggregated));
        for (int i = 0; i < 4; i++) {
            up.onNext(request("c" + i));
        }
        up.onCompleted();
        assertThat(aggregated.get(10, TimeUnit.SECONDS)).isEqualTo("c0,c1,c2,c3");

        List<String> echoed = new java.util.concurrent.CopyOnWriteArrayList<>();
        CompletableFuture<Void> done = new CompletableFuture<>();
        StreamObserver<SimpleRequest> bidi = SimpleServiceGrpc.newStub(channel).bidiStreamingRpc(new StreamObserver<>() {
            @Override
            public void onNext(SimpleResponse value) {
                echoed.add(value.getResponseMessage());
            }

            @Override
            public void onError(Throwable t) {
                done.completeExceptionally(t);
            }

            @Override
            public void onCompleted() {
                done.complete(null);
            }
        });
        for (int i = 0; i < 100; i++) {
            bidi.onNext(request("b" + i));
        }
        bidi.onCompleted();
        done.get(10, TimeUnit.SECONDS);
        assertThat(echoed).hasSize(100).startsWith("bidi:b0").endsWith("bidi:b99");
    }

    @Test
    void deadlinesExpireAndGatewayErrorsAreGrpcStatuses() {
        var stub = SimpleServiceGrpc.newBlockingStub(channel);
        assertThatThrownBy(() -> stub.withDeadlineAfter(300, TimeUnit.MILLISECONDS).unaryRpc(request("sleep:3000")))
                .isInstanceOfSatisfying(StatusRuntimeException.class,
                        e -> assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.DEADLINE_EXCEEDED));
        // an unreachable upstream: HTTP 200 with grpc-status 14, not an HTTP error page
        Metadata dead = new Metadata();
        dead.put(Metadata.Key.of("x-dead", Metadata.ASCII_STRING_MARSHALLER), "yes");
        var toDead = SimpleServiceGrpc.newBlockingStub(channel)
                .withInterceptors(MetadataUtils.newAttachHeadersInterceptor(dead));
        assertThatThrownBy(() -> toDead.serverStreamingRpc(request("x")).hasNext())
                .isInstanceOfSatisfying(StatusRuntimeException.class,
                        e -> assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.UNAVAILABLE));
    }

    @Test
    void anHttp2UpstreamOverTlsIsReachedThroughAlpn(@org.junit.jupiter.api.io.TempDir java.nio.file.Path dir)
            throws Exception {
        var pki = new dev.gatehouse.testing.TestCertificates(dir, "gRPC CA");
        var cert = pki.issue(dir, "grpc", "grpc.internal", List.of("grpc.internal"), false,
                dev.gatehouse.testing.TestCertificates.KeyFormat.PKCS8);
        Server tlsServer = NettyServerBuilder.forAddress(new InetSocketAddress("127.0.0.1", 0))
                .useTransportSecurity(cert.certFile().toFile(), cert.keyFile().toFile())
                .addService(new Service()).build().start();
        try (Gateway tlsGw = Gateway.startIn(dir, """
                listeners:
                  - name: public
                    address: 127.0.0.1:0
                services:
                  - name: grpc
                    url: "https://127.0.0.1:%d"
                    protocol: http2
                    tls: { ca: %s, sni: grpc.internal }
                routes:
                  - { name: grpc, service: grpc, paths: ["/grpc.testing.SimpleService/"], strip_path: false }
                access_log: { target: off }
                """.formatted(tlsServer.getPort(), pki.caFile().getFileName()))) {
            ManagedChannel c = NettyChannelBuilder.forAddress("127.0.0.1", tlsGw.port()).usePlaintext().build();
            try {
                assertThat(SimpleServiceGrpc.newBlockingStub(c).unaryRpc(request("secure")).getResponseMessage())
                        .isEqualTo("echo:secure");
            } finally {
                c.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
            }
        } finally {
            tlsServer.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
        }
    }

    private static StreamObserver<SimpleResponse> observer(java.util.function.Consumer<SimpleResponse> onNext,
            CompletableFuture<?> failure) {
        return new StreamObserver<>() {
            @Override
            public void onNext(SimpleResponse value) {
                onNext.accept(value);
            }

            @Override
            public void onError(Throwable t) {
                failure.completeExceptionally(t);
            }

            @Override
            public void onCompleted() {
            }
        };
    }
}
