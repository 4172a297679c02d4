package ai.graft.trainer.data;

import java.util.Objects;

/**
 * A sample that was left out because it could not be used (a file that does not decode, is missing
 * or is too large), with the reason. One bad file never stops a run; it is listed in the report
 * instead.
 *
 * @param id the sample's id ({@link Sample#id()})
 * @param reason why it was skipped, for example the decoder's message
 */
public record Skipped(String id, String reason) {
    /**
     * Validates the fields.
     *
     * @param id the sample's id
     * @param reason why it was skipped
     */
    public Skipped {
        Objects.requireNonNull(id, "id");
        Objects.requireNonNull(reason, "reason");
    }
}
