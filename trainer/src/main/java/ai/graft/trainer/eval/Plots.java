package ai.graft.trainer.eval;

import ai.graft.converter.AtomicFiles;
import ai.graft.converter.checkpoint.EpochMetrics;
import java.awt.BasicStroke;
import java.awt.Color;
import java.awt.Font;
import java.awt.FontMetrics;
import java.awt.Graphics2D;
import java.awt.RenderingHints;
import java.awt.Stroke;
import java.awt.geom.AffineTransform;
import java.awt.geom.Ellipse2D;
import java.awt.geom.Line2D;
import java.awt.geom.Path2D;
import java.awt.image.BufferedImage;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import java.util.Objects;
import java.util.function.ToDoubleFunction;
import javax.imageio.ImageIO;

/**
 * PNG plots for training reports: the learning curves and the confusion matrix ({@link
 * TradeoffPlot}, for comparisons, shares the drawing helpers here). Drawn with Java2D and written
 * with ImageIO, so they need no display (the JVM is put in headless mode unless told otherwise) and
 * no plotting library. Each file is written atomically.
 *
 * <pre>{@code
 * Plots.learningCurves(result.history(), out.resolve("learning-curves.png"));
 * Plots.confusionMatrix(result.evaluation(), out.resolve("confusion-matrix.png"));
 * }</pre>
 */
public final class Plots {
    static {
        // Plots must render on servers without a display; respect an explicit choice.
        if (System.getProperty("java.awt.headless") == null) {
            System.setProperty("java.awt.headless", "true");
        }
    }

    private static final Color TRAIN = new Color(0x1f, 0x77, 0xb4);
    private static final Color VAL = new Color(0xff, 0x7f, 0x0e);
    static final Color GRID = new Color(0xe0, 0xe0, 0xe0);
    static final Color AXIS = new Color(0x33, 0x33, 0x33);
    static final Color TEXT = new Color(0x22, 0x22, 0x22);
    static final Color NOTE = new Color(0x77, 0x77, 0x77);
    static final Font TITLE = new Font(Font.SANS_SERIF, Font.BOLD, 16);
    static final Font LABEL = new Font(Font.SANS_SERIF, Font.PLAIN, 13);
    static final Font TICK = new Font(Font.SANS_SERIF, Font.PLAIN, 11);

    private Plots() {}

    /**
     * Draws the learning curves: training and validation loss (left panel) and accuracy (right
     * panel) per epoch, with axes, grid, labels and a legend. Values that are NaN are left out.
     *
     * @param epochs the per-epoch metrics, in order; may be empty (the plot then says so)
     * @param png the file to write
     * @throws IOException when the file cannot be written
     */
    public static void learningCurves(List<EpochMetrics> epochs, Path png) throws IOException {
        Objects.requireNonNull(epochs, "epochs");
        int width = 1200;
        int height = 480;
        BufferedImage image = new BufferedImage(width, height, BufferedImage.TYPE_INT_RGB);
        Graphics2D g = start(image);
        try {
            g.setFont(TITLE);
            g.setColor(TEXT);
            String count = epochs.size() + (epochs.size() == 1 ? " epoch" : " epochs");
            centered(g, "Learning curves (" + count + ")", width / 2, 26);
            double maxLoss = 0;
            for (EpochMetrics e : epochs) {
                maxLoss = maxFinite(maxLoss, e.trainLoss());
                maxLoss = maxFinite(maxLoss, e.valLoss());
            }
            Panel loss =
                    new Panel(
                            80,
                            50,
                            width / 2 - 110,
                            height - 120,
                            "Loss",
                            "epoch",
                            "loss",
                            epochRange(epochs),
                            niceTop(maxLoss));
            Panel acc =
                    new Panel(
                            width / 2 + 70,
                            50,
                            width / 2 - 110,
                            height - 120,
                            "Accuracy",
                            "epoch",
                            "accuracy",
                            epochRange(epochs),
                            1.0);
            loss.draw(g, epochs, EpochMetrics::trainLoss, EpochMetrics::valLoss);
            acc.draw(g, epochs, EpochMetrics::trainAccuracy, EpochMetrics::valAccuracy);
        } finally {
            g.dispose();
        }
        write(image, png);
    }

