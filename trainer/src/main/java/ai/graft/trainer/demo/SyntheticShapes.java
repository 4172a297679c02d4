package ai.graft.trainer.demo;

import java.awt.BasicStroke;
import java.awt.Color;
import java.awt.GradientPaint;
import java.awt.Graphics2D;
import java.awt.RenderingHints;
import java.awt.Shape;
import java.awt.geom.AffineTransform;
import java.awt.geom.Ellipse2D;
import java.awt.geom.Path2D;
import java.awt.geom.Rectangle2D;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import java.util.Random;
import javax.imageio.ImageIO;

/**
 * A labelled image set made on the spot: one class a kind of shape, drawn at a random size,
 * position, rotation and colour over a random gradient with noise, so that telling the classes
 * apart takes edges, corners and curves rather than a colour. Two sets of shapes share those
 * primitives, which makes one a related task for a network trained on the other: the setting of
 * transfer learning, without a download.
 *
 * <pre>{@code
 * SyntheticShapes.write(Path.of("shapes"), List.of("circle", "square"), 50, 64, 1L);
 * }</pre>
 */
public final class SyntheticShapes {
    /** The shapes of the pretraining task. */
    public static final List<String> SOURCE_TASK =
            List.of("circle", "square", "triangle", "cross", "star", "ring");

    /** The shapes of the transfer task: new classes built from the same primitives. */
    public static final List<String> TARGET_TASK =
            List.of("diamond", "hexagon", "plus-ring", "half-moon", "arrow");

    private SyntheticShapes() {}

    /**
     * Writes {@code perClass} PNG images of each class into {@code dir/<class>/}.
     *
     * @param dir the dataset folder (created)
     * @param classes shape names of {@link #SOURCE_TASK} or {@link #TARGET_TASK}
     * @param perClass images per class
     * @param size width and height in pixels
     * @param seed the same seed gives the same images
     * @throws IOException when a file cannot be written
     * @throws IllegalArgumentException for an unknown shape name
     */
    public static void write(Path dir, List<String> classes, int perClass, int size, long seed)
            throws IOException {
        Random random = new Random(seed);
        for (String name : classes) {
            Path folder = Files.createDirectories(dir.resolve(name));
            for (int i = 0; i < perClass; i++) {
                BufferedImage image = draw(name, size, random);
                Path file = folder.resolve(String.format(Locale.ROOT, "%s_%04d.png", name, i));
                if (!ImageIO.write(image, "png", file.toFile())) {
                    throw new UncheckedIOException(new IOException("No PNG writer for " + file));
                }
            }
        }
    }

    /**
     * Draws one image of a class.
     *
     * @param name a shape name
     * @param size width and height in pixels
     * @param random the source of every random choice
     * @return an RGB image
     */
    public static BufferedImage draw(String name, int size, Random random) {
        BufferedImage image = new BufferedImage(size, size, BufferedImage.TYPE_INT_RGB);
        Graphics2D g = image.createGraphics();
        try {
            g.setRenderingHint(RenderingHints.KEY_ANTIALIASING, RenderingHints.VALUE_ANTIALIAS_ON);
            Color a = randomColor(random);
            Color b = randomColor(random);
            g.setPaint(
                    new GradientPaint(
                            random.nextFloat() * size, 0, a, random.nextFloat() * size, size, b));
            g.fillRect(0, 0, size, size);
            Color ink = contrasting(a, b, random);
            double scale = size * (0.45 + 0.4 * random.nextDouble());
            double cx = size / 2.0 + (random.nextDouble() - 0.5) * (size - scale) * 0.8;
            double cy = size / 2.0 + (random.nextDouble() - 0.5) * (size - scale) * 0.8;
            AffineTransform at = new AffineTransform();
            at.translate(cx, cy);
            at.rotate(random.nextDouble() * 2 * Math.PI);
            at.scale(scale / 2, scale / 2);
            Shape unit = shape(name);
            g.setColor(ink);
            if (outlined(name)) {
                g.setStroke(new BasicStroke((float) (size * (0.05 + 0.03 * random.nextDouble()))));
                g.draw(at.createTransformedShape(unit));
            } else {
                g.fill(at.createTransformedShape(unit));
            }
        } finally {
            g.dispose();
        }
        addNoise(image, random, 12);
        return image;
    }

    private static boolean outlined(String name) {
        return name.equals("ring") || name.equals("plus-ring");
    }

