package ai.graft.sdk;

import ai.graft.sdk.internal.Json;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * How an image becomes a model's input tensor: size, resize rule, colour order, normalisation and
 * layout. An immutable value; {@link Builder#build()} validates it.
 *
 * <p>Each value is computed as {@code (pixel * scale - mean[c]) / std[c]}, where {@code pixel} is
 * the 8-bit value (0-255) of channel {@code c} in the model's colour order.
 *
 * <pre>{@code
 * Preprocessing p = Preprocessing.caffe(224, 224);          // SqueezeNet from the Caffe zoo
 * Preprocessing q = Preprocessing.imagenet(224, 224)        // torchvision
 *         .toBuilder().layout(Preprocessing.Layout.NHWC).build();
 * String json = q.toJson();                                 // stored in the model card
 * }</pre>
 */
public final class Preprocessing {

    /** How the decoded image is brought to the input size. */
    public enum Resize {
        /**
         * Resize so that the shorter side is {@link #resizeShorter()}, keeping the aspect ratio,
         * then cut the centre {@code width x height} (torchvision's {@code Resize} + {@code
         * CenterCrop}). JSON {@code "shorter-crop"}.
         */
        SHORTER_CROP("shorter-crop"),
        /** Resize to {@code width x height}, ignoring the aspect ratio. JSON {@code "stretch"}. */
        STRETCH("stretch"),
        /**
         * Resize so that the whole image fits in {@code width x height}, keeping the aspect ratio,
         * and pad the rest with gray (114, 114, 114), the image centred (YOLO's letterbox). JSON
         * {@code "letterbox"}.
         */
        LETTERBOX("letterbox");

        private final String json;

        Resize(String json) {
            this.json = json;
        }

        /**
         * The name used in JSON.
         *
         * @return {@code "shorter-crop"}, {@code "stretch"} or {@code "letterbox"}
         */
        public String jsonName() {
            return json;
        }

        static Resize fromJsonName(String name) {
            for (Resize r : values()) {
                if (r.json.equalsIgnoreCase(name) || r.name().equalsIgnoreCase(name)) {
                    return r;
                }
            }
            throw new IllegalArgumentException(
                    "Invalid preprocessing field 'resize': '"
                            + name
                            + "', expected one of shorter-crop, stretch, letterbox");
        }
    }

    /** Channel order of the model's input. */
    public enum ColorOrder {
        /** Red, green, blue (torchvision, Ultralytics). */
        RGB,
        /** Blue, green, red (Caffe, OpenCV). */
        BGR,
        /** One luminance channel. */
        GRAY
    }

    /** Memory layout of one image in the tensor. */
    public enum Layout {
        /** Channels first: {@code [C, H, W]} per image. */
        NCHW,
        /** Channels last: {@code [H, W, C]} per image. */
        NHWC
    }

    private static final float[] IMAGENET_MEAN = {0.485f, 0.456f, 0.406f};
    private static final float[] IMAGENET_STD = {0.229f, 0.224f, 0.225f};
    private static final float[] CAFFE_MEAN_BGR = {103.939f, 116.779f, 123.68f};

    private final int width;
    private final int height;
    private final Resize resize;
    private final int resizeShorter;
    private final ColorOrder colorOrder;
    private final float scale;
    private final float[] mean;
    private final float[] std;
    private final Layout layout;

    private Preprocessing(Builder b, int resizeShorter, float[] mean, float[] std) {
        this.width = b.width;
        this.height = b.height;
        this.resize = b.resize;
        this.resizeShorter = resizeShorter;
        this.colorOrder = b.colorOrder;
        this.scale = b.scale;
        this.mean = mean;
        this.std = std;
        this.layout = b.layout;
    }

    /**
     * A builder with the defaults: 224 x 224, {@link Resize#SHORTER_CROP} with the ImageNet ratio
     * (shorter side {@code round(min(width, height) * 256 / 224)}), RGB, scale 1, mean 0, std 1,
     * NCHW.
     *
     * @return a new builder
     */
    public static Builder builder() {
        return new Builder();
    }

    /**
     * torchvision's ImageNet preprocessing: RGB, scale 1/255, mean (0.485, 0.456, 0.406), std
     * (0.229, 0.224, 0.225), shorter side to {@code round(min(width, height) * 256 / 224)}, centre
     * crop, NCHW.
     *
     * @param width input width in pixels
     * @param height input height in pixels
     * @return the preprocessing
     */
    public static Preprocessing imagenet(int width, int height) {
        return builder()
                .size(width, height)
                .resize(Resize.SHORTER_CROP)
                .colorOrder(ColorOrder.RGB)
                .scale(1f / 255f)
                .mean(IMAGENET_MEAN)
                .std(IMAGENET_STD)
                .build();
    }

    /**
     * Caffe's preprocessing: BGR, values 0-255, mean (B, G, R) = (103.939, 116.779, 123.68), std 1,
     * shorter side to {@code round(min(width, height) * 256 / 224)}, centre crop, NCHW.
     *
     * @param width input width in pixels
     * @param height input height in pixels
     * @return the preprocessing
     */
    public static Preprocessing caffe(int width, int height) {
        return builder()
                .size(width, height)
                .resize(Resize.SHORTER_CROP)
                .colorOrder(ColorOrder.BGR)
                .scale(1f)
                .mean(CAFFE_MEAN_BGR)
                .std(1f, 1f, 1f)
                .build();
    }

    /**
     * Raw pixels: RGB, values 0-255 unchanged, stretched to {@code width x height}, NCHW.
     *
     * @param width input width in pixels
     * @param height input height in pixels
     * @return the preprocessing
     */
    public static Preprocessing raw(int width, int height) {
        return builder()
                .size(width, height)
                .resize(Resize.STRETCH)
                .colorOrder(ColorOrder.RGB)
                .scale(1f)
                .build();
    }

    /**
     * Values in [0, 1]: RGB, scale 1/255, no mean or std, shorter side to {@code min(width,
     * height)} then centre crop, NCHW (Ultralytics {@code -cls} models).
     *
     * @param width input width in pixels
     * @param height input height in pixels
     * @return the preprocessing
     */
    public static Preprocessing unit(int width, int height) {
        return builder()
                .size(width, height)
                .resize(Resize.SHORTER_CROP)
                .resizeShorter(Math.min(width, height))
                .colorOrder(ColorOrder.RGB)
                .scale(1f / 255f)
                .build();
    }

    /**
     * Reads a preprocessing by preset name or from JSON.
     *
     * @param nameOrJson {@code imagenet}, {@code caffe}, {@code raw} or {@code unit} (any case), or
     *     a JSON object in the form of {@link #toJson()}
     * @param width input width, used by the presets and when the JSON has no {@code width}
     * @param height input height, used by the presets and when the JSON has no {@code height}
     * @return the preprocessing
     * @throws IllegalArgumentException for an unknown name or invalid JSON, naming the bad field
     */
    public static Preprocessing parse(String nameOrJson, int width, int height) {
        if (nameOrJson == null) {
            throw new IllegalArgumentException(
                    "Preprocessing is null, expected imagenet, caffe, raw, unit or a JSON object");
        }
        String s = nameOrJson.trim();
        if (s.startsWith("{")) {
            return fromJson(s, width, height);
        }
        switch (s.toLowerCase(Locale.ROOT)) {
            case "imagenet":
                return imagenet(width, height);
            case "caffe":
                return caffe(width, height);
            case "raw":
                return raw(width, height);
            case "unit":
                return unit(width, height);
            default:
                throw new IllegalArgumentException(
                        "Unknown preprocessing '"
                                + nameOrJson
                                + "', expected imagenet, caffe, raw, unit or a JSON object such"
                                + " as {\"width\":224,\"height\":224,\"color\":\"RGB\",...}");
        }
    }

    /**
     * Reads a preprocessing from its JSON form (see {@link #toJson()}). {@code width} and {@code
     * height} are required; other fields take the {@link #builder()} defaults when absent.
     *
     * @param json a JSON object
     * @return the preprocessing
     * @throws IllegalArgumentException when the JSON is malformed or a field is missing or invalid;
     *     the message names the field
     */
    public static Preprocessing fromJson(String json) {
        return fromJson(json, 0, 0);
    }

    private static Preprocessing fromJson(String json, int defaultWidth, int defaultHeight) {
        Object parsed;
        try {
            parsed = Json.parse(json);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("Invalid preprocessing JSON: " + e.getMessage(), e);
        }
        if (!(parsed instanceof Map)) {
            throw new IllegalArgumentException(
                    "Invalid preprocessing JSON: expected an object {...}, got " + json);
        }
        @SuppressWarnings("unchecked")
        Map<String, Object> m = (Map<String, Object>) parsed;
        for (String key : m.keySet()) {
            if (!KEYS.contains(key)) {
                throw new IllegalArgumentException(
                        "Unknown preprocessing field '" + key + "', expected one of " + KEYS);
            }
        }
        Builder b = builder();
        int w = m.containsKey("width") ? intField(m, "width") : defaultWidth;
        int h = m.containsKey("height") ? intField(m, "height") : defaultHeight;
        if (w == 0 && !m.containsKey("width")) {
            throw new IllegalArgumentException(
                    "Preprocessing field 'width' is missing, expected the input width in pixels");
        }
        if (h == 0 && !m.containsKey("height")) {
            throw new IllegalArgumentException(
                    "Preprocessing field 'height' is missing, expected the input height in pixels");
        }
        b.size(w, h);
        if (m.containsKey("resize")) {
            b.resize(Resize.fromJsonName(stringField(m, "resize")));
        }
        if (m.containsKey("resizeShorter") && m.get("resizeShorter") != null) {
            b.resizeShorter(intField(m, "resizeShorter"));
        }
        if (m.containsKey("color")) {
            String c = stringField(m, "color");
            try {
                b.colorOrder(ColorOrder.valueOf(c.toUpperCase(Locale.ROOT)));
            } catch (IllegalArgumentException e) {
                throw new IllegalArgumentException(
                        "Invalid preprocessing field 'color': '"
                                + c
                                + "', expected one of RGB, BGR, GRAY");
            }
        }
        if (m.containsKey("scale")) {
            b.scale((float) numberField(m, "scale"));
        }
        if (m.containsKey("mean")) {
            b.mean(floatsField(m, "mean"));
        }
        if (m.containsKey("std")) {
            b.std(floatsField(m, "std"));
        }
        if (m.containsKey("layout")) {
            String l = stringField(m, "layout");
            try {
                b.layout(Layout.valueOf(l.toUpperCase(Locale.ROOT)));
            } catch (IllegalArgumentException e) {
                throw new IllegalArgumentException(
                        "Invalid preprocessing field 'layout': '"
                                + l
                                + "', expected one of NCHW, NHWC");
            }
        }
        return b.build();
    }

    private static final List<String> KEYS =
            List.of(
                    "width",
                    "height",
                    "resize",
                    "resizeShorter",
                    "color",
                    "scale",
                    "mean",
                    "std",
                    "layout");

    private static double numberField(Map<String, Object> m, String key) {
        Object v = m.get(key);
        if (!(v instanceof Number)) {
            throw new IllegalArgumentException(
                    "Invalid preprocessing field '"
                            + key
                            + "': "
                            + Json.write(v)
                            + ", expected a number");
        }
        return ((Number) v).doubleValue();
    }

    private static int intField(Map<String, Object> m, String key) {
        double d = numberField(m, key);
        if (d != Math.rint(d) || Math.abs(d) > Integer.MAX_VALUE) {
            throw new IllegalArgumentException(
                    "Invalid preprocessing field '"
                            + key
                            + "': "
                            + Json.write(m.get(key))
                            + ", expected an integer");
        }
        return (int) d;
    }

    private static String stringField(Map<String, Object> m, String key) {
        Object v = m.get(key);
        if (!(v instanceof String)) {
            throw new IllegalArgumentException(
                    "Invalid preprocessing field '"
                            + key
                            + "': "
                            + Json.write(v)
                            + ", expected a string");
        }
        return (String) v;
    }

    private static float[] floatsField(Map<String, Object> m, String key) {
        Object v = m.get(key);
        if (v instanceof Number) {
            return new float[] {((Number) v).floatValue()};
        }
        if (!(v instanceof List)) {
            throw new IllegalArgumentException(
                    "Invalid preprocessing field '"
                            + key
                            + "': "
                            + Json.write(v)
                            + ", expected an array of numbers, one per channel");
        }
        List<?> list = (List<?>) v;
        float[] out = new float[list.size()];
        for (int i = 0; i < out.length; i++) {
            if (!(list.get(i) instanceof Number)) {
                throw new IllegalArgumentException(
                        "Invalid preprocessing field '"
                                + key
                                + "': "
                                + Json.write(v)
                                + ", expected an array of numbers, one per channel");
            }
            out[i] = ((Number) list.get(i)).floatValue();
        }
        return out;
    }

    /**
     * The compact JSON form, as stored in the model card under {@code graft.preprocess}, for
     * example {@code
     * {"width":224,"height":224,"resize":"shorter-crop","resizeShorter":256,"color":"BGR","scale":1.0,"mean":[103.939,116.779,123.68],"std":[1.0,1.0,1.0],"layout":"NCHW"}}.
     * {@link #fromJson(String)} reads it back to an equal value.
     *
     * @return JSON text
     */
    public String toJson() {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("width", width);
        m.put("height", height);
        m.put("resize", resize.jsonName());
        m.put("resizeShorter", resizeShorter);
        m.put("color", colorOrder.name());
        m.put("scale", scale);
        m.put("mean", mean.clone());
        m.put("std", std.clone());
        m.put("layout", layout.name());
        return Json.write(m);
    }

    /**
     * Input width in pixels.
     *
     * @return the width
     */
    public int width() {
        return width;
    }

    /**
     * Input height in pixels.
     *
     * @return the height
     */
    public int height() {
        return height;
    }

    /**
     * The resize rule.
     *
     * @return the resize rule
     */
    public Resize resize() {
        return resize;
    }

    /**
     * For {@link Resize#SHORTER_CROP}, the length the shorter side of the image is resized to
     * before the centre crop; for the other rules {@code max(width, height)}, which is not used by
     * the resize. Either way a decoder may shrink an image whose shorter side stays at least this
     * long without losing detail the model sees.
     *
     * @return the shorter side in pixels
     */
    public int resizeShorter() {
        return resizeShorter;
    }

    /**
     * The shorter side an image may be decoded at (a JPEG decoder can shrink by 2, 4 or 8) and
     * still cover what this preprocessing reads from it: {@link #resizeShorter()}, and at least the
     * larger of the input's width and height, so that a non-square crop is covered too. The
     * classifier, the parity check and the trainer's evaluation decode with it.
     *
     * @return the smallest shorter side in pixels a reduced decode may give
     */
    public int decodeShortSide() {
        return Math.max(resizeShorter, Math.max(width, height));
    }

    /**
     * Channel order of the input.
     *
     * @return the colour order
     */
    public ColorOrder colorOrder() {
        return colorOrder;
    }

    /**
     * Factor applied to the 0-255 pixel value before the mean is subtracted.
     *
     * @return the scale
     */
    public float scale() {
        return scale;
    }

    /**
     * Per-channel mean, in the model's colour order; a copy.
     *
     * @return {@link #channels()} values
     */
    public float[] mean() {
        return mean.clone();
    }

    /**
     * Per-channel standard deviation, in the model's colour order; a copy.
     *
     * @return {@link #channels()} values, none zero
     */
    public float[] std() {
        return std.clone();
    }

    /**
     * Tensor layout.
     *
     * @return the layout
     */
    public Layout layout() {
        return layout;
    }

    /**
     * Number of channels: 1 for {@link ColorOrder#GRAY}, else 3.
     *
     * @return 1 or 3
     */
    public int channels() {
        return colorOrder == ColorOrder.GRAY ? 1 : 3;
    }

    /**
     * A new writer of images into model input as this preprocessing says: the one implementation
     * that the classifier, the trainer and parity checks share.
     *
     * @return a new writer, for one thread; the caller closes it
     */
    public TensorWriter newWriter() {
        return new TensorWriter(this);
    }

    /**
     * A builder holding this value's fields, to derive a changed copy.
     *
     * @return a new builder
     */
    public Builder toBuilder() {
        Builder b = new Builder();
        b.width = width;
        b.height = height;
        b.resize = resize;
        b.resizeShorter = resize == Resize.SHORTER_CROP ? resizeShorter : 0;
        b.colorOrder = colorOrder;
        b.scale = scale;
        b.mean = mean.clone();
        b.std = std.clone();
        b.layout = layout;
        return b;
    }

    @Override
    public boolean equals(Object o) {
        if (this == o) {
            return true;
        }
        if (!(o instanceof Preprocessing)) {
            return false;
        }
        Preprocessing p = (Preprocessing) o;
        return width == p.width
                && height == p.height
                && resize == p.resize
                && resizeShorter == p.resizeShorter
                && colorOrder == p.colorOrder
                && Float.compare(scale, p.scale) == 0
                && Arrays.equals(mean, p.mean)
                && Arrays.equals(std, p.std)
                && layout == p.layout;
    }

    @Override
    public int hashCode() {
        int h = width;
        h = 31 * h + height;
        h = 31 * h + resize.hashCode();
        h = 31 * h + resizeShorter;
        h = 31 * h + colorOrder.hashCode();
        h = 31 * h + Float.hashCode(scale);
        h = 31 * h + Arrays.hashCode(mean);
        h = 31 * h + Arrays.hashCode(std);
        h = 31 * h + layout.hashCode();
        return h;
    }

    /** The JSON form. */
    @Override
    public String toString() {
        return toJson();
    }

    /** Builds a {@link Preprocessing}; {@link #build()} validates the fields. Not thread-safe. */
    public static final class Builder {
        private int width = 224;
        private int height = 224;
        private Resize resize = Resize.SHORTER_CROP;
        private int resizeShorter; // 0 = derive in build()
        private ColorOrder colorOrder = ColorOrder.RGB;
        private float scale = 1f;
        private float[] mean; // null = zeros
        private float[] std; // null = ones
        private Layout layout = Layout.NCHW;

        private Builder() {}

        /**
         * Sets the input width and height.
         *
         * @param width input width in pixels, positive
         * @param height input height in pixels, positive
         * @return this builder
         */
        public Builder size(int width, int height) {
            this.width = width;
            this.height = height;
            return this;
        }

        /**
         * Sets the input width.
         *
         * @param width input width in pixels, positive
         * @return this builder
         */
        public Builder width(int width) {
            this.width = width;
            return this;
        }

        /**
         * Sets the input height.
         *
         * @param height input height in pixels, positive
         * @return this builder
         */
        public Builder height(int height) {
            this.height = height;
            return this;
        }

        /**
         * Sets the resize rule; default {@link Resize#SHORTER_CROP}.
         *
         * @param resize the rule
         * @return this builder
         */
        public Builder resize(Resize resize) {
            this.resize = resize;
            return this;
        }

        /**
         * Sets the shorter side for {@link Resize#SHORTER_CROP}; at least {@code min(width,
         * height)}. Default (or 0): {@code round(min(width, height) * 256 / 224)}, the ImageNet
         * ratio. Ignored by the other rules.
         *
         * @param resizeShorter shorter side in pixels, or 0 for the default
         * @return this builder
         */
        public Builder resizeShorter(int resizeShorter) {
            this.resizeShorter = resizeShorter;
            return this;
        }

        /**
         * Sets the channel order; default RGB.
         *
         * @param colorOrder the order
         * @return this builder
         */
        public Builder colorOrder(ColorOrder colorOrder) {
            this.colorOrder = colorOrder;
            return this;
        }

        /**
         * Sets the factor applied to 0-255 pixel values; default 1. Finite, not zero.
         *
         * @param scale the factor, for example {@code 1 / 255f}
         * @return this builder
         */
        public Builder scale(float scale) {
            this.scale = scale;
            return this;
        }

        /**
         * Sets the per-channel mean, in the model's colour order; default all 0.
         *
         * @param mean one value per channel
         * @return this builder
         */
        public Builder mean(float... mean) {
            this.mean = mean == null ? null : mean.clone();
            return this;
        }

        /**
         * Sets the per-channel standard deviation, in the model's colour order; default all 1.
         *
         * @param std one non-zero value per channel
         * @return this builder
         */
        public Builder std(float... std) {
            this.std = std == null ? null : std.clone();
            return this;
        }

        /**
         * Sets the tensor layout; default NCHW.
         *
         * @param layout the layout
         * @return this builder
         */
        public Builder layout(Layout layout) {
            this.layout = layout;
            return this;
        }

        /**
         * Validates and builds.
         *
         * @return the preprocessing
         * @throws IllegalArgumentException naming the first invalid field
         */
        public Preprocessing build() {
            if (width <= 0) {
                throw new IllegalArgumentException(
                        "Preprocessing 'width' must be positive, got " + width);
            }
            if (height <= 0) {
                throw new IllegalArgumentException(
                        "Preprocessing 'height' must be positive, got " + height);
            }
            if (resize == null) {
                throw new IllegalArgumentException("Preprocessing 'resize' must not be null");
            }
            if (colorOrder == null) {
                throw new IllegalArgumentException("Preprocessing 'color' must not be null");
            }
            if (layout == null) {
                throw new IllegalArgumentException("Preprocessing 'layout' must not be null");
            }
            if (!Float.isFinite(scale) || scale == 0f) {
                throw new IllegalArgumentException(
                        "Preprocessing 'scale' must be a finite non-zero number, got " + scale);
            }
            int shorter;
            int minSide = Math.min(width, height);
            if (resize == Resize.SHORTER_CROP) {
                if (resizeShorter < 0) {
                    throw new IllegalArgumentException(
                            "Preprocessing 'resizeShorter' must be positive, got " + resizeShorter);
                }
                shorter =
                        resizeShorter == 0
                                ? (int) Math.round(minSide * 256.0 / 224.0)
                                : resizeShorter;
                if (shorter < minSide) {
                    throw new IllegalArgumentException(
                            "Preprocessing 'resizeShorter' must be at least min(width, height) = "
                                    + minSide
                                    + " so that the centre crop fits, got "
                                    + shorter);
                }
            } else {
                if (resizeShorter < 0) {
                    throw new IllegalArgumentException(
                            "Preprocessing 'resizeShorter' must be positive, got " + resizeShorter);
                }
                shorter = Math.max(width, height);
            }
            int channels = colorOrder == ColorOrder.GRAY ? 1 : 3;
            float[] m = mean == null ? new float[channels] : mean.clone();
            float[] s = std == null ? filled(channels, 1f) : std.clone();
            if (m.length != channels) {
                throw new IllegalArgumentException(
                        "Preprocessing 'mean' must have "
                                + channels
                                + " value(s), one per "
                                + colorOrder
                                + " channel, got "
                                + m.length);
            }
            if (s.length != channels) {
                throw new IllegalArgumentException(
                        "Preprocessing 'std' must have "
                                + channels
                                + " value(s), one per "
                                + colorOrder
                                + " channel, got "
                                + s.length);
            }
            for (int c = 0; c < channels; c++) {
                if (!Float.isFinite(m[c])) {
                    throw new IllegalArgumentException(
                            "Preprocessing 'mean' must be finite, got " + Arrays.toString(m));
                }
                if (!Float.isFinite(s[c]) || s[c] == 0f) {
                    throw new IllegalArgumentException(
                            "Preprocessing 'std' must be finite and non-zero, got "
                                    + Arrays.toString(s));
                }
            }
            return new Preprocessing(this, shorter, m, s);
        }

        private static float[] filled(int n, float v) {
            float[] a = new float[n];
            Arrays.fill(a, v);
            return a;
        }
    }
}