    /**
     * Draws the confusion matrix as a heat map: rows are true classes, columns predicted ones; a
     * cell's colour is its share of the true class's images (so that small classes show as clearly
     * as large ones) and, where the cell is large enough, it shows its count. Class names label the
     * axes while they fit.
     *
     * @param r the evaluation
     * @param png the file to write
     * @throws IOException when the file cannot be written
     */
    public static void confusionMatrix(EvaluationResult r, Path png) throws IOException {
        Objects.requireNonNull(r, "r");
        List<String> classes = r.classes();
        int[][] m = r.confusion();
        int n = classes.size();
        int cell = Math.max(2, Math.min(64, 640 / Math.max(1, n)));
        boolean names = cell >= 11;
        boolean counts = cell >= 26;
        Font nameFont = new Font(Font.SANS_SERIF, Font.PLAIN, Math.min(13, cell - 2));

        // Measure label space on a scratch graphics before sizing the image.
        BufferedImage scratch = new BufferedImage(1, 1, BufferedImage.TYPE_INT_RGB);
        Graphics2D sg = scratch.createGraphics();
        sg.setFont(nameFont);
        FontMetrics nfm = sg.getFontMetrics();
        int labelSpace = 0;
        if (names) {
            for (String c : classes) {
                labelSpace = Math.max(labelSpace, nfm.stringWidth(fit(c, nfm, 180)));
            }
        }
        sg.dispose();

        int grid = n * cell;
        int left = 50 + labelSpace + 8;
        int top = 70;
        int colourBar = 90;
        int width = Math.max(left + grid + colourBar + 20, 520);
        int height = top + grid + labelSpace + 60;
        BufferedImage image = new BufferedImage(width, height, BufferedImage.TYPE_INT_RGB);
        Graphics2D g = start(image);
        try {
            g.setFont(TITLE);
            g.setColor(TEXT);
            String title =
                    String.format(
                            Locale.ROOT,
                            "Confusion matrix: %d images, accuracy %.3f",
                            r.samples(),
                            r.accuracy());
            centered(g, title, width / 2, 26);
            g.setFont(TICK);
            g.setColor(NOTE);
            centered(
                    g,
                    "rows: true class, columns: predicted class; colour: share of the true class",
                    width / 2,
                    46);

            for (int i = 0; i < n; i++) {
                int rowTotal = 0;
                for (int j = 0; j < n; j++) {
                    rowTotal += m[i][j];
                }
                for (int j = 0; j < n; j++) {
                    double share = rowTotal == 0 ? 0 : (double) m[i][j] / rowTotal;
                    int x = left + j * cell;
                    int y = top + i * cell;
                    g.setColor(heat(share));
                    g.fillRect(x, y, cell, cell);
                    if (counts) {
                        g.setColor(share > 0.5 ? Color.WHITE : TEXT);
                        String s = Integer.toString(m[i][j]);
                        Font f =
                                new Font(
                                        Font.SANS_SERIF,
                                        i == j ? Font.BOLD : Font.PLAIN,
                                        Math.min(14, cell / 2));
                        g.setFont(f);
                        FontMetrics fm = g.getFontMetrics();
                        if (fm.stringWidth(s) < cell - 2) {
                            g.drawString(
                                    s,
                                    x + (cell - fm.stringWidth(s)) / 2,
                                    y + (cell + fm.getAscent() - fm.getDescent()) / 2);
                        }
                    }
                }
            }
            if (cell >= 6) {
                g.setColor(new Color(0xcc, 0xcc, 0xcc));
                g.setStroke(new BasicStroke(1f));
                for (int i = 0; i <= n; i++) {
                    g.drawLine(left, top + i * cell, left + grid, top + i * cell);
                    g.drawLine(left + i * cell, top, left + i * cell, top + grid);
                }
            }
            g.setColor(AXIS);
            g.drawRect(left, top, grid, grid);

            if (names) {
                g.setFont(nameFont);
                FontMetrics fm = g.getFontMetrics();
                g.setColor(TEXT);
                for (int i = 0; i < n; i++) {
                    String s = fit(classes.get(i), fm, 180);
                    int yc = top + i * cell + (cell + fm.getAscent() - fm.getDescent()) / 2;
                    g.drawString(s, left - 6 - fm.stringWidth(s), yc);
                }
                // Column names read bottom-up, rotated a quarter turn, under the matrix.
                AffineTransform saved = g.getTransform();
                for (int j = 0; j < n; j++) {
                    String s = fit(classes.get(j), fm, 180);
                    int xc = left + j * cell + (cell + fm.getAscent() - fm.getDescent()) / 2;
                    g.setTransform(saved);
                    g.translate(xc, top + grid + 6 + fm.stringWidth(s));
                    g.rotate(-Math.PI / 2);
                    g.drawString(s, 0, 0);
                }
                g.setTransform(saved);
            } else {
                g.setFont(TICK);
                g.setColor(NOTE);
                g.drawString(
                        n + " classes: too many to name here (see report.json)",
                        left,
                        top + grid + 18);
            }

            g.setFont(LABEL);
            g.setColor(TEXT);
            centered(g, "predicted class", left + grid / 2, height - 14);
            AffineTransform saved = g.getTransform();
            g.translate(22, top + grid / 2);
            g.rotate(-Math.PI / 2);
            centered(g, "true class", 0, 0);
            g.setTransform(saved);

            drawColourBar(g, left + grid + 30, top, Math.max(grid, 120));
        } finally {
            g.dispose();
        }
        write(image, png);
    }