    /** The shape in a unit box centred on the origin ([-1, 1] on both axes). */
    private static Shape shape(String name) {
        return switch (name) {
            case "circle", "ring" -> new Ellipse2D.Double(-1, -1, 2, 2);
            case "square" -> new Rectangle2D.Double(-0.8, -0.8, 1.6, 1.6);
            case "triangle" -> polygon(3, 1, 0);
            case "cross" -> cross(0.3);
            case "star" -> star(5, 1, 0.45);
            case "diamond" -> diamond();
            case "hexagon" -> polygon(6, 1, 0);
            case "plus-ring" -> plusRing();
            case "half-moon" -> halfMoon();
            case "arrow" -> arrow();
            default ->
                    throw new IllegalArgumentException(
                            "Unknown shape '"
                                    + name
                                    + "', expected one of "
                                    + SOURCE_TASK
                                    + " or "
                                    + TARGET_TASK);
        };
    }

    private static Path2D polygon(int sides, double radius, double phase) {
        Path2D p = new Path2D.Double();
        for (int i = 0; i < sides; i++) {
            double t = phase + 2 * Math.PI * i / sides;
            if (i == 0) {
                p.moveTo(radius * Math.cos(t), radius * Math.sin(t));
            } else {
                p.lineTo(radius * Math.cos(t), radius * Math.sin(t));
            }
        }
        p.closePath();
        return p;
    }

    private static Path2D star(int points, double outer, double inner) {
        Path2D p = new Path2D.Double();
        for (int i = 0; i < 2 * points; i++) {
            double r = i % 2 == 0 ? outer : inner;
            double t = Math.PI * i / points;
            if (i == 0) {
                p.moveTo(r * Math.cos(t), r * Math.sin(t));
            } else {
                p.lineTo(r * Math.cos(t), r * Math.sin(t));
            }
        }
        p.closePath();
        return p;
    }

    private static Path2D cross(double half) {
        Path2D p = new Path2D.Double();
        p.append(new Rectangle2D.Double(-1, -half, 2, 2 * half), false);
        p.append(new Rectangle2D.Double(-half, -1, 2 * half, 2), false);
        return p;
    }

    private static Path2D diamond() {
        Path2D p = new Path2D.Double();
        p.moveTo(0, -1);
        p.lineTo(0.55, 0);
        p.lineTo(0, 1);
        p.lineTo(-0.55, 0);
        p.closePath();
        return p;
    }

    private static Path2D plusRing() {
        Path2D p = new Path2D.Double();
        p.append(new Ellipse2D.Double(-1, -1, 2, 2), false);
        p.moveTo(-1, 0);
        p.lineTo(1, 0);
        p.moveTo(0, -1);
        p.lineTo(0, 1);
        return p;
    }

    private static Shape halfMoon() {
        java.awt.geom.Area moon = new java.awt.geom.Area(new Ellipse2D.Double(-1, -1, 2, 2));
        moon.subtract(new java.awt.geom.Area(new Ellipse2D.Double(-0.4, -1.1, 2, 2.2)));
        return moon;
    }

    private static Path2D arrow() {
        Path2D p = new Path2D.Double();
        p.moveTo(-1, -0.2);
        p.lineTo(0.2, -0.2);
        p.lineTo(0.2, -0.6);
        p.lineTo(1, 0);
        p.lineTo(0.2, 0.6);
        p.lineTo(0.2, 0.2);
        p.lineTo(-1, 0.2);
        p.closePath();
        return p;
    }

    private static Color randomColor(Random random) {
        return Color.getHSBColor(
                random.nextFloat(),
                0.2f + 0.6f * random.nextFloat(),
                0.2f + 0.7f * random.nextFloat());
    }

    /** A colour whose brightness differs from both background colours, so the shape shows. */
    private static Color contrasting(Color a, Color b, Random random) {
        float mean = (brightness(a) + brightness(b)) / 2;
        float v =
                mean > 0.5f ? 0.05f + 0.2f * random.nextFloat() : 0.8f + 0.2f * random.nextFloat();
        return Color.getHSBColor(random.nextFloat(), 0.3f + 0.7f * random.nextFloat(), v);
    }

    private static float brightness(Color c) {
        return Color.RGBtoHSB(c.getRed(), c.getGreen(), c.getBlue(), null)[2];
    }

    private static void addNoise(BufferedImage image, Random random, int amplitude) {
        for (int y = 0; y < image.getHeight(); y++) {
            for (int x = 0; x < image.getWidth(); x++) {
                int rgb = image.getRGB(x, y);
                int n = (int) Math.round(random.nextGaussian() * amplitude);
                int r = clamp(((rgb >> 16) & 0xff) + n);
                int gr = clamp(((rgb >> 8) & 0xff) + n);
                int bl = clamp((rgb & 0xff) + n);
                image.setRGB(x, y, (r << 16) | (gr << 8) | bl);
            }
        }
    }

    private static int clamp(int v) {
        return Math.max(0, Math.min(255, v));
    }
}
