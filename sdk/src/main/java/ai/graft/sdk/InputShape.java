package ai.graft.sdk;

import java.util.Arrays;
import java.util.Objects;

/**
 * What the shape of an image model's 4-D input says about the images it takes: the tensor layout,
 * the channels, and the width and height where the model fixes them. The one rule that both the SDK
 * (when it loads a model) and {@code graft annotate} (when it writes a model card) apply, so that a
 * card written for a model is the card the SDK uses as it is.
 *
 * <pre>{@code
 * InputShape s = InputShape.of(new long[] {1, 224, 224, 3});
 * Preprocessing p = s.fitLayout(Preprocessing.imagenet(s.width(), s.height()));   // NHWC, 224 x 224
 * }</pre>
 *
 * <p><b>The rule.</b> Dimension 1 of 1 or 3 makes the input NCHW {@code [N, C, H, W]}; otherwise
 * dimension 3 of 1 or 3 makes it NHWC {@code [N, H, W, C]}; otherwise (for example a dynamic or a
 * 4-channel dimension 1) the shape does not say, {@link #layout()} is null and width and height are
 * read as NCHW. Because dimension 1 is looked at first, a shape that reads both ways is NCHW, the
 * layout of PyTorch's exports: {@code [1, 3, 3, 3]} is a 3 x 3 colour image, {@code [1, 1, 3, 3]} a
 * 3 x 3 gray one, {@code [1, 3, 3, 1]} a 1 x 3 colour one. A dimension that is dynamic (negative or
 * 0) gives a width or height of 0.
 *
 * @param layout NCHW or NHWC as the shape shows it; null when it shows neither
 * @param channels 1 or 3 as the shape shows it; 0 when the layout is unknown
 * @param width the width the model fixes, in pixels; 0 when dynamic
 * @param height the height the model fixes, in pixels; 0 when dynamic
 */
public record InputShape(Preprocessing.Layout layout, int channels, int width, int height) {

    /**
     * Checks the values.
     *
     * @param layout the layout, or null
     * @param channels 1 or 3 with a layout, 0 without
     * @param width the width, or 0
     * @param height the height, or 0
     * @throws IllegalArgumentException when the channels do not go with the layout, or a size is
     *     negative
     */
    public InputShape {
        if (layout == null ? channels != 0 : channels != 1 && channels != 3) {
            throw new IllegalArgumentException(
                    "Input shape with layout "
                            + layout
                            + " has "
                            + channels
                            + " channels, expected "
                            + (layout == null ? "0 (unknown)" : "1 or 3"));
        }
        if (width < 0 || height < 0) {
            throw new IllegalArgumentException(
                    "Input shape has width " + width + " and height " + height + ", expected >= 0");
        }
    }

    /**
     * Applies the rule (see the class description) to a model's input shape.
     *
     * @param shape the input's dimensions, negative or 0 where dynamic, as ONNX Runtime or {@code
     *     ai.graft.converter.TensorInfo#shape()} report them
     * @return what the shape says
     * @throws IllegalArgumentException when the shape is not 4-D
     */
    public static InputShape of(long[] shape) {
        Objects.requireNonNull(shape, "shape");
        if (shape.length != 4) {
            throw new IllegalArgumentException(
                    "Input shape "
                            + Arrays.toString(shape)
                            + " is not an image's: expected [N, C, H, W] or [N, H, W, C]");
        }
        if (shape[1] == 1 || shape[1] == 3) {
            return new InputShape(
                    Preprocessing.Layout.NCHW, (int) shape[1], side(shape[3]), side(shape[2]));
        }
        if (shape[3] == 1 || shape[3] == 3) {
            return new InputShape(
                    Preprocessing.Layout.NHWC, (int) shape[3], side(shape[2]), side(shape[1]));
        }
        return new InputShape(null, 0, side(shape[3]), side(shape[2]));
    }

    private static int side(long d) {
        return d > 0 && d <= Integer.MAX_VALUE ? (int) d : 0;
    }

    /**
     * The preprocessing in this input's layout: {@code p} itself when the layout is unknown or
     * already {@code p}'s.
     *
     * @param p a preprocessing
     * @return {@code p} with this layout
     */
    public Preprocessing fitLayout(Preprocessing p) {
        Objects.requireNonNull(p, "p");
        return layout == null || layout == p.layout() ? p : p.toBuilder().layout(layout).build();
    }

    /**
     * The preprocessing this input takes: {@code p} in the input's layout, turned gray for a
     * one-channel input when its three channels are normalised alike, and checked against the
     * channels and the size the model fixes. The SDK applies it when it loads a model, and {@code
     * graft annotate} before it writes a card, so a card annotate writes is the card the SDK uses.
     *
     * @param p a preprocessing
     * @param model how to name the model in an error, e.g. {@code "Model /models/cat.onnx"}
     * @return the fitted preprocessing ({@code p} itself when nothing changes)
     * @throws ModelException when {@code p} cannot feed this input: a colour preprocessing with
     *     per-channel normalisation for a gray input, a gray one for a colour input, or another
     *     size than the model fixes
     */
    public Preprocessing fit(Preprocessing p, String model) throws ModelException {
        Preprocessing fitted = fitLayout(p);
        if (channels == 1 && p.channels() == 3) {
            float[] mean = p.mean();
            float[] std = p.std();
            if (mean[0] != mean[1] || mean[0] != mean[2] || std[0] != std[1] || std[0] != std[2]) {
                throw new ModelException(
                        model
                                + " takes 1 channel (gray), but the preprocessing is "
                                + p.colorOrder()
                                + " with a different mean or std per channel; give a GRAY"
                                + " preprocessing, e.g. {\"color\":\"GRAY\",...}");
            }
            fitted =
                    fitted.toBuilder()
                            .colorOrder(Preprocessing.ColorOrder.GRAY)
                            .mean(mean[0])
                            .std(std[0])
                            .build();
        } else if (channels == 3 && p.channels() == 1) {
            throw new ModelException(
                    model
                            + " takes 3 channels, but the preprocessing is GRAY (1 channel); give"
                            + " an RGB or BGR preprocessing");
        }
        if ((width > 0 && width != fitted.width()) || (height > 0 && height != fitted.height())) {
            throw new ModelException(
                    model
                            + " takes "
                            + width
                            + "x"
                            + height
                            + " images (width x height), but the preprocessing makes "
                            + fitted.width()
                            + "x"
                            + fitted.height()
                            + "; give a preprocessing of the model's size");
        }
        return fitted;
    }
}