    private static void drawColourBar(Graphics2D g, int x, int y, int h) {
        int w = 16;
        for (int i = 0; i < h; i++) {
            g.setColor(heat(1.0 - (double) i / (h - 1)));
            g.fillRect(x, y + i, w, 1);
        }
        g.setColor(AXIS);
        g.drawRect(x, y, w, h);
        g.setFont(TICK);
        FontMetrics fm = g.getFontMetrics();
        for (int t = 0; t <= 4; t++) {
            double v = t / 4.0;
            int ty = y + (int) Math.round((1 - v) * h);
            g.drawLine(x + w, ty, x + w + 4, ty);
            g.drawString(
                    String.format(Locale.ROOT, "%.2f", v),
                    x + w + 7,
                    ty + (fm.getAscent() - fm.getDescent()) / 2);
        }
    }

    /** White (0) to dark blue (1). */
    static Color heat(double share) {
        double s = Math.max(0, Math.min(1, share));
        int r = (int) Math.round(247 + (8 - 247) * s);
        int gr = (int) Math.round(251 + (48 - 251) * s);
        int b = (int) Math.round(255 + (107 - 255) * s);
        return new Color(r, gr, b);
    }

    /** One chart: a frame, axes with ticks and labels, and train/validation lines. */
    private record Panel(
            int x,
            int y,
            int w,
            int h,
            String title,
            String xLabel,
            String yLabel,
            double[] xRange,
            double yMax) {

        void draw(
                Graphics2D g,
                List<EpochMetrics> epochs,
                ToDoubleFunction<EpochMetrics> train,
                ToDoubleFunction<EpochMetrics> val) {
            Stroke savedStroke = g.getStroke();
            g.setStroke(new BasicStroke(1f));
            g.setFont(LABEL);
            g.setColor(TEXT);
            centered(g, title, x + w / 2, y - 8);

            double xMin = xRange[0];
            double xMax = xRange[1];
            double yStep = niceStep(yMax, 5);
            g.setFont(TICK);
            FontMetrics fm = g.getFontMetrics();
            for (double v = 0; v <= yMax + yStep * 1e-6; v += yStep) {
                int py = py(v);
                g.setColor(GRID);
                g.drawLine(x, py, x + w, py);
                g.setColor(AXIS);
                g.drawLine(x - 4, py, x, py);
                String s = tickLabel(v, yStep);
                g.drawString(
                        s, x - 7 - fm.stringWidth(s), py + (fm.getAscent() - fm.getDescent()) / 2);
            }
            double xStep = Math.max(1, niceStep(xMax - xMin, 8));
            double firstTick = Math.ceil(xMin / xStep) * xStep;
            for (double v = firstTick; v <= xMax + 1e-9; v += xStep) {
                int px = px(v);
                g.setColor(GRID);
                g.drawLine(px, y, px, y + h);
                g.setColor(AXIS);
                g.drawLine(px, y + h, px, y + h + 4);
                String s = tickLabel(v, xStep);
                g.drawString(s, px - fm.stringWidth(s) / 2, y + h + 6 + fm.getAscent());
            }
            g.setColor(AXIS);
            g.drawRect(x, y, w, h);

            g.setFont(LABEL);
            g.setColor(TEXT);
            centered(g, xLabel, x + w / 2, y + h + 40);
            AffineTransform saved = g.getTransform();
            g.translate(x - 52, y + h / 2);
            g.rotate(-Math.PI / 2);
            centered(g, yLabel, 0, 0);
            g.setTransform(saved);

            if (epochs.isEmpty()) {
                g.setColor(NOTE);
                centered(g, "no epochs recorded", x + w / 2, y + h / 2);
                g.setStroke(savedStroke);
                return;
            }
            boolean marks = epochs.size() <= 40;
            boolean anyTrain = series(g, epochs, train, TRAIN, marks);
            boolean anyVal = series(g, epochs, val, VAL, marks);
            g.setStroke(new BasicStroke(1f));
            legend(g, anyTrain, anyVal);
            g.setStroke(savedStroke);
        }

        private boolean series(
                Graphics2D g,
                List<EpochMetrics> epochs,
                ToDoubleFunction<EpochMetrics> f,
                Color colour,
                boolean marks) {
            g.setColor(colour);
            g.setStroke(new BasicStroke(2.2f, BasicStroke.CAP_ROUND, BasicStroke.JOIN_ROUND));
            Path2D.Double path = new Path2D.Double();
            boolean open = false;
            boolean any = false;
            for (EpochMetrics e : epochs) {
                double v = f.applyAsDouble(e);
                if (!Double.isFinite(v)) {
                    open = false; // a gap in the line
                    continue;
                }
                any = true;
                double px = pxd(e.epoch());
                double py = pyd(v);
                if (open) {
                    path.lineTo(px, py);
                } else {
                    path.moveTo(px, py);
                    open = true;
                }
                if (marks || epochs.size() == 1) {
                    g.fill(new Ellipse2D.Double(px - 3, py - 3, 6, 6));
                }
            }
            g.draw(path);
            return any;
        }

        private void legend(Graphics2D g, boolean train, boolean val) {
            g.setFont(TICK);
            FontMetrics fm = g.getFontMetrics();
            int lw = 26 + fm.stringWidth("validation") + 14;
            int lh = 2 * (fm.getHeight() + 4) + 8;
            int lx = x + w - lw - 8;
            // Accuracy rises towards the top and loss falls towards the bottom: keep clear of both.
            int ly = title.equals("Accuracy") ? y + h - lh - 8 : y + 8;
            g.setColor(new Color(255, 255, 255, 230));
            g.fillRect(lx, ly, lw, lh);
            g.setColor(GRID.darker());
            g.drawRect(lx, ly, lw, lh);
            int row = ly + 6 + fm.getAscent();
            entry(g, fm, lx, row, TRAIN, train ? "train" : "train (none)");
            entry(g, fm, lx, row + fm.getHeight() + 4, VAL, val ? "validation" : "val (none)");
        }

        private static void entry(
                Graphics2D g, FontMetrics fm, int lx, int baseline, Color c, String text) {
            int mid = baseline - (fm.getAscent() - fm.getDescent()) / 2;
            g.setColor(c);
            g.setStroke(new BasicStroke(2.5f));
            g.draw(new Line2D.Double(lx + 6, mid, lx + 24, mid));
            g.setStroke(new BasicStroke(1f));
            g.setColor(TEXT);
            g.drawString(text, lx + 30, baseline);
        }

        private double pxd(double v) {
            return x + (v - xRange[0]) / (xRange[1] - xRange[0]) * w;
        }

        private int px(double v) {
            return (int) Math.round(pxd(v));
        }

        private double pyd(double v) {
            return y + h - Math.min(1.0, Math.max(0, v / yMax)) * h;
        }

        private int py(double v) {
            return (int) Math.round(pyd(v));
        }
    }

