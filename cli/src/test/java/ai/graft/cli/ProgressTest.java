package ai.graft.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.io.PrintWriter;
import java.io.StringWriter;
import org.junit.jupiter.api.Test;

class ProgressTest {
    @Test
    void inAPipe_linesToKeepArePrinted_andTheStatusIsNot() {
        StringWriter text = new StringWriter();
        try (Progress p = new Progress(new PrintWriter(text), false)) {
            p.log("data: 2 classes");
            p.status("epoch 1/2 [####......] 3/8");
            p.log("epoch 1/2: loss 0.5");
        }
        assertEquals(
                "data: 2 classes"
                        + System.lineSeparator()
                        + "epoch 1/2: loss 0.5"
                        + System.lineSeparator(),
                text.toString());
    }

    @Test
    void onATerminal_theStatusIsRedrawnInPlace_andALineToKeepReplacesIt_andClosingClearsIt() {
        StringWriter text = new StringWriter();
        try (Progress p = new Progress(new PrintWriter(text), true)) {
            p.status("epoch 1/2 [####......] 3/8");
            p.log("epoch 1/2: done");
            p.status("evaluated 32/64");
        }
        assertEquals(
                "\repoch 1/2 [####......] 3/8"
                        + "\repoch 1/2: done"
                        + " ".repeat(11)
                        + "\n"
                        + "\revaluated 32/64"
                        + "\r"
                        + " ".repeat(15)
                        + "\r",
                text.toString());
    }
}
