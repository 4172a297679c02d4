package ai.graft.trainer.eval;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.awt.image.BufferedImage;
import java.nio.file.Path;
import java.util.List;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class TradeoffPlotTest {
    @TempDir Path dir;

    private static final int CHOSEN = 0xff7f0e;
    private static final int FRONT = 0x1f77b4;

    /** Pixels within 40 of a colour on each channel (anti-aliasing blends edges). */
    private static long count(BufferedImage image, int rgb) {
        long n = 0;
        for (int y = 0; y < image.getHeight(); y++) {
            for (int x = 0; x < image.getWidth(); x++) {
                int p = image.getRGB(x, y);
                boolean near = true;
                for (int shift = 0; shift <= 16; shift += 8) {
                    near &= Math.abs(((p >> shift) & 0xff) - ((rgb >> shift) & 0xff)) <= 40;
                }
                n += near ? 1 : 0;
            }
        }
        return n;
    }

    private static List<TradeoffPlot.Point> points(boolean chosen) {
        return List.of(
                new TradeoffPlot.Point("fast", 4, 0.80, 1, true, false),
                new TradeoffPlot.Point("accurate", 40, 0.95, 50, true, chosen),
                new TradeoffPlot.Point("dominated", 30, 0.85, 20, false, false));
    }

    @Test
    void radius_makesTheMarkerAreaProportionalToTheFileSize() {
        assertEquals(30, TradeoffPlot.radius(100, 100), 1e-9);
        assertEquals(15, TradeoffPlot.radius(25, 100), 1e-9);
        assertEquals(5, TradeoffPlot.radius(0.01, 100), 1e-9, "never smaller than 5 pixels");
        assertEquals(5, TradeoffPlot.radius(0, 0), 1e-9);
    }

    @Test
    void draw_ringsTheChosenModel_andDrawsTheFrontInItsColour() throws Exception {
        Path chosen = dir.resolve("chosen.png");
        TradeoffPlot.draw(points(true), null, "Top-1 against latency", chosen);
        BufferedImage image = ImageIO.read(chosen.toFile());
        assertEquals(1000, image.getWidth());
        assertEquals(660, image.getHeight());
        assertTrue(count(image, CHOSEN) > 100, "the chosen model's ring");
        assertTrue(count(image, FRONT) > 100, "the front's line and markers");

        Path none = dir.resolve("none.png");
        TradeoffPlot.draw(points(false), null, "Top-1 against latency", none);
        assertEquals(0, count(ImageIO.read(none.toFile()), CHOSEN), "no ring, no budget line");

        Path budget = dir.resolve("budget.png");
        TradeoffPlot.draw(points(false), 20.0, "Top-1 against latency", budget);
        assertTrue(count(ImageIO.read(budget.toFile()), CHOSEN) > 100, "the budget line");
    }

    @Test
    void draw_withNoModel_writesAPlotThatSaysSo() throws Exception {
        Path png = dir.resolve("empty.png");
        TradeoffPlot.draw(List.of(), null, "Nothing measured", png);
        assertEquals(1000, ImageIO.read(png.toFile()).getWidth());
    }
}
