package ai.graft.trainer.eval;

import java.awt.BasicStroke;
import java.awt.Color;
import java.awt.FontMetrics;
import java.awt.Graphics2D;
import java.awt.geom.AffineTransform;
import java.awt.geom.Ellipse2D;
import java.awt.geom.Path2D;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;
import java.util.Objects;

/**
 * A PNG of models' accuracy against their latency, for comparing them: one marker per model, its
 * area proportional to the model's file size, labelled with its name; the Pareto front (the models
 * no other beats on both accuracy and latency) filled and joined by the staircase of the best
 * accuracy reachable at each latency; the chosen model ringed; an optional latency budget drawn as
 * a dashed line. Drawn with the helpers of {@link Plots}, written atomically.
 *
 * <pre>{@code
 * TradeoffPlot.draw(List.of(new TradeoffPlot.Point("squeezenet", 12.5, 0.91, 4.9, true, true)),
 *         20.0, "Accuracy against latency", Path.of("compare.png"));
 * }</pre>
 */
public final class TradeoffPlot {
    private static final Color FRONT = new Color(0x1f, 0x77, 0xb4);
    private static final Color OTHER = new Color(0x99, 0x99, 0x99);
    private static final Color CHOSEN = new Color(0xff, 0x7f, 0x0e);
    private static final int WIDTH = 1000;
    private static final int HEIGHT = 660;
    private static final int LEFT = 90;
    private static final int TOP = 60;
    private static final int RIGHT = 60;
    private static final int BOTTOM = 110;
    private static final double MIN_RADIUS = 5;
    private static final double MAX_RADIUS = 30;

    /**
     * One model on the plot.
     *
     * @param label its name
     * @param latencyMs its latency (x)
     * @param accuracy its accuracy in [0, 1] (y)
     * @param sizeMb its file size (marker area)
     * @param onFront whether it is on the Pareto front
     * @param chosen whether it is the chosen model
     */
    public record Point(
            String label,
            double latencyMs,
            double accuracy,
            double sizeMb,
            boolean onFront,
            boolean chosen) {}

    private TradeoffPlot() {}

    /**
     * Draws the plot.
     *
     * @param points the models; may be empty (the plot then says so)
     * @param latencyBudgetMs a latency budget to draw, or null
     * @param title the title
     * @param png the file to write
     * @throws IOException when the file cannot be written
     */
    public static void draw(List<Point> points, Double latencyBudgetMs, String title, Path png)
            throws IOException {
        Objects.requireNonNull(points, "points");
        BufferedImage image = new BufferedImage(WIDTH, HEIGHT, BufferedImage.TYPE_INT_RGB);
        Graphics2D g = Plots.start(image);
        try {
            g.setFont(Plots.TITLE);
            g.setColor(Plots.TEXT);
            Plots.centered(g, title, WIDTH / 2, 30);
            Axes axes = Axes.fit(points, latencyBudgetMs);
            axes.draw(g);
            if (points.isEmpty()) {
                g.setColor(Plots.NOTE);
                Plots.centered(g, "no model measured", axes.cx(), axes.cy());
            } else {
                if (latencyBudgetMs != null) {
                    budget(g, axes, latencyBudgetMs);
                }
                front(g, axes, points);
                markers(g, axes, points);
            }
            legend(g, points);
        } finally {
            g.dispose();
        }
        Plots.write(image, png);
    }

    /** The plot area and the value ranges it shows. */
    private record Axes(double xMax, double yMin) {
        static final int W = WIDTH - LEFT - RIGHT;
        static final int H = HEIGHT - TOP - BOTTOM;

        static Axes fit(List<Point> points, Double budget) {
            double maxLatency = budget == null ? 0 : budget;
            double minAccuracy = 1;
            for (Point p : points) {
                maxLatency = Math.max(maxLatency, p.latencyMs());
                minAccuracy = Math.min(minAccuracy, p.accuracy());
            }
            // Room on the right for the largest marker and its label.
            double xMax = Plots.niceTop(maxLatency * 1.15);
            double yMin = Math.max(0, Math.floor((minAccuracy - 0.05) * 10) / 10);
            return new Axes(xMax, yMin);
        }

        double x(double latencyMs) {
            return LEFT + latencyMs / xMax * W;
        }

        double y(double accuracy) {
            return TOP + H - (accuracy - yMin) / (1 - yMin) * H;
        }

        int cx() {
            return LEFT + W / 2;
        }

        int cy() {
            return TOP + H / 2;
        }

        void draw(Graphics2D g) {
            g.setStroke(new BasicStroke(1f));
            g.setFont(Plots.TICK);
            FontMetrics fm = g.getFontMetrics();
            double yStep = Plots.niceStep(1 - yMin, 5);
            for (double v = yMin; v <= 1 + 1e-9; v += yStep) {
                int py = (int) Math.round(y(v));
                g.setColor(Plots.GRID);
                g.drawLine(LEFT, py, LEFT + W, py);
                g.setColor(Plots.AXIS);
                String s = Plots.tickLabel(v, yStep);
                g.drawString(s, LEFT - 7 - fm.stringWidth(s), py + fm.getAscent() / 2 - 1);
            }
            double xStep = Plots.niceStep(xMax, 8);
            for (double v = 0; v <= xMax + 1e-9; v += xStep) {
                int px = (int) Math.round(x(v));
                g.setColor(Plots.GRID);
                g.drawLine(px, TOP, px, TOP + H);
                g.setColor(Plots.AXIS);
                String s = Plots.tickLabel(v, xStep);
                g.drawString(s, px - fm.stringWidth(s) / 2, TOP + H + 6 + fm.getAscent());
            }
            g.setColor(Plots.AXIS);
            g.drawRect(LEFT, TOP, W, H);
            g.setFont(Plots.LABEL);
            g.setColor(Plots.TEXT);
            Plots.centered(g, "latency p50, ms (end to end, one image)", cx(), TOP + H + 42);
            AffineTransform saved = g.getTransform();
            g.translate(30, cy());
            g.rotate(-Math.PI / 2);
            Plots.centered(g, "top-1 accuracy on the test images", 0, 0);
            g.setTransform(saved);
        }
    }

