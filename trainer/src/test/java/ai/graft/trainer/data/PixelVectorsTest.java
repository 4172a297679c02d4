package ai.graft.trainer.data;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class PixelVectorsTest {
    @TempDir Path dir;

    @Test
    void of_readsPixelsCountsSmallAndGrayAndSkipsWhatDoesNotDecode() throws Exception {
        List<Sample> samples = new ArrayList<>();
        byte[] ramp = new byte[28 * 28];
        for (int i = 0; i < ramp.length; i++) {
            ramp[i] = (byte) (i % 28 * 9); // brighter to the right
        }
        samples.add(Sample.ofPixels(ramp, 28, 28, 0, "idx:0"));
        samples.add(Sample.ofFile(TestImages.write(dir.resolve("big.png"), 300, 200, 1), 1, "big"));
        Path broken = dir.resolve("broken.jpg");
        Files.writeString(broken, "not an image");
        samples.add(Sample.ofFile(broken, 1, "broken"));
        ImageDataset data = ImageDataset.of(List.of("a", "b"), samples);

        PixelVectors.Result r = PixelVectors.of(data, 8, 100, 1, 2);

        assertEquals(2, r.size());
        assertEquals(1, r.skipped());
        assertArrayEquals(new int[] {0, 1}, r.labels());
        assertEquals(1, r.small(), "the 28x28 image is small, the 300x200 one is not");
        assertEquals(1, r.gray(), "the IDX image is gray, the random colour one is not");
        float[] v = r.rows()[0];
        assertEquals(3 * 8 * 8, v.length);
        // Gray: the three planes are equal; the ramp rises from left to right in [0, 1].
        for (int i = 0; i < 64; i++) {
            assertEquals(v[i], v[64 + i]);
            assertEquals(v[i], v[128 + i]);
        }
        assertEquals(true, v[7] > v[0] && v[7] <= 1f && v[0] >= 0f);
    }

    @Test
    void of_takesASeededSubsetBeyondTheLimit() {
        List<Sample> samples = new ArrayList<>();
        for (int i = 0; i < 20; i++) {
            byte[] px = new byte[16];
            java.util.Arrays.fill(px, (byte) (i * 10));
            samples.add(Sample.ofPixels(px, 4, 4, i % 2, "idx:" + i));
        }
        ImageDataset data = ImageDataset.of(List.of("a", "b"), samples);

        PixelVectors.Result a = PixelVectors.of(data, 4, 5, 7, 1);
        PixelVectors.Result b = PixelVectors.of(data, 4, 5, 7, 3);

        assertEquals(5, a.size());
        assertEquals(a.rows().length, b.rows().length);
        for (int i = 0; i < a.size(); i++) {
            assertArrayEquals(a.rows()[i], b.rows()[i], "same seed, same subset, any threads");
        }
        assertThrows(IllegalArgumentException.class, () -> PixelVectors.of(data, 0, 5, 7, 1));
    }
}
