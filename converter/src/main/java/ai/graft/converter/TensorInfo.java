package ai.graft.converter;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A graph input or output: its name, element type and shape.
 *
 * @param name the tensor name
 * @param elementType the ONNX element type in lower case ({@code float}, {@code float16}, {@code
 *     int64}...), or {@code "unknown"}
 * @param dims the dimensions as declared: a number, a symbolic name such as {@code "N"}, or {@code
 *     "?"} when unknown; empty for a scalar or an undeclared shape
 */
public record TensorInfo(String name, String elementType, List<String> dims) {
    /** Makes the list unmodifiable. */
    public TensorInfo {
        dims = List.copyOf(dims);
    }

    /**
     * The shape as numbers, -1 for symbolic or unknown dimensions.
     *
     * @return a new array
     */
    public long[] shape() {
        long[] s = new long[dims.size()];
        for (int i = 0; i < s.length; i++) {
            String d = dims.get(i);
            s[i] = d.chars().allMatch(Character::isDigit) && !d.isEmpty() ? Long.parseLong(d) : -1;
        }
        return s;
    }

    /** The JSON form: name, type, and shape with numbers and symbolic names. */
    Map<String, Object> toMap() {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("name", name);
        m.put("type", elementType);
        List<Object> shape = new ArrayList<>();
        long[] s = shape();
        for (int i = 0; i < s.length; i++) {
            shape.add(s[i] >= 0 ? (Object) s[i] : dims.get(i));
        }
        m.put("shape", shape);
        return m;
    }
}
