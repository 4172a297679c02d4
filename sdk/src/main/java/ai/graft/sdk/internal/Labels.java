package ai.graft.sdk.internal;

import ai.graft.sdk.ModelException;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;

/** Reads class labels from files and from Ultralytics' {@code names} metadata. */
public final class Labels {
    private Labels() {}

    /**
     * Reads a labels file: one label per line, line {@code i + 1} being class {@code i}, trailing
     * white space and a UTF-8 byte-order mark removed; or, when the file starts with {@code [}, a
     * JSON array of strings. Blank lines at the end are ignored; a blank line before the last label
     * is an error, since it would shift every index after it.
     *
     * @param file the file
     * @return the labels, at least one
     * @throws ModelException when the file is missing or a folder, cannot be read or holds no
     *     labels, naming the file
     */
    public static List<String> read(Path file) throws ModelException {
        if (Files.isDirectory(file)) {
            throw new ModelException(
                    "Labels file "
                            + file
                            + " is a folder, expected a text file with one label per line (or a"
                            + " JSON array of labels)");
        }
        String text;
        try {
            text = Files.readString(file, StandardCharsets.UTF_8);
        } catch (java.nio.file.NoSuchFileException e) {
            throw new ModelException("Labels file not found: " + file, e);
        } catch (IOException e) {
            throw new ModelException("Cannot read labels file " + file + ": " + e.getMessage(), e);
        }
        if (text.startsWith("\uFEFF")) {
            text = text.substring(1);
        }
        if (text.strip().startsWith("[")) {
            return fromJson(text, file);
        }
        String[] lines = text.split("\r?\n|\r", -1);
        int last = lines.length - 1;
        while (last >= 0 && lines[last].isBlank()) {
            last--;
        }
        if (last < 0) {
            throw new ModelException(
                    "Labels file " + file + " is empty, expected one label per line");
        }
        List<String> labels = new ArrayList<>(last + 1);
        for (int i = 0; i <= last; i++) {
            String l = lines[i].strip();
            if (l.isEmpty()) {
                throw new ModelException(
                        "Labels file "
                                + file
                                + " has a blank line "
                                + (i + 1)
                                + ", expected one label per line (line i+1 = class i)");
            }
            labels.add(l);
        }
        return labels;
    }

    private static List<String> fromJson(String text, Path file) throws ModelException {
        Object parsed;
        try {
            parsed = Json.parse(text);
        } catch (IllegalArgumentException e) {
            throw new ModelException(
                    "Labels file " + file + " is not valid JSON: " + e.getMessage(), e);
        }
        List<String> labels = new ArrayList<>();
        if (parsed instanceof List<?> list) {
            for (Object o : list) {
                if (!(o instanceof String s) || s.isBlank()) {
                    throw new ModelException(
                            "Labels file "
                                    + file
                                    + " holds "
                                    + Json.write(o)
                                    + ", expected a JSON array of non-blank strings");
                }
                labels.add(s);
            }
        }
        if (labels.isEmpty()) {
            throw new ModelException(
                    "Labels file " + file + " holds no labels, expected a JSON array of strings");
        }
        return labels;
    }

    /**
     * Parses Ultralytics' {@code names} metadata, a Python dict literal such as {@code {0: 'cat',
     * 1: "dog's"}}. Keys must be the class indices 0 to n-1, in any order.
     *
     * @param names the metadata value
     * @return the labels by index
     * @throws IllegalArgumentException when the text is not such a dict
     */
    public static List<String> parseUltralyticsNames(String names) {
        Map<Integer, String> byIndex = new TreeMap<>();
        String s = names.strip();
        int i = 0;
        if (s.isEmpty() || s.charAt(i) != '{') {
            throw new IllegalArgumentException("expected a dict such as {0: 'cat', 1: 'dog'}");
        }
        i++;
        while (true) {
            i = skipSpace(s, i);
            if (i < s.length() && s.charAt(i) == '}') {
                i++;
                break;
            }
            int start = i;
            while (i < s.length() && (Character.isDigit(s.charAt(i)) || s.charAt(i) == '-')) {
                i++;
            }
            if (start == i) {
                throw new IllegalArgumentException(
                        "expected an integer key at position " + start + " of " + names);
            }
            int key = Integer.parseInt(s.substring(start, i));
            i = skipSpace(s, i);
            if (i >= s.length() || s.charAt(i) != ':') {
                throw new IllegalArgumentException(
                        "expected ':' at position " + i + " of " + names);
            }
            i = skipSpace(s, i + 1);
            if (i >= s.length() || (s.charAt(i) != '\'' && s.charAt(i) != '"')) {
                throw new IllegalArgumentException(
                        "expected a quoted string at position " + i + " of " + names);
            }
            char quote = s.charAt(i++);
            StringBuilder value = new StringBuilder();
            while (true) {
                if (i >= s.length()) {
                    throw new IllegalArgumentException("unterminated string in " + names);
                }
                char c = s.charAt(i++);
                if (c == quote) {
                    break;
                }
                if (c == '\\' && i < s.length()) {
                    char e = s.charAt(i++);
                    switch (e) {
                        case 'n' -> value.append('\n');
                        case 't' -> value.append('\t');
                        case 'x' -> {
                            value.append((char) Integer.parseInt(s.substring(i, i + 2), 16));
                            i += 2;
                        }
                        case 'u' -> {
                            value.append((char) Integer.parseInt(s.substring(i, i + 4), 16));
                            i += 4;
                        }
                        default -> value.append(e);
                    }
                } else {
                    value.append(c);
                }
            }
            if (byIndex.put(key, value.toString()) != null) {
                throw new IllegalArgumentException("key " + key + " appears twice in " + names);
            }
            i = skipSpace(s, i);
            if (i < s.length() && s.charAt(i) == ',') {
                i++;
            } else if (i >= s.length() || s.charAt(i) != '}') {
                throw new IllegalArgumentException(
                        "expected ',' or '}' at position " + i + " of " + names);
            }
        }
        if (skipSpace(s, i) != s.length()) {
            throw new IllegalArgumentException("unexpected text after the dict in " + names);
        }
        if (byIndex.isEmpty()) {
            throw new IllegalArgumentException("the dict is empty");
        }
        List<String> labels = new ArrayList<>(byIndex.size());
        int expected = 0;
        for (Map.Entry<Integer, String> e : byIndex.entrySet()) {
            if (e.getKey() != expected) {
                throw new IllegalArgumentException(
                        "keys must be the class indices 0.."
                                + (byIndex.size() - 1)
                                + ", but "
                                + expected
                                + " is missing");
            }
            labels.add(e.getValue());
            expected++;
        }
        return labels;
    }

