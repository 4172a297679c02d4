package ai.graft.spark;

import java.lang.reflect.Field;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Keeps Spark MLlib on its Java BLAS in JVMs that decode images. JavaCV loads its own OpenBLAS
 * (JavaCPP's {@code libopenblas_nolapack}, which OpenCV needs) with global symbols; when the
 * machine also has a system BLAS ({@code libblas.so.3}, for example Debian's OpenBLAS), MLlib's
 * native BLAS binds its {@code dgemm} to JavaCV's copy, and two OpenBLAS builds in one process
 * crash the JVM (SIGSEGV in {@code dgemm_oncopy}) on the first multinomial logistic regression.
 * MLlib has no setting for this, so its BLAS holder is given the Java implementation, once per JVM,
 * before anything asks for the native one. Heads are small (classes x embedding width), so the Java
 * BLAS costs little.
 */
final class JavaBlas {
    private static final Logger LOG = LoggerFactory.getLogger(JavaBlas.class);
    private static boolean done;

    private JavaBlas() {}

    /** Makes MLlib's level-3 BLAS in this JVM its Java implementation; later calls do nothing. */
    static synchronized void useInThisJvm() {
        if (done) {
            return;
        }
        done = true;
        try {
            Class<?> holder = Class.forName("org.apache.spark.ml.linalg.BLAS$");
            Object blas = holder.getField("MODULE$").get(null);
            Object java = holder.getMethod("javaBLAS").invoke(blas);
            Field nativeBlas = holder.getDeclaredField("_nativeBLAS");
            nativeBlas.setAccessible(true);
            nativeBlas.set(null, java);
            LOG.debug("MLlib uses its Java BLAS ({})", java.getClass().getName());
        } catch (ReflectiveOperationException | RuntimeException e) {
            // Another Spark version: its BLAS holder changed; native BLAS stays as Spark chose.
            LOG.warn(
                    "could not keep MLlib on its Java BLAS ({}); with a system BLAS installed, JavaCV's"
                            + " OpenBLAS may clash with it",
                    e.toString());
        }
    }
}
