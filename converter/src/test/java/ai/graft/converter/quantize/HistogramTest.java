package ai.graft.converter.quantize;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.FloatBuffer;
import java.util.Random;
import org.junit.jupiter.api.Test;

class HistogramTest {
    /** 100,000 values uniform in [0, 1] and one outlier at 50, as after a ReLU. */
    private static Histogram withOutlier() {
        Random r = new Random(1);
        float[] v = new float[100_001];
        for (int i = 0; i < 100_000; i++) {
            v[i] = r.nextFloat();
        }
        v[100_000] = 50;
        Histogram h = new Histogram(0, 50);
        h.add(FloatBuffer.wrap(v));
        return h;
    }

    @Test
    void percentile_clipsTheOutlier() {
        TensorRange r = withOutlier().percentile(99.99);
        assertEquals(0, r.min(), 0);
        assertTrue(r.max() > 0.95 && r.max() < 1.1, r.toString());
    }

    @Test
    void percentile100_keepsEverything() {
        TensorRange r = withOutlier().percentile(100);
        assertEquals(0, r.min(), 0);
        assertEquals(50, r.max(), 0.05);
    }

    @Test
    void entropy_clipsTheOutlierButKeepsTheBulk() {
        // The narrowest threshold it tries spans LEVELS / 2 bins: 128 * 50 / 1024 = 6.25.
        TensorRange r = withOutlier().entropy();
        assertEquals(0, r.min(), 0);
        assertTrue(r.max() >= 6.25 && r.max() < 25, r.toString());
    }

    @Test
    void constantTensor_keepsItsValue() {
        Histogram h = new Histogram(0, 0);
        h.add(FloatBuffer.wrap(new float[] {0, 0, 0}));
        assertEquals(new TensorRange(0, 0), h.entropy());
        assertEquals(new TensorRange(0, 0), h.percentile(99.99));
    }

    @Test
    void activationParams_afterReluStartAtTheTypesFloor() {
        ActivationParams u8 = ActivationParams.of(new TensorRange(0, 25.5f), ActivationType.UINT8);
        assertEquals(0, u8.zeroPoint());
        assertEquals(0.1f, u8.scale(), 1e-7);
        ActivationParams s8 = ActivationParams.of(new TensorRange(0, 25.5f), ActivationType.INT8);
        assertEquals(-128, s8.zeroPoint());
        ActivationParams mixed = ActivationParams.of(new TensorRange(-1, 3), ActivationType.UINT8);
        assertEquals(64, mixed.zeroPoint(), "0 is exact: (0 - 64) * scale + 1 = 0");
    }
}
