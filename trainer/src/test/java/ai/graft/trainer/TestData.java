package ai.graft.trainer;

import static org.junit.jupiter.api.Assertions.fail;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;

/**
 * Finds the real models, images and datasets in {@code ../shared/data} for the trainer's tests.
 *
 * <p>The folder is system property {@code graft.data} (set by surefire), else environment variable
 * {@code GRAFT_DATA}, else {@code ../shared/data}. A test that needs a missing file is skipped with
 * a message, except under {@code CI=true}, where it fails.
 */
public final class TestData {
    private TestData() {}

    /**
     * The data folder, whether or not it exists.
     *
     * @return the configured data folder
     */
    public static Path root() {
        String configured = System.getProperty("graft.data");
        if (configured == null || configured.isBlank()) {
            configured = System.getenv("GRAFT_DATA");
        }
        if (configured == null || configured.isBlank()) {
            configured = "../shared/data";
        }
        return Paths.get(configured).toAbsolutePath().normalize();
    }

    /**
     * A file or folder under the data folder; skips the calling test when it is absent (fails when
     * env {@code CI=true}).
     *
     * @param relative path relative to the data folder, for example {@code
     *     models/squeezenet1.1.onnx}
     * @return the existing path
     */
    public static Path require(String relative) {
        Path path = root().resolve(relative);
        if (!Files.exists(path)) {
            String message =
                    "Test data not found: "
                            + path
                            + " (set -Dgraft.data or GRAFT_DATA to the shared data folder)";
            if ("true".equalsIgnoreCase(System.getenv("CI"))) {
                fail(message);
            }
            assumeTrue(false, message);
        }
        return path;
    }
}
