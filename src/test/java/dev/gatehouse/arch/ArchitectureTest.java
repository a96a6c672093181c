package dev.gatehouse.arch;

import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.noClasses;
import static com.tngtech.archunit.library.dependencies.SlicesRuleDefinition.slices;

import com.tngtech.archunit.core.domain.JavaClasses;
import com.tngtech.archunit.core.importer.ClassFileImporter;
import com.tngtech.archunit.core.importer.ImportOption;
import com.tngtech.archunit.lang.ArchRule;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** The dependency arrows of docs/architecture (shared DESIGN.md), kept true by the build. */
class ArchitectureTest {

    static JavaClasses classes;

    @BeforeAll
    static void load() {
        classes = new ClassFileImporter().withImportOption(ImportOption.Predefined.DO_NOT_INCLUDE_TESTS)
                .importPackages("dev.gatehouse");
    }

    private static void onlyDependsOn(String pkg, String... allowed) {
        String[] all = new String[allowed.length + 2];
        all[0] = "dev.gatehouse." + pkg + "..";
        all[1] = "java..";
        for (int i = 0; i < allowed.length; i++) {
            all[i + 2] = allowed[i];
        }
        ArchRule rule = com.tngtech.archunit.lang.syntax.ArchRuleDefinition.classes()
                .that().resideInAPackage("dev.gatehouse." + pkg + "..")
                .should().onlyDependOnClassesThat().resideInAnyPackage(all)
                .because("DESIGN.md: " + pkg + " may only depend on " + String.join(", ", allowed));
        rule.check(classes);
    }

    private static final String NULLNESS = "org.jspecify..";
    private static final String NETTY = "io.netty..";

    @Test
    void configKnowsNothingOfNetty() {
        onlyDependsOn("net", NULLNESS);
        onlyDependsOn("config.model", NULLNESS, "dev.gatehouse.net..");
        onlyDependsOn("config.source", NULLNESS, "org.slf4j..", "dev.gatehouse.config.model..",
                "com.fasterxml.jackson..");
    }

    @Test
    void routingIsPure() {
        onlyDependsOn("routing", NULLNESS);
    }

    @Test
    void upstreamDependsOnlyOnNettyObserveAndConfigValues() {
        onlyDependsOn("upstream", NULLNESS, NETTY, "org.slf4j..", "dev.gatehouse.observe..", "javax.net.ssl..",
                "dev.gatehouse.config.model..");
    }

    @Test
    void observeDependsOnNothingOfOurs() {
        onlyDependsOn("observe", NULLNESS, "org.slf4j..", "io.micrometer..", "io.netty.buffer..",
                "io.opentelemetry..");
    }

    @Test
    void tlsBuildsContextsFromTheModel() {
        onlyDependsOn("tls", NULLNESS, NETTY, "org.slf4j..", "org.bouncycastle..", "dev.gatehouse.config.model..",
                "javax.naming..", "javax.net.ssl..", "javax.security..");
    }

    @Test
    void adminReadsSnapshotsAndWritesThroughTheControl() {
        // reads the snapshot (its upstream groups' health), never the proxy
        onlyDependsOn("admin", NULLNESS, NETTY, "org.slf4j..", "com.fasterxml.jackson..",
                "dev.gatehouse.config..", "dev.gatehouse.runtime..", "dev.gatehouse.upstream..",
                "dev.gatehouse.observe..", "dev.gatehouse.tls..");
    }

    @Test
    void runtimeCompilesFromModelToRoutingAndUpstream() {
        // the compiler waits for DNS answers, which come as Netty futures
        onlyDependsOn("runtime", NULLNESS, "dev.gatehouse.net..", "dev.gatehouse.config.model..", "dev.gatehouse.routing..",
                "dev.gatehouse.upstream..", "dev.gatehouse.plugin.api..", "dev.gatehouse.plugin.runtime..",
                "io.netty.util.concurrent..");
    }

    @Test
    void proxyNeverReachesIntoServerOrBoot() {
        onlyDependsOn("proxy", NULLNESS, NETTY, "org.slf4j..", "dev.gatehouse.routing..", "dev.gatehouse.upstream..",
                "dev.gatehouse.observe..", "dev.gatehouse.runtime..", "dev.gatehouse.config.model..",
                "dev.gatehouse.plugin.api..", "dev.gatehouse.plugin.runtime..", "dev.gatehouse.net..",
                "javax.net.ssl..", "javax.security..");
    }

    @Test
    void serverPlugsTheProxyIntoListeners() {
        onlyDependsOn("server", NULLNESS, NETTY, "org.slf4j..", "dev.gatehouse.proxy..", "dev.gatehouse.runtime..",
                "dev.gatehouse.observe..", "dev.gatehouse.config.model..", "dev.gatehouse.tls..");
    }

    @Test
    void thePluginApiIsSmall() {
        onlyDependsOn("plugin.api", NULLNESS, NETTY);
        noClasses().that().resideInAPackage("dev.gatehouse.plugin.api..")
                .should().dependOnClassesThat().resideInAPackage("io.netty.channel..")
                .because("plugins never see a Channel").check(classes);
    }

    @Test
    void thePluginRuntimeSeesOnlyTheApi() {
        onlyDependsOn("plugin.runtime", NULLNESS, NETTY, "org.slf4j..", "dev.gatehouse.plugin.api..");
    }

    @Test
    void pluginsSeeOnlyThePluginApi() {
        onlyDependsOn("plugins", NULLNESS, NETTY, "org.slf4j..", "dev.gatehouse.plugin.api..", "dev.gatehouse.net..",
                "at.favre.lib.crypto..", "com.nimbusds..", "com.github.benmanes.caffeine..",
                "com.fasterxml.jackson.databind..");
    }

    @Test
    void clusterClientsSeeOnlyTheModelAndTheStoreApi() {
        // Netty too: Lettuce runs on the gateway's event loops and its codec writes into Netty buffers
        onlyDependsOn("cluster", NULLNESS, "org.slf4j..", "io.lettuce..", "io.netty..",
                "dev.gatehouse.config.model..", "dev.gatehouse.plugin.api..");
    }

    @Test
    void nothingDependsOnBoot() {
        noClasses().that().resideOutsideOfPackage("dev.gatehouse.boot..")
                .should().dependOnClassesThat().resideInAPackage("dev.gatehouse.boot..")
                .check(classes);
    }

    @Test
    void packagesHaveNoCycles() {
        slices().matching("dev.gatehouse.(*)..").should().beFreeOfCycles().check(classes);
    }
}
