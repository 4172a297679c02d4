package ai.graft.trainer.eval;

import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;

/**
 * Whether the pretrained backbone's features helped: the transferred model's validation accuracy
 * beside a linear classifier trained on the raw pixels of the same images, and what the images look
 * like. ImageNet features transfer poorly to images unlike ImageNet's photographs (small, gray,
 * drawn); then the model does little better than the pixels alone, and the report says so.
 *
 * @param modelAccuracy the transferred model's validation accuracy
 * @param pixelAccuracy the raw-pixel baseline's validation accuracy
 * @param side the side of the baseline's pixel images
 * @param trainImages training images the baseline learnt from
 * @param valImages validation images the baseline was measured on
 * @param images images looked at for the traits below (training and validation)
 * @param small of {@code images}, those whose shorter side is under 64 pixels
 * @param gray of {@code images}, those that are gray
 */
public record TransferCheck(
        double modelAccuracy,
        double pixelAccuracy,
        int side,
        int trainImages,
        int valImages,
        int images,
        int small,
        int gray) {
    /** The fewest accuracy points over the pixel baseline that count as transfer that helped. */
    public static final double MARGIN = 0.05;

    /**
     * @return whether the model beats the raw-pixel baseline by less than {@link #MARGIN}
     */
    public boolean poor() {
        return modelAccuracy < pixelAccuracy + MARGIN;
    }

    /**
     * @return the model's accuracy minus the baseline's, in points (percent)
     */
    public double gainPoints() {
        return 100 * (modelAccuracy - pixelAccuracy);
    }

    /**
     * The finding in a few sentences, for the report and the log.
     *
     * @return Markdown text
     */
    public String sentence() {
        String baseline =
                String.format(
                        Locale.ROOT,
                        "a linear classifier on the raw pixels (%dx%d, trained on the same %d"
                                + " training images) reaches %.4f on the validation images",
                        side,
                        side,
                        trainImages,
                        pixelAccuracy);
        if (!poor()) {
            return String.format(
                    Locale.ROOT,
                    "Transfer helped: this model's validation accuracy %.4f is %.1f points above"
                            + " that of a linear classifier on the raw pixels (%dx%d, trained on the"
                            + " same %d training images), %.4f.",
                    modelAccuracy,
                    gainPoints(),
                    side,
                    side,
                    trainImages,
                    pixelAccuracy);
        }
        StringBuilder s =
                new StringBuilder(
                        String.format(
                                Locale.ROOT,
                                "**The backbone's features transferred poorly to these images:**"
                                        + " %s, and this model %.4f, %s.",
                                baseline,
                                modelAccuracy,
                                gainPoints() >= 0
                                        ? String.format(
                                                Locale.ROOT, "only %.1f points more", gainPoints())
                                        : String.format(
                                                Locale.ROOT, "%.1f points less", -gainPoints())));
        String looks = looks();
        if (!looks.isEmpty()) {
            s.append(" These images are ")
                    .append(looks)
                    .append(", unlike the colour photographs an ImageNet backbone learnt from.");
        }
        s.append(
                " A small network trained from scratch at the images' own size often does better"
                        + " here: try `graft train --strategy scratch --backbone smallcnn` and"
                        + " compare.");
        return s.toString();
    }

    /** "small (shorter side under 64 pixels) and gray", or what of it holds for most images. */
    private String looks() {
        boolean mostlySmall = 2 * small > images;
        boolean mostlyGray = 2 * gray > images;
        if (mostlySmall && mostlyGray) {
            return "small (shorter side under 64 pixels) and gray";
        }
        if (mostlySmall) {
            return "small (shorter side under 64 pixels)";
        }
        return mostlyGray ? "gray" : "";
    }

    /**
     * @return the check as a JSON-ready map
     */
    public Map<String, Object> toMap() {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("modelAccuracy", modelAccuracy);
        m.put("pixelBaselineAccuracy", pixelAccuracy);
        m.put("gainPoints", gainPoints());
        m.put("poor", poor());
        m.put("pixelSide", side);
        m.put("baselineTrainImages", trainImages);
        m.put("baselineValImages", valImages);
        m.put("imagesLookedAt", images);
        m.put("smallImages", small);
        m.put("grayImages", gray);
        m.put("finding", sentence());
        return m;
    }
}
