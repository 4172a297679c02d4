package ai.graft.sdk;

import ai.graft.sdk.internal.ModelScanner;
import java.io.IOException;
import java.nio.charset.Charset;
import java.nio.charset.CharsetEncoder;
import java.nio.file.Files;
import java.nio.file.InvalidPathException;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.attribute.BasicFileAttributes;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * The rules a model file must pass before native code reads it, shared by the SDK, the converter
 * and the trainer so that every command applies the same ones.
 *
 * <p><b>External data.</b> An ONNX tensor may keep its values in another file, named by a {@code
 * location} with an {@code offset} and a {@code length}. ONNX Runtime follows a location wherever
 * it points, so a model could make an application read {@code /etc/shadow}, {@code /dev/zero} or a
 * file of another user into its weights. Graft accepts a location only when it is relative, names a
 * regular file inside the model's folder once every symbolic link is followed (the real path of the
 * file lies under the real path of the folder), and {@code offset} and {@code length} are
 * non-negative decimal numbers whose range lies within that file ({@code length}, where given, the
 * bytes the tensor's shape needs). A location holding ONNX Runtime's marker for data at a memory
 * address ({@code _ORT_MEM_ADDR_}) is refused. {@link #check} applies the rule to every tensor of a
 * model file; {@link #resolveExternalData} applies it to one.
 *
 * <pre>{@code
 * ModelFiles.check(Path.of("model.onnx"));   // before ONNX Runtime opens it
 * }</pre>
 *
 * <p>The check cannot hold against someone who may write to the model's folder: they can swap a
 * file between the check and the moment ONNX Runtime opens it. Keep models in folders that only
 * trusted users can write, as with any code or data an application loads. A hard link inside the
 * folder counts as a file of the folder.
 *
 * <p><b>Sizes.</b> {@link #checkInputShape} refuses declared input shapes that no image model has
 * and no Java buffer holds: a negative dimension, a side of a 4-D input above {@value
 * #MAX_IMAGE_SIDE}, or one run's input above {@value #MAX_INPUT_BYTES} bytes. {@link
 * #checkTensorData} refuses a tensor whose declared shape does not fit its data.
 *
 * <p>Thread-safe: stateless.
 */
public final class ModelFiles {
    /** The largest height, width or channel count of a 4-D (image) input accepted. */
    public static final int MAX_IMAGE_SIDE = 16384;

    /** The largest input tensor of one run, in bytes: what one Java buffer can hold (2 GiB). */
    public static final long MAX_INPUT_BYTES = Integer.MAX_VALUE;

    /** ONNX Runtime reads this location as a memory address in {@code offset}, not as a file. */
    private static final String ORT_MEMORY_ADDRESS_TAG = "_ORT_MEM_ADDR_";

    /**
     * A tensor's external data, checked: a range of a regular file inside the model's folder.
     *
     * @param tensor the tensor's name
     * @param location the location as the model gives it
     * @param file the real path of the file
     * @param offset where the data begins, in bytes
     * @param length how many bytes to read
     */
    public record ExternalData(
            String tensor, String location, Path file, long offset, long length) {}

    private ModelFiles() {}

    /**
     * Checks a model file before native code reads it, reading only the headers of its tensors and
     * inputs: that it is valid protobuf; that every tensor's external data keeps the rule
     * (initializers, sparse initializers, attribute tensors, subgraphs and functions, at any depth;
     * see the class description); that every tensor's declared shape fits its data ({@link
     * #checkTensorData}); and that no input of the main graph declares a negative dimension (which
     * ONNX Runtime would report as dynamic).
     *
     * @param model the {@code .onnx} file
     * @return every tensor's checked external data, in file order; empty for a self-contained model
     * @throws ModelException when the file cannot be read, is not valid protobuf ("not a valid ONNX
     *     model"), or breaks a rule; the message names the model file and, for external data, the
     *     tensor, the location and the rule
     */
    public static List<ExternalData> check(Path model) throws ModelException {
        Objects.requireNonNull(model, "model");
        List<ExternalData> checked = new ArrayList<>();
        ModelScanner.scan(
                model,
                new ModelScanner.Visitor() {
                    @Override
                    public void tensor(ModelScanner.Tensor t) throws ModelException {
                        if (t.isExternal()) {
                            checked.add(
                                    resolveExternalData(
                                            model, t.name(), t.dims(), t.dataType(), t.entries()));
                        } else {
                            checkTensorData(
                                    model.toString(),
                                    t.name(),
                                    t.dims(),
                                    t.dataType(),
                                    t.rawBytes());
                        }
                    }

                    @Override
                    public void input(ModelScanner.Input input) throws ModelException {
                        long[] dims = input.dims();
                        for (int i = 0; i < dims.length; i++) {
                            if (dims[i] < -1) {
                                throw negativeDimension(
                                        "Model "
                                                + model
                                                + ": input '"
                                                + input.name()
                                                + "' "
                                                + Arrays.toString(dims),
                                        i,
                                        dims[i]);
                            }
                        }
                    }
                });
        return checked;
    }

    /**
     * Checks a tensor's declared shape against its data: no negative dimension, an element count
     * and byte size that a {@code long} holds, and, for raw data of a fixed-size element type, as
     * many bytes as the shape needs.
     *
     * @param model the model, for messages
     * @param tensor the tensor's name
     * @param dims its declared dimensions
     * @param dataType its {@code TensorProto.DataType} number (1 float, 10 float16, 7 int64...)
     * @param rawBytes the length of its raw data, or -1 when it has none (the shape alone is
     *     checked)
     * @return the bytes the shape needs, or -1 when the element type has no fixed size
     * @throws ModelException when the shape is negative, overflows, or does not fit the data; the
     *     message names the model, the tensor, its shape and the sizes
     */
    public static long checkTensorData(
            String model, String tensor, long[] dims, int dataType, long rawBytes)
            throws ModelException {
        String what = "Model " + model + ": tensor '" + tensor + "' declares shape ";
        long count = 1;
        for (long d : dims) {
            if (d < 0) {
                throw new ModelException(
                        what
                                + Arrays.toString(dims)
                                + ", with a negative dimension; the model is damaged or was"
                                + " written wrongly");
            }
            try {
                count = Math.multiplyExact(count, d);
            } catch (ArithmeticException e) {
                throw new ModelException(
                        what
                                + Arrays.toString(dims)
                                + ", more elements than any file holds; the model is damaged or"
                                + " was written wrongly");
            }
        }
        long needed = bytesOf(dataType, count);
        if (needed == Long.MIN_VALUE) {
            throw new ModelException(
                    what
                            + Arrays.toString(dims)
                            + ", more bytes than any file holds; the model is damaged or was"
                            + " written wrongly");
        }
        if (rawBytes >= 0 && needed >= 0 && rawBytes != needed) {
            throw new ModelException(
                    what
                            + Arrays.toString(dims)
                            + " of "
                            + typeName(dataType)
                            + " ("
                            + count
                            + " values, "
                            + needed
                            + " bytes), but holds "
                            + rawBytes
                            + " bytes of data; the model is damaged or was written wrongly");
        }
        return needed;
    }

    private static String typeName(int dataType) {
        return switch (dataType) {
            case 1 -> "float";
            case 2 -> "uint8";
            case 3 -> "int8";
            case 6 -> "int32";
            case 7 -> "int64";
            case 9 -> "bool";
            case 10 -> "float16";
            case 11 -> "double";
            case 16 -> "bfloat16";
            default -> "element type " + dataType;
        };
    }

    /** Bytes of {@code count} elements of an ONNX type; -1 if not fixed; MIN_VALUE on overflow. */
    private static long bytesOf(int dataType, long count) {
        int size;
        switch (dataType) {
            case 2, 3, 9, 17, 18, 19, 20 -> size = 1; // uint8, int8, bool, float8 kinds
            case 4, 5, 10, 16 -> size = 2; // uint16, int16, float16, bfloat16
            case 1, 6, 12 -> size = 4; // float, int32, uint32
            case 7, 11, 13, 14 -> size = 8; // int64, double, uint64, complex64
            case 15 -> size = 16; // complex128
            case 21, 22, 23 -> {
                return count / 2 + count % 2; // 4-bit kinds, two per byte
            }
            default -> {
                return -1; // string, undefined, or a type newer than this code
            }
        }
        long bytes = count * size;
        return bytes / size == count ? bytes : Long.MIN_VALUE;
    }

    /**
     * Applies the external-data rule to one tensor, and checks that the range holds the bytes its
     * declared shape needs.
     *
     * @param model the model file; locations are resolved in its folder
     * @param tensor the tensor's name, for messages
     * @param dims the tensor's declared dimensions
     * @param dataType its {@code TensorProto.DataType} number
     * @param entries the tensor's {@code external_data} key/value entries ({@code location}, {@code
     *     offset}, {@code length}; other keys such as {@code checksum} are ignored)
     * @return the checked data: the real path of the file and the byte range to read (the given
     *     length; without one, the bytes the shape needs, or the rest of the file for element types
     *     of no fixed size)
     * @throws ModelException when the entries break the rule or the range does not fit the shape;
     *     the message names the model file, the tensor, the location and the rule
     */
    public static ExternalData resolveExternalData(
            Path model,
            String tensor,
            long[] dims,
            int dataType,
            List<Map.Entry<String, String>> entries)
            throws ModelException {
        Objects.requireNonNull(model, "model");
        Objects.requireNonNull(entries, "entries");
        long needed = checkTensorData(model.toString(), tensor, dims, dataType, -1);
        String location = null;
        String offsetText = null;
        String lengthText = null;
        for (Map.Entry<String, String> e : entries) {
            String key = e.getKey();
            if (!key.equals("location") && !key.equals("offset") && !key.equals("length")) {
                continue;
            }
            boolean repeated =
                    key.equals("location")
                            ? location != null
                            : key.equals("offset") ? offsetText != null : lengthText != null;
            if (repeated) {
                throw new ModelException(
                        "Model "
                                + model
                                + ": tensor '"
                                + tensor
                                + "' gives its external data "
                                + key
                                + " twice; a model must give it once");
            }
            switch (key) {
                case "location" -> location = e.getValue();
                case "offset" -> offsetText = e.getValue();
                default -> lengthText = e.getValue();
            }
        }
        Path folder = model.toAbsolutePath().getParent();
        if (location == null || location.isEmpty()) {
            throw new ModelException(
                    "Model "
                            + model
                            + ": tensor '"
                            + tensor
                            + "' is stored externally but names no location; external data must"
                            + " name a file inside "
                            + folder);
        }
        Rule rule = new Rule(model, folder, tensor, location);
        Path real = rule.file();
        long size;
        try {
            BasicFileAttributes attributes = Files.readAttributes(real, BasicFileAttributes.class);
            if (!attributes.isRegularFile()) {
                throw rule.refused("it is not a regular file");
            }
            size = attributes.size();
        } catch (IOException e) {
            throw rule.refused("it cannot be read (" + e + ")");
        }
        long offset = offsetText == null ? 0 : rule.number("offset", offsetText);
        long length = lengthText == null ? -1 : rule.number("length", lengthText);
        if (length >= 0 && needed >= 0 && length != needed) {
            throw rule.refused(
                    "its length "
                            + length
                            + " is not the "
                            + needed
                            + " bytes that the tensor's shape "
                            + Arrays.toString(dims)
                            + " needs");
        }
        long read = length >= 0 ? length : needed;
        if (offset > size || (read >= 0 && read > size - offset)) {
            throw rule.refused(
                    "it needs bytes "
                            + offset
                            + " to "
                            + (read < 0 ? "its end" : endOf(offset, read))
                            + ", but the file has "
                            + size
                            + " bytes");
        }
        return new ExternalData(tensor, location, real, offset, read < 0 ? size - offset : read);
    }

    /**
     * Checks an input's declared shape: every dimension a size or dynamic, a 4-D input's height,
     * width and channels (its last three dimensions) from 1 to {@value #MAX_IMAGE_SIDE}, and one
     * run's input, dynamic dimensions counted as 1, at most {@value #MAX_INPUT_BYTES} bytes.
     *
     * @param model the model, for messages
     * @param input the input's name
     * @param shape its dimensions, -1 where dynamic
     * @param dataType its element type, a {@code TensorProto.DataType} number (1 float, 10
     *     float16...)
     * @throws ModelException when the shape breaks a rule; the message names the model, the input,
     *     the dimension and the bound
     */
    public static void checkInputShape(String model, String input, long[] shape, int dataType)
            throws ModelException {
        String what = "Model " + model + ": input '" + input + "' " + Arrays.toString(shape);
        for (int i = 0; i < shape.length; i++) {
            long d = shape[i];
            if (d < -1) {
                throw negativeDimension(what, i, d);
            }
            if (shape.length == 4 && i > 0 && (d == 0 || d > MAX_IMAGE_SIDE)) {
                throw new ModelException(
                        what
                                + " has dimension "
                                + i
                                + " = "
                                + d
                                + "; an image input's height, width and channels must be 1 to "
                                + MAX_IMAGE_SIDE
                                + ". This is not a usable image model");
            }
        }
        long bytes = Math.max(1, bytesOf(dataType, 1));
        for (long d : shape) {
            bytes *= Math.max(d, 1);
            if (bytes > MAX_INPUT_BYTES) {
                throw new ModelException(
                        what
                                + " needs more than "
                                + MAX_INPUT_BYTES
                                + " bytes for one run (dynamic dimensions counted as 1), more"
                                + " than one Java buffer holds (2 GiB). This is not a usable"
                                + " image model");
            }
        }
    }

    private static ModelException negativeDimension(String what, int i, long d) {
        return new ModelException(
                what
                        + " has dimension "
                        + i
                        + " = "
                        + d
                        + "; a dimension must be a size (0 or more) or dynamic. The model is"
                        + " damaged or was written wrongly");
    }

    private static String endOf(long offset, long length) {
        long end = offset + length;
        return end < 0 ? "beyond " + Long.MAX_VALUE : Long.toString(end);
    }

    /** The location rule for one tensor. */
    private record Rule(Path model, Path folder, String tensor, String location) {

        /** The real path of the location, once it is known to lie inside the folder. */
        Path file() throws ModelException {
            for (int i = 0; i < location.length(); i++) {
                char c = location.charAt(i);
                if (c < 0x20 || c == 0x7F || c == '\uFFFD') {
                    throw refused("it holds a control character or invalid UTF-8");
                }
            }
            if (location.contains(ORT_MEMORY_ADDRESS_TAG)) {
                throw refused("it is ONNX Runtime's marker for data at a memory address");
            }
            if (!fileNameCharset().canEncode(location)) {
                throw refused(
                        "this system cannot write it as a file name (encoding "
                                + fileNameCharset().charset()
                                + ")");
            }
            Path relative;
            try {
                relative = folder.getFileSystem().getPath(location);
            } catch (InvalidPathException e) {
                throw refused("it is not a valid path");
            }
            if (relative.isAbsolute() || location.startsWith("/") || location.startsWith("\\")) {
                throw refused("it is absolute");
            }
            if (!folder.resolve(relative).normalize().startsWith(folder.normalize())) {
                throw refused("it leaves the model's folder");
            }
            Path realFolder;
            Path real;
            try {
                realFolder = folder.toRealPath();
                // Not normalized first: the system resolves "link/.." through the link, and so
                // must the check.
                real = folder.resolve(relative).toRealPath();
            } catch (NoSuchFileException e) {
                throw new ModelException(
                        "Model "
                                + model
                                + ": external data file '"
                                + location
                                + "' of tensor '"
                                + tensor
                                + "' not found in "
                                + folder
                                + "; put it beside the model",
                        e);
            } catch (IOException e) {
                throw refused("it cannot be resolved (" + e + ")");
            }
            if (!real.startsWith(realFolder)) {
                throw refused("it leads outside the model's folder, to " + real);
            }
            return real;
        }

        long number(String key, String text) throws ModelException {
            long n;
            try {
                n = Long.parseLong(text);
            } catch (NumberFormatException e) {
                throw refused(
                        "its "
                                + key
                                + " '"
                                + text
                                + "' is not a whole number of bytes from 0 to "
                                + Long.MAX_VALUE);
            }
            if (n < 0) {
                throw refused("its " + key + " " + n + " is negative");
            }
            return n;
        }

        ModelException refused(String why) {
            return new ModelException(
                    "Model "
                            + model
                            + ": external data location '"
                            + location
                            + "' of tensor '"
                            + tensor
                            + "' is refused: "
                            + why
                            + "; external data must be a regular file inside "
                            + folder
                            + " (a relative location, links followed), with offset and length"
                            + " within it");
        }
    }

    private static CharsetEncoder fileNameCharset() {
        Charset charset;
        try {
            charset = Charset.forName(System.getProperty("sun.jnu.encoding"));
        } catch (RuntimeException e) {
            charset = Charset.defaultCharset();
        }
        return charset.newEncoder();
    }
}
