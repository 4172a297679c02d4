package ai.graft.spark;

import static org.junit.jupiter.api.Assertions.assertInstanceOf;

import dev.ludovic.netlib.blas.JavaBLAS;
import org.apache.spark.ml.linalg.BLAS$;
import org.junit.jupiter.api.Test;

class JavaBlasTest {
    @Test
    void useInThisJvm_leavesMllibNoNativeBlasToBindToJavaCvsOpenBlas() {
        JavaBlas.useInThisJvm();

        // Level-3 operations (the multinomial head's gemm) ask for the native instance.
        assertInstanceOf(JavaBLAS.class, BLAS$.MODULE$.nativeBLAS());
    }
}
