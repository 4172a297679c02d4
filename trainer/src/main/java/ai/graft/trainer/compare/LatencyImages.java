package ai.graft.trainer.compare;

import ai.graft.sdk.GraftException;
import ai.graft.trainer.data.ImageDataset;
import ai.graft.trainer.data.Sample;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import javax.imageio.ImageIO;

/**
 * The image files every model's latency is timed on: test images spread evenly over the test set
 * (which lists its classes one after another), so that each class's image sizes take part. The
 * SDK's benchmark reads files; in-memory test images (IDX data) are written once as PNG files.
 */
final class LatencyImages {
    /** The most distinct images timed; the benchmark repeats them up to its count. */
    static final int MAX_IMAGES = 32;

    /** The folder, in the comparison's output folder, of test images written as files. */
    static final String DIR = "latency-images";

    private LatencyImages() {}

    static List<Path> of(ImageDataset test, Path outDir) throws GraftException {
        List<Sample> samples = test.samples();
        int n = Math.min(MAX_IMAGES, samples.size());
        List<Path> files = new ArrayList<>(n);
        for (int i = 0; i < n; i++) {
            Sample s = samples.get((int) ((long) i * samples.size() / n));
            files.add(s.file() != null ? s.file() : written(s, outDir.resolve(DIR), i));
        }
        return files;
    }

    private static Path written(Sample s, Path dir, int index) throws GraftException {
        Path file = dir.resolve(String.format("test-%02d.png", index));
        try {
            Files.createDirectories(dir);
            if (!ImageIO.write(s.grayImage(), "png", file.toFile())) {
                throw new IOException("no PNG writer");
            }
        } catch (IOException e) {
            throw new GraftException(
                    "Cannot write test image " + s.id() + " to " + file + ": " + e.getMessage(), e);
        }
        return file;
    }
}