    private static double[] epochRange(List<EpochMetrics> epochs) {
        if (epochs.isEmpty()) {
            return new double[] {0, 1};
        }
        double lo = Double.POSITIVE_INFINITY;
        double hi = Double.NEGATIVE_INFINITY;
        for (EpochMetrics e : epochs) {
            lo = Math.min(lo, e.epoch());
            hi = Math.max(hi, e.epoch());
        }
        if (hi - lo < 1) {
            return new double[] {lo - 0.5, hi + 0.5};
        }
        return new double[] {lo, hi};
    }

    private static double maxFinite(double max, double v) {
        return Double.isFinite(v) ? Math.max(max, v) : max;
    }

    /** The top of an axis from 0 that shows {@code v}: a whole number of round steps. */
    static double niceTop(double v) {
        if (!(v > 0)) {
            return 1.0;
        }
        double step = niceStep(v, 5);
        return Math.max(1, Math.ceil(v / step - 1e-9)) * step;
    }

    /** A round step giving at most about {@code ticks} intervals over {@code span}. */
    static double niceStep(double span, int ticks) {
        if (!(span > 0)) {
            return 1.0;
        }
        double raw = span / ticks;
        double p = Math.pow(10, Math.floor(Math.log10(raw)));
        for (double m : new double[] {1, 2, 2.5, 5, 10}) {
            if (m * p >= raw) {
                return m * p;
            }
        }
        return 10 * p;
    }