    private static void budget(Graphics2D g, Axes axes, double budgetMs) {
        int px = (int) Math.round(axes.x(budgetMs));
        g.setColor(CHOSEN);
        g.setStroke(
                new BasicStroke(
                        1.5f,
                        BasicStroke.CAP_BUTT,
                        BasicStroke.JOIN_MITER,
                        10f,
                        new float[] {6, 4},
                        0));
        g.drawLine(px, TOP, px, TOP + Axes.H);
        g.setFont(Plots.TICK);
        g.drawString("latency budget", px + 4, TOP + 14);
    }

    /** The staircase of the best accuracy reachable at each latency, through the front. */
    private static void front(Graphics2D g, Axes axes, List<Point> points) {
        List<Point> front =
                points.stream()
                        .filter(Point::onFront)
                        .sorted(Comparator.comparingDouble(Point::latencyMs))
                        .toList();
        if (front.isEmpty()) {
            return;
        }
        Path2D.Double line = new Path2D.Double();
        line.moveTo(axes.x(front.get(0).latencyMs()), axes.y(front.get(0).accuracy()));
        for (int i = 1; i < front.size(); i++) {
            line.lineTo(axes.x(front.get(i).latencyMs()), axes.y(front.get(i - 1).accuracy()));
            line.lineTo(axes.x(front.get(i).latencyMs()), axes.y(front.get(i).accuracy()));
        }
        Point last = front.get(front.size() - 1);
        line.lineTo(LEFT + Axes.W, axes.y(last.accuracy()));
        g.setColor(FRONT);
        g.setStroke(
                new BasicStroke(
                        1.5f,
                        BasicStroke.CAP_BUTT,
                        BasicStroke.JOIN_MITER,
                        10f,
                        new float[] {5, 4},
                        0));
        g.draw(line);
        g.setFont(Plots.TICK);
        FontMetrics fm = g.getFontMetrics();
        String s = "Pareto front";
        g.drawString(
                s,
                LEFT + Axes.W - fm.stringWidth(s) - 6,
                (int) Math.round(axes.y(last.accuracy())) - 5);
    }

    private static void markers(Graphics2D g, Axes axes, List<Point> points) {
        double maxSize = points.stream().mapToDouble(Point::sizeMb).max().orElse(1);
        g.setFont(Plots.TICK);
        FontMetrics fm = g.getFontMetrics();
        // Largest first, so that small markers stay visible on top of large ones.
        List<Point> order =
                points.stream()
                        .sorted(Comparator.comparingDouble(Point::sizeMb).reversed())
                        .toList();
        for (Point p : order) {
            double r = radius(p.sizeMb(), maxSize);
            double px = axes.x(p.latencyMs());
            double py = axes.y(p.accuracy());
            Color c = p.onFront() ? FRONT : OTHER;
            g.setColor(new Color(c.getRed(), c.getGreen(), c.getBlue(), 110));
            g.fill(new Ellipse2D.Double(px - r, py - r, 2 * r, 2 * r));
            g.setColor(c);
            g.setStroke(new BasicStroke(1.2f));
            g.draw(new Ellipse2D.Double(px - r, py - r, 2 * r, 2 * r));
            if (p.chosen()) {
                g.setColor(CHOSEN);
                g.setStroke(new BasicStroke(3f));
                g.draw(new Ellipse2D.Double(px - r - 4, py - r - 4, 2 * r + 8, 2 * r + 8));
            }
        }
        for (Point p : points) {
            double r = radius(p.sizeMb(), maxSize);
            String s = Plots.fit(p.label(), fm, 220);
            int tx = (int) Math.round(axes.x(p.latencyMs()) + r + 6);
            if (tx + fm.stringWidth(s) > WIDTH - 4) {
                tx = (int) Math.round(axes.x(p.latencyMs()) - r - 6) - fm.stringWidth(s);
            }
            int baseline = (int) Math.round(axes.y(p.accuracy())) + fm.getAscent() / 2 - 1;
            // A backing keeps the name readable across the front's line and the grid.
            g.setColor(new Color(255, 255, 255, 220));
            g.fillRect(tx - 2, baseline - fm.getAscent(), fm.stringWidth(s) + 4, fm.getHeight());
            g.setColor(Plots.TEXT);
            g.drawString(s, tx, baseline);
        }
    }

    /** Marker radius: area proportional to the size, the largest model at {@link #MAX_RADIUS}. */
    static double radius(double sizeMb, double maxSizeMb) {
        if (!(maxSizeMb > 0) || !(sizeMb > 0)) {
            return MIN_RADIUS;
        }
        return Math.max(MIN_RADIUS, MAX_RADIUS * Math.sqrt(sizeMb / maxSizeMb));
    }

    private static void legend(Graphics2D g, List<Point> points) {
        double maxSize = points.stream().mapToDouble(Point::sizeMb).max().orElse(0);
        g.setFont(Plots.TICK);
        g.setColor(Plots.NOTE);
        Plots.centered(
                g,
                String.format(
                        Locale.ROOT,
                        "marker area: file size (largest %.2f MB); blue: on the Pareto front;"
                                + " orange ring: the chosen model",
                        maxSize),
                WIDTH / 2,
                HEIGHT - 20);
    }
}
