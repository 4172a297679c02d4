package ai.graft.sdk;

import ai.graft.sdk.internal.ImageDecoder;
import ai.graft.sdk.internal.Preprocessor;
import java.awt.image.BufferedImage;
import java.nio.FloatBuffer;
import java.nio.ShortBuffer;
import java.nio.file.Path;
import java.util.List;
import org.bytedeco.javacv.Frame;
import org.bytedeco.javacv.OpenCVFrameConverter;
import org.bytedeco.opencv.global.opencv_core;
import org.bytedeco.opencv.opencv_core.Mat;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * What one classifier call needs for itself, never used by two threads at once (a {@link
 * WorkerPool} lends it out): a decoder, a preprocessor, the input buffer and a row of scores. Its
 * {@link #fill} is the one path from images to a model's input: decode each image, preprocess it
 * into the buffer, and pad a fixed batch with zeros.
 */
final class Worker {
    // Logged as the classifier, the type applications configure logging for.
    private static final Logger LOG = LoggerFactory.getLogger(ImageClassifier.class);

    private final Path modelPath;
    private final Preprocessing preprocessing;
    private final Preprocessor preprocessor;
    private final ImageDecoder decoder;
    private final float[] scores;
    private OpenCVFrameConverter.ToMat converter;
    private FloatBuffer buffer;
    private ShortBuffer half;

    /**
     * A worker for a bound model.
     *
     * @param model the model the worker fills inputs for
     * @param maxImagePixels the largest image decoded, in pixels
     */
    Worker(ModelBinding model, long maxImagePixels) {
        this.modelPath = model.modelPath();
        this.preprocessing = model.preprocessing();
        this.preprocessor = new Preprocessor(preprocessing);
        this.decoder = new ImageDecoder(maxImagePixels);
        this.scores = new float[Math.max(model.numClasses(), 1)];
    }

    /**
     * Images in the input buffer, and what decoding and preprocessing each took.
     *
     * @param buffer the input, flipped for reading: {@code rows} images, zeros after the last one
     * @param rows the rows of the input
     * @param decodeMs per image, the milliseconds its decoding took
     * @param preprocessMs per image, the milliseconds its preprocessing took
     */
    record Filled(FloatBuffer buffer, int rows, double[] decodeMs, double[] preprocessMs) {}

    /**
     * Decodes and preprocesses {@code images} into this worker's input buffer, padded with zeros to
     * {@code rows} images. The buffer stays valid until this worker's next {@code fill}.
     *
     * @param images the images, at most {@code rows}
     * @param rows the rows of the run
     * @throws ImageException when an image cannot be read, decoded or converted (the message names
     *     it)
     */
    Filled fill(List<ImageInput> images, int rows) throws ImageException {
        int n = images.size();
        int floats = rows * InputTensors.imageFloats(preprocessing);
        FloatBuffer buf = buffer(floats);
        double[] decodeMs = new double[n];
        double[] preprocessMs = new double[n];
        for (int i = 0; i < n; i++) {
            long t0 = System.nanoTime();
            Decoded d = decode(images.get(i));
            long t1 = System.nanoTime();
            try {
                preprocessor.write(d.mat, buf);
            } finally {
                d.close();
            }
            decodeMs[i] = (t1 - t0) / 1e6;
            preprocessMs[i] = (System.nanoTime() - t1) / 1e6;
        }
        while (buf.position() < floats) {
            buf.put(0f);
        }
        buf.flip();
        return new Filled(buf, rows, decodeMs, preprocessMs);
    }

    /** A row of room for {@link Scores#top}. */
    float[] scores() {
        return scores;
    }

    /** A cleared float16 buffer of at least {@code n} values, for the input's conversion. */
    ShortBuffer halfBuffer(int n) {
        if (half == null || half.capacity() < n) {
            half = InputTensors.newHalfBuffer(n);
        }
        half.clear();
        return half;
    }

    private FloatBuffer buffer(int floats) {
        if (buffer == null || buffer.capacity() < floats) {
            buffer = InputTensors.newFloatBuffer(floats);
        }
        buffer.clear();
        buffer.limit(floats);
        return buffer;
    }

    private OpenCVFrameConverter.ToMat converter() {
        if (converter == null) {
            converter = new OpenCVFrameConverter.ToMat();
        }
        return converter;
    }

    // ---------------------------------------------------------------------------------------
    // Decoding

    /** An 8-bit BGR image, closed after use when this worker made it. */
    private record Decoded(Mat mat, boolean owned) {
        void close() {
            if (owned) {
                mat.close();
            }
        }
    }

    private Decoded decode(ImageInput image) throws ImageException {
        int minShortSide = preprocessing.decodeShortSide();
        switch (image.kind()) {
            case FILE:
                return new Decoded(decoder.decode((Path) image.source(), minShortSide), true);
            case BYTES:
                return new Decoded(
                        decoder.decode((byte[]) image.source(), image.name(), minShortSide), true);
            case BUFFERED_IMAGE:
                try {
                    return new Decoded(
                            ImageDecoder.fromBufferedImage((BufferedImage) image.source()), true);
                } catch (RuntimeException e) {
                    throw new ImageException(
                            "Cannot convert " + image.name() + ": " + e.getMessage(), e);
                }
            case MAT:
                return fromMat((Mat) image.source(), image.name());
            case FRAME:
                Frame f = (Frame) image.source();
                if (f.image == null || f.imageWidth <= 0 || f.imageHeight <= 0) {
                    throw new ImageException(
                            "Frame holds no image (an audio frame, or the end of a stream?)");
                }
                Mat m;
                try {
                    m = converter().convert(f);
                } catch (RuntimeException e) {
                    throw new ImageException(
                            "Cannot convert frame of depth "
                                    + f.imageDepth
                                    + " with "
                                    + f.imageChannels
                                    + " channels: "
                                    + e.getMessage(),
                            e);
                }
                if (m == null) {
                    throw new ImageException("Frame holds no image");
                }
                // The converter's Mat wraps the frame's pixels and is reused: fromMat never owns
                // it.
                return fromMat(m, image.name());
            default:
                throw new IllegalStateException("Unknown input kind " + image.kind());
        }
    }

    private static Decoded fromMat(Mat m, String name) throws ImageException {
        if (m.isNull() || m.empty()) {
            throw new ImageException("Image " + name + " is empty");
        }
        if (m.type() == opencv_core.CV_8UC3) {
            return new Decoded(m, false);
        }
        try {
            return new Decoded(ImageDecoder.toBgr8(m), true);
        } catch (RuntimeException e) {
            throw new ImageException(
                    "Image "
                            + name
                            + " has an unsupported type ("
                            + m.channels()
                            + " channels, depth "
                            + m.depth()
                            + "), expected 8-bit BGR, gray or BGRA: "
                            + e.getMessage(),
                    e);
        }
    }

    /** Releases the native memory; a failure is logged so that the rest still closes. */
    void close() {
        try {
            preprocessor.close();
        } catch (RuntimeException e) {
            LOG.warn("Failed to close a preprocessor of {}", modelPath, e);
        }
        if (converter != null) {
            try {
                converter.close();
            } catch (RuntimeException e) {
                LOG.warn("Failed to close a frame converter of {}", modelPath, e);
            }
        }
    }
}
