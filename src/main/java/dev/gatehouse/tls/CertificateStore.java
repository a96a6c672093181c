package dev.gatehouse.tls;

import dev.gatehouse.config.model.TlsSpec;
import io.netty.handler.ssl.SslContext;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The certificates one TLS listener serves now. New connections pick a context from the current {@link ServerTls};
 * a change of the certificate, key or CA files (seen by {@link #reloadIfChanged}, called every few seconds) or of
 * the configuration builds a new one and swaps it in. Connections already open keep the context they started
 * with, so nothing is dropped. A file that does not load is logged and the previous certificates keep serving.
 */
public final class CertificateStore {

    private static final Logger LOG = LoggerFactory.getLogger(CertificateStore.class);

    private final String listener;
    private final List<String> alpn;
    private volatile TlsSpec spec;
    private volatile ServerTls current;
    private volatile List<String> stamps;

    public CertificateStore(String listener, TlsSpec spec, List<String> alpn) throws TlsException {
        this.listener = listener;
        this.alpn = List.copyOf(alpn);
        this.spec = spec;
        this.stamps = stamps(spec);
        this.current = ServerTls.build(spec, alpn);
    }

    /** The context for a connection's SNI name (null or unknown: the default certificate). */
    public SslContext context(String hostName) {
        return current.context(hostName);
    }

    public ServerTls current() {
        return current;
    }

    /** A configuration change's certificates, built and not yet installed. */
    public record Prepared(TlsSpec spec, ServerTls built) {
    }

    /** Builds what {@code next} describes without installing it (to validate a configuration change). */
    public Prepared prepare(TlsSpec next) throws TlsException {
        return new Prepared(next, ServerTls.build(next, alpn));
    }

    /** Installs certificates built by {@link #prepare}. */
    public synchronized void install(Prepared next) {
        spec = next.spec();
        stamps = stamps(next.spec());
        current = next.built();
    }

    /** Rebuilds when a certificate, key or CA file changed since the last build. */
    public synchronized void reloadIfChanged() {
        List<String> now = stamps(spec);
        if (now.equals(stamps)) {
            return;
        }
        stamps = now;
        try {
            current = ServerTls.build(spec, alpn);
            LOG.info("listener '{}': certificates reloaded ({})", listener, String.join(", ", current.names()));
        } catch (TlsException e) {
            LOG.error("listener '{}': the changed certificates do not load, the previous ones keep serving: {}",
                    listener, e.getMessage());
        }
    }

    /** Each file's modification time and size: a rewrite or a rename over it changes them. */
    private static List<String> stamps(TlsSpec spec) {
        List<Path> files = new ArrayList<>();
        spec.certificates().forEach(c -> {
            files.add(c.cert());
            files.add(c.key());
        });
        if (spec.clientCa() != null) {
            files.add(spec.clientCa());
        }
        List<String> out = new ArrayList<>();
        for (Path f : files) {
            try {
                out.add(f + "@" + Files.getLastModifiedTime(f).toMillis() + "/" + Files.size(f));
            } catch (IOException e) {
                out.add(f + "@missing");
            }
        }
        return out;
    }
}
