package ai.graft.sdk.internal;

import static org.junit.jupiter.api.Assertions.fail;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Finds the shared real data ({@code ../shared/data}) for the image tests: system property {@code
 * graft.data} (set by surefire), else env {@code GRAFT_DATA}, else {@code ../shared/data}. A
 * missing file skips the test, except under {@code CI=true}, where it fails.
 */
final class ImageTestData {
    private ImageTestData() {}

    static Path dataDir() {
        String dir = System.getProperty("graft.data");
        if (dir == null || dir.isBlank()) {
            dir = System.getenv("GRAFT_DATA");
        }
        if (dir == null || dir.isBlank()) {
            dir = "../shared/data";
        }
        return Path.of(dir);
    }

    /** A file under the data folder; skips (or fails on CI) when it is absent. */
    static Path require(String relative) {
        Path file = dataDir().resolve(relative);
        if (!Files.isRegularFile(file)) {
            String message =
                    "Real data file "
                            + file.toAbsolutePath()
                            + " is absent; set -Dgraft.data or GRAFT_DATA to the shared data folder";
            if ("true".equalsIgnoreCase(System.getenv("CI"))) {
                fail(message);
            }
            assumeTrue(false, message);
        }
        return file;
    }
}