    /**
     * Parses Ultralytics' {@code imgsz} metadata, such as {@code [224, 224]} (height, width) or
     * {@code 224}.
     *
     * @param imgsz the metadata value
     * @return {height, width}
     * @throws IllegalArgumentException when it is neither form
     */
    public static int[] parseUltralyticsImgsz(String imgsz) {
        String s = imgsz.strip();
        if (s.startsWith("[") && s.endsWith("]") || s.startsWith("(") && s.endsWith(")")) {
            s = s.substring(1, s.length() - 1);
        }
        String[] parts = s.split(",");
        try {
            if (parts.length == 1) {
                int v = Integer.parseInt(parts[0].strip());
                if (v > 0) {
                    return new int[] {v, v};
                }
            } else if (parts.length == 2) {
                int h = Integer.parseInt(parts[0].strip());
                int w = Integer.parseInt(parts[1].strip());
                if (h > 0 && w > 0) {
                    return new int[] {h, w};
                }
            }
        } catch (NumberFormatException e) {
            // fall through to the message below
        }
        throw new IllegalArgumentException(
                "expected [height, width] or one size, got '" + imgsz + "'");
    }

    /**
     * The labels closest to what someone typed, for a "did you mean" hint: the same label in
     * another case, a label one of whose comma-separated names is the text (ImageNet's {@code fox
     * squirrel, eastern fox squirrel, Sciurus niger} for {@code fox squirrel}), a label containing
     * the text, then labels or names within a few typing errors.
     *
     * @param labels the labels by class index
     * @param text what was typed
     * @param max the most indices to return
     * @return class indices, closest first, ties in index order; empty when nothing is close
     */
    public static List<Integer> closest(List<String> labels, String text, int max) {
        String query = text.strip().toLowerCase(Locale.ROOT);
        if (query.isEmpty()) {
            return List.of();
        }
        int typos = Math.max(1, query.length() / 4);
        List<int[]> ranked = new ArrayList<>();
        for (int i = 0; i < labels.size(); i++) {
            String label = labels.get(i).toLowerCase(Locale.ROOT);
            int rank;
            if (label.equals(query)) {
                rank = 0;
            } else {
                String[] names = label.split(",");
                int distance = Integer.MAX_VALUE;
                boolean name = false;
                for (String n : names) {
                    String stripped = n.strip();
                    name |= stripped.equals(query);
                    distance = Math.min(distance, distance(stripped, query, typos));
                }
                distance = Math.min(distance, distance(label, query, typos));
                if (name) {
                    rank = 1;
                } else if (query.length() >= 3 && label.contains(query)) {
                    rank = 2;
                } else if (distance <= typos) {
                    rank = 2 + distance;
                } else {
                    continue;
                }
            }
            ranked.add(new int[] {rank, i});
        }
        ranked.sort(Comparator.<int[]>comparingInt(r -> r[0]).thenComparingInt(r -> r[1]));
        List<Integer> indices = new ArrayList<>();
        for (int j = 0; j < Math.min(max, ranked.size()); j++) {
            indices.add(ranked.get(j)[1]);
        }
        return indices;
    }

    /** Levenshtein distance, or {@code limit + 1} as soon as it is known to exceed the limit. */
    private static int distance(String a, String b, int limit) {
        if (Math.abs(a.length() - b.length()) > limit) {
            return limit + 1;
        }
        int[] previous = new int[b.length() + 1];
        int[] current = new int[b.length() + 1];
        for (int j = 0; j <= b.length(); j++) {
            previous[j] = j;
        }
        for (int i = 1; i <= a.length(); i++) {
            current[0] = i;
            int rowMin = current[0];
            for (int j = 1; j <= b.length(); j++) {
                int cost = a.charAt(i - 1) == b.charAt(j - 1) ? 0 : 1;
                current[j] =
                        Math.min(
                                Math.min(current[j - 1] + 1, previous[j] + 1),
                                previous[j - 1] + cost);
                rowMin = Math.min(rowMin, current[j]);
            }
            if (rowMin > limit) {
                return limit + 1;
            }
            int[] swap = previous;
            previous = current;
            current = swap;
        }
        return previous[b.length()];
    }

    private static int skipSpace(String s, int i) {
        while (i < s.length() && Character.isWhitespace(s.charAt(i))) {
            i++;
        }
        return i;
    }
}
