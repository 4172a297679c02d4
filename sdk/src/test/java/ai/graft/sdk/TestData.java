package ai.graft.sdk;

import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Assertions;
import org.junit.jupiter.api.Assumptions;

/**
 * Finds the real models, images and datasets of {@code ../shared/data} for tests. The folder is the
 * environment variable {@code GRAFT_DATA}, else the system property {@code graft.data} (the build
 * sets it to {@code ../shared/data} beside the project), else {@code ../shared/data} relative to
 * the project root (the module's parent). Tests that need a missing file are skipped with a message
 * saying where it was looked for, except when the environment variable {@code CI} is {@code true}:
 * there a missing file fails the test.
 */
public final class TestData {
    private TestData() {}

    /**
     * The data folder, whether or not it exists.
     *
     * @return the resolved folder
     */
    public static Path root() {
        String env = System.getenv("GRAFT_DATA");
        if (env != null && !env.isBlank()) {
            return Path.of(env).toAbsolutePath().normalize();
        }
        String prop = System.getProperty("graft.data");
        if (prop != null && !prop.isBlank()) {
            return Path.of(prop).toAbsolutePath().normalize();
        }
        Path module = Path.of(System.getProperty("user.dir")).toAbsolutePath();
        Path project = module.getParent() != null ? module.getParent() : module;
        return project.resolve("../shared/data").normalize();
    }

    /**
     * A file or folder of the data folder, or a skipped test when it is absent (a failed test when
     * {@code CI=true}).
     *
     * @param relPath the path inside the data folder, e.g. {@code models/squeezenet1.1.onnx}
     * @return the existing path
     */
    public static Path require(String relPath) {
        Path p = root().resolve(relPath);
        if (!Files.exists(p)) {
            String message =
                    "Test data "
                            + relPath
                            + " not found at "
                            + p
                            + " (set -Dgraft.data=DIR or GRAFT_DATA to the shared data folder)";
            if ("true".equalsIgnoreCase(System.getenv("CI"))) {
                Assertions.fail(message + "; CI=true requires it");
            }
            Assumptions.abort(message);
        }
        return p;
    }
}
