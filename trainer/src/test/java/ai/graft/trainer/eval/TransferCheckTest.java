package ai.graft.trainer.eval;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class TransferCheckTest {
    @TempDir Path dir;

    @Test
    void poor_whenTheModelBarelyBeatsThePixels_andSaysWhatTheImagesAre() {
        TransferCheck c = new TransferCheck(0.785, 0.760, 32, 800, 200, 1000, 1000, 1000);

        assertTrue(c.poor());
        assertEquals(2.5, c.gainPoints(), 1e-9);
        String s = c.sentence();
        assertTrue(s.contains("transferred poorly"), s);
        assertTrue(s.contains("0.7600") && s.contains("0.7850"), s);
        assertTrue(s.contains("small (shorter side under 64 pixels) and gray"), s);
        assertTrue(s.contains("--strategy scratch"), s);
    }

    @Test
    void poor_saysPointsLessWhenThePixelsWin() {
        TransferCheck c = new TransferCheck(0.776, 0.788, 32, 1000, 250, 1250, 1250, 1250);

        assertTrue(c.poor());
        assertTrue(c.sentence().contains("and this model 0.7760, 1.2 points less."), c.sentence());
    }

    @Test
    void helped_whenTheModelIsWellAbove() {
        TransferCheck c = new TransferCheck(0.948, 0.597, 32, 245, 77, 322, 0, 3);

        assertFalse(c.poor());
        String s = c.sentence();
        assertTrue(s.startsWith("Transfer helped"), s);
        assertTrue(s.contains("35.1 points"), s);
        assertFalse(s.contains("gray"), s);
        assertEquals(false, c.toMap().get("poor"));
    }

    @Test
    void report_carriesTheFindingInMarkdownAndJson() throws Exception {
        TransferCheck c = new TransferCheck(0.70, 0.68, 32, 100, 50, 150, 150, 0);

        Reports.write(
                dir, ReportsTest.summary(), EvaluationResultTest.sample(), List.of(), c, null);

        String md = Files.readString(dir.resolve(Reports.REPORT_MD));
        assertTrue(md.contains("## Did transfer help?"), md);
        assertTrue(md.contains("These images are small (shorter side under 64 pixels),"), md);
        String json = Files.readString(dir.resolve(Reports.REPORT_JSON));
        assertTrue(json.contains("\"transfer\":{\"modelAccuracy\":0.7"), json);
        assertTrue(json.contains("\"poor\":true"), json);
    }
}