    static String tickLabel(double v, double step) {
        if (step >= 1 && Math.abs(v - Math.rint(v)) < 1e-9) {
            return Long.toString(Math.round(v));
        }
        int decimals = (int) Math.max(0, Math.ceil(-Math.log10(step) + 1e-9));
        if (Math.abs(step * Math.pow(10, decimals) - Math.rint(step * Math.pow(10, decimals)))
                > 1e-6) {
            decimals++;
        }
        return String.format(Locale.ROOT, "%." + decimals + "f", v);
    }

    /** The text cut with an ellipsis to at most {@code max} pixels wide. */
    static String fit(String s, FontMetrics fm, int max) {
        if (fm.stringWidth(s) <= max) {
            return s;
        }
        String cut = s;
        while (cut.length() > 1 && fm.stringWidth(cut + "\u2026") > max) {
            cut = cut.substring(0, cut.length() - 1);
        }
        return cut + "\u2026";
    }

    static Graphics2D start(BufferedImage image) {
        Graphics2D g = image.createGraphics();
        g.setRenderingHint(RenderingHints.KEY_ANTIALIASING, RenderingHints.VALUE_ANTIALIAS_ON);
        g.setRenderingHint(
                RenderingHints.KEY_TEXT_ANTIALIASING, RenderingHints.VALUE_TEXT_ANTIALIAS_ON);
        g.setRenderingHint(RenderingHints.KEY_STROKE_CONTROL, RenderingHints.VALUE_STROKE_PURE);
        g.setColor(Color.WHITE);
        g.fillRect(0, 0, image.getWidth(), image.getHeight());
        return g;
    }

    static void centered(Graphics2D g, String s, int cx, int baseline) {
        g.drawString(s, cx - g.getFontMetrics().stringWidth(s) / 2, baseline);
    }

    static void write(BufferedImage image, Path png) throws IOException {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        if (!ImageIO.write(image, "png", bytes)) {
            throw new IOException("No PNG writer available to write " + png);
        }
        AtomicFiles.write(png, bytes.toByteArray());
    }
}
