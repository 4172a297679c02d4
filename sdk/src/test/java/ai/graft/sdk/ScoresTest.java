package ai.graft.sdk;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

class ScoresTest {

    @Test
    void probabilityRule_decidesPerRow() {
        assertTrue(Scores.looksLikeProbabilities(new float[] {0.2f, 0.3f, 0.5f}, 3));
        assertTrue(Scores.looksLikeProbabilities(new float[] {0.2f, 0.3f, 0.5005f}, 3));
        assertTrue(!Scores.looksLikeProbabilities(new float[] {0.2f, 0.3f, 0.4f}, 3));
        assertTrue(!Scores.looksLikeProbabilities(new float[] {-0.1f, 0.6f, 0.5f}, 3));
        assertTrue(!Scores.looksLikeProbabilities(new float[] {2f, -1f, 0f}, 3));
    }

    @Test
    void softmax_ofLargeLogitsStaysFiniteAndSumsToOne() {
        // exp(1000) overflows a double: only the shift by the maximum keeps this finite.
        float[] v = {1000f, 1000f + (float) Math.log(3), 0f, 7f};
        Scores.softmax(v, 3);
        assertArrayEquals(new float[] {0.25f, 0.75f, 0f, 7f}, v, 1e-4f);
    }
}
