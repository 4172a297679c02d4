package ai.graft.bench;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.net.URI;
import java.net.URISyntaxException;
import java.net.URL;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.TreeSet;
import java.util.stream.Stream;
import java.util.zip.ZipEntry;
import java.util.zip.ZipFile;
import org.junit.jupiter.api.Test;

/**
 * The shipped artifacts (every Graft jar on this module's test classpath but its own: graft-sdk and
 * its test-jar, graft-converter, graft-trainer and its test-jar, graft-cli; add a new shipped
 * module here as a test dependency) hold no {@code bench} package: peer benchmarks and their
 * dependencies live in this unpublished module only.
 *
 * <p>In a reactor build to {@code package} or beyond ({@code mvn verify}), Maven puts the packaged
 * jars of those modules on this classpath, so this reads exactly what would be deployed; under
 * {@code mvn test} it reads their class folders, which are what the jars are made of.
 */
class ShippedJarsTest {

    @Test
    void shippedJars_containNoBenchPackage() throws IOException, URISyntaxException {
        Set<Path> shipped = shippedRoots();
        List<String> modules = new ArrayList<>();
        for (String module : List.of("sdk", "converter", "trainer", "cli")) {
            if (shipped.stream().anyMatch(root -> holds(root, "ai/graft/" + module + "/"))) {
                modules.add(module);
            }
        }
        assertEquals(
                List.of("sdk", "converter", "trainer", "cli"),
                modules,
                () -> "Graft modules found on the test classpath, in " + shipped);

        List<String> offending = new ArrayList<>();
        for (Path root : shipped) {
            for (String entry : entries(root)) {
                if (inBenchPackage(entry)) {
                    offending.add(root.getFileName() + "!/" + entry);
                }
            }
        }
        assertTrue(
                offending.isEmpty(),
                () ->
                        "Shipped Graft artifacts contain a bench package: "
                                + offending
                                + ". Peer benchmarks belong in the unpublished graft-bench module"
                                + " (bench/src/main/java/ai/graft/bench); move them there. An"
                                + " empty bench/ directory alone is left in a module's build"
                                + " folder by a build from before the move (the compiler removes"
                                + " stale classes, not folders): run mvn clean.");
    }

    @Test
    void inBenchPackage_matchesAPackageNamedBenchOnly() {
        assertTrue(inBenchPackage("ai/graft/trainer/bench/DjlPeerBenchmark.class"));
        assertTrue(inBenchPackage("ai/graft/trainer/bench/"));
        assertTrue(inBenchPackage("ai/graft/Bench/x.class"));
        // The SDK's own benchmark (behind `graft benchmark`) is a product feature, not peer code.
        assertFalse(inBenchPackage("ai/graft/sdk/ClassifierBenchmark.class"));
        assertFalse(inBenchPackage("ai/graft/sdk/bench.properties"));
    }

    /**
     * True when {@code entry} (a jar entry name, or a path in a class folder with '/' separators)
     * lies in a package one of whose names is {@code bench}, in any case.
     */
    static boolean inBenchPackage(String entry) {
        String[] parts = entry.split("/");
        int packages = entry.endsWith("/") ? parts.length : parts.length - 1;
        for (int i = 0; i < packages; i++) {
            if (parts[i].toLowerCase(Locale.ROOT).equals("bench")) {
                return true;
            }
        }
        return false;
    }

    /** Every classpath root holding {@code ai/graft}, less this module's own classes. */
    private static Set<Path> shippedRoots() throws IOException, URISyntaxException {
        Set<Path> own = Set.of(root(DjlPeerBenchmark.class), root(ShippedJarsTest.class));
        Set<Path> roots = new LinkedHashSet<>();
        for (URL url :
                Collections.list(ShippedJarsTest.class.getClassLoader().getResources("ai/graft"))) {
            Path root = rootOf(url);
            if (!own.contains(root)) {
                roots.add(root);
            }
        }
        return roots;
    }

    private static Path root(Class<?> type) throws URISyntaxException {
        return Path.of(type.getProtectionDomain().getCodeSource().getLocation().toURI())
                .toAbsolutePath()
                .normalize();
    }

    private static Path rootOf(URL url) throws URISyntaxException {
        String text = url.toString();
        text =
                text.startsWith("jar:")
                        ? text.substring("jar:".length(), text.indexOf("!/"))
                        : text.substring(0, text.lastIndexOf("ai/graft"));
        return Path.of(new URI(text)).toAbsolutePath().normalize();
    }

    private static boolean holds(Path root, String prefix) {
        try {
            return entries(root).stream().anyMatch(e -> e.startsWith(prefix));
        } catch (IOException e) {
            throw new IllegalStateException("Cannot read " + root, e);
        }
    }

    private static Set<String> entries(Path root) throws IOException {
        Set<String> names = new TreeSet<>();
        if (Files.isDirectory(root)) {
            try (Stream<Path> files = Files.walk(root)) {
                files.filter(p -> !p.equals(root))
                        .forEach(
                                p -> {
                                    String name = root.relativize(p).toString().replace('\\', '/');
                                    names.add(Files.isDirectory(p) ? name + "/" : name);
                                });
            }
        } else {
            try (ZipFile zip = new ZipFile(root.toFile())) {
                for (ZipEntry entry : Collections.list(zip.entries())) {
                    names.add(entry.getName());
                }
            }
        }
        return names;
    }
}
