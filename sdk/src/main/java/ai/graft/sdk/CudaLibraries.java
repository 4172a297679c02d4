package ai.graft.sdk;

import java.io.File;
import java.io.IOException;
import java.net.URL;
import java.util.List;
import java.util.Locale;
import org.bytedeco.javacpp.Loader;

/**
 * Loads the CUDA 12 and cuDNN 9 libraries that ONNX Runtime's CUDA provider links against from
 * JavaCPP's redistribution ({@code org.bytedeco:cuda:...:linux-x86_64-redist}, which the {@code
 * cuda} Maven profile puts on the class path), so that a GPU machine needs only the NVIDIA driver.
 * Each library is extracted once into JavaCPP's cache and loaded by path, in dependency order; the
 * provider then finds each one already loaded under its soname. Without the redistribution on the
 * class path nothing is loaded and the provider looks on the loader's search path as usual.
 */
final class CudaLibraries {
    private static final String RESOURCE_DIR = "org/bytedeco/cuda/linux-x86_64/";

    /** What ONNX Runtime 1.21's CUDA provider loads, each after what it needs. */
    static final List<String> PROVIDER_NEEDS =
            List.of(
                    "libcudart.so.12",
                    "libcublasLt.so.12",
                    "libcublas.so.12",
                    "libcufft.so.11",
                    "libcurand.so.10",
                    "libnvrtc.so.12",
                    "libcudnn.so.9");

    // cuDNN 9 opens its parts by name at run time; loaded here, they are found under their sonames.
    private static final List<String> LOAD_ORDER =
            List.of(
                    "libcudart.so.12",
                    "libcublasLt.so.12",
                    "libcublas.so.12",
                    "libcufft.so.11",
                    "libcurand.so.10",
                    "libnvrtc.so.12",
                    "libcudnn_graph.so.9",
                    "libcudnn_engines_runtime_compiled.so.9",
                    "libcudnn_engines_precompiled.so.9",
                    "libcudnn_heuristic.so.9",
                    "libcudnn_ops.so.9",
                    "libcudnn_cnn.so.9",
                    "libcudnn_adv.so.9",
                    "libcudnn.so.9");

    private static Boolean loaded;
    private static String failure;

    private CudaLibraries() {}

    /**
     * Whether the redistribution is on the class path (and this is linux-x86_64, the only platform
     * it exists for).
     */
    static boolean bundled() {
        return isLinuxX86()
                && CudaLibraries.class
                                .getClassLoader()
                                .getResource(RESOURCE_DIR + LOAD_ORDER.get(0))
                        != null;
    }

    /**
     * Loads the bundled libraries once per JVM.
     *
     * @return null when they are loaded or not bundled, else why loading failed
     */
    static synchronized String load() {
        if (loaded != null) {
            return failure;
        }
        loaded = Boolean.FALSE;
        if (!bundled()) {
            return null;
        }
        ClassLoader cl = CudaLibraries.class.getClassLoader();
        for (String name : LOAD_ORDER) {
            URL url = cl.getResource(RESOURCE_DIR + name);
            if (url == null) {
                failure = name + " is missing from the CUDA redistribution on the class path";
                return failure;
            }
            try {
                File file = Loader.cacheResource(url);
                System.load(file.getAbsolutePath());
            } catch (IOException | RuntimeException | LinkageError e) {
                failure =
                        "could not load "
                                + name
                                + " of the bundled CUDA libraries: "
                                + String.valueOf(e.getMessage()).strip();
                return failure;
            }
        }
        loaded = Boolean.TRUE;
        return null;
    }

    private static boolean isLinuxX86() {
        String os = System.getProperty("os.name", "").toLowerCase(Locale.ROOT);
        String arch = System.getProperty("os.arch", "");
        return os.startsWith("linux") && (arch.equals("amd64") || arch.equals("x86_64"));
    }
}
