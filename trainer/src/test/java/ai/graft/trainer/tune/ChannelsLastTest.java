package ai.graft.trainer.tune;

import static org.junit.jupiter.api.Assertions.assertEquals;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import ai.graft.sdk.Preprocessing;
import ai.graft.trainer.data.Batch;
import java.util.List;
import org.junit.jupiter.api.Test;

class ChannelsLastTest {
    @Test
    void input_isTheNchwTensorOfAnNhwcBatch_storedChannelsLast() {
        Preprocessing caffe = Preprocessing.caffe(3, 2);
        Preprocessing loaded = ChannelsLast.loading(caffe);
        assertEquals(Preprocessing.Layout.NHWC, loaded.layout());
        assertEquals(loaded, ChannelsLast.loading(loaded), "an NHWC model is left as it is");
        // 1 image, 2 rows, 3 columns, 3 channels, NHWC: value = 100 c + 10 y + x.
        float[] nhwc = new float[18];
        for (int y = 0; y < 2; y++) {
            for (int x = 0; x < 3; x++) {
                for (int c = 0; c < 3; c++) {
                    nhwc[(y * 3 + x) * 3 + c] = 100 * c + 10 * y + x;
                }
            }
        }
        Batch b = new Batch(nhwc, new long[] {1, 2, 3, 3}, new int[] {0}, List.of("a"));
        try (NDManager m = NDManager.newBaseManager("PyTorch")) {
            NDArray x = ChannelsLast.input(m, b, caffe);
            assertEquals(new Shape(1, 3, 2, 3), x.getShape());
            float[] nchw = x.toFloatArray();
            for (int c = 0; c < 3; c++) {
                for (int y = 0; y < 2; y++) {
                    for (int col = 0; col < 3; col++) {
                        assertEquals(100 * c + 10 * y + col, nchw[(c * 2 + y) * 3 + col]);
                    }
                }
            }
            NDArray same = ChannelsLast.input(m, b, loaded);
            assertEquals(new Shape(1, 2, 3, 3), same.getShape());
        }
    }
}
