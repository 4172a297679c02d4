package ai.graft.trainer.data;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.InvalidPathException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Pattern;

/**
 * Reads CSV manifests (a header naming {@code path}, {@code label} and optionally {@code split},
 * then one row per image): the manifest source behind {@link Datasets#fromCsv} and {@link
 * Datasets#open}.
 */
final class CsvManifests {
    private static final Pattern INTEGER = Pattern.compile("-?\\d{1,18}");

    private CsvManifests() {}

    /** One manifest row. */
    private record Row(String path, String label, String split, int line) {}

    /** {@link Datasets#fromCsv}: every row, whatever its split. */
    static ImageDataset read(Path csv) throws DatasetException {
        List<Row> rows = readManifest(csv);
        List<String> classes = sortedClasses(rows);
        return manifestDataset(csv, rows, classes);
    }

    /** {@link Datasets#open} on a manifest: rows go to the split they name. */
    static Splits split(Path csv, double valFraction, long seed, int minPerClass)
            throws DatasetException {
        List<Row> rows = readManifest(csv);
        List<String> classes = sortedClasses(rows);
        List<Row> train = new ArrayList<>();
        List<Row> val = new ArrayList<>();
        List<Row> test = new ArrayList<>();
        for (Row r : rows) {
            String s = r.split.toLowerCase(Locale.ROOT);
            if (s.isEmpty() || StratifiedSplits.TRAIN_NAMES.contains(s)) {
                train.add(r);
            } else if (StratifiedSplits.VAL_NAMES.contains(s)) {
                val.add(r);
            } else if (StratifiedSplits.TEST_NAMES.contains(s)) {
                test.add(r);
            } else {
                throw new DatasetException(
                        "CSV manifest "
                                + csv
                                + ", line "
                                + r.line
                                + ": unknown split '"
                                + r.split
                                + "', expected train, val or test (or blank for train)");
            }
        }
        if (train.isEmpty()) {
            throw new DatasetException(
                    "CSV manifest " + csv + " has no training rows (split blank or 'train')");
        }
        ImageDataset pool = manifestDataset(csv, train, classes);
        ImageDataset valSet = val.isEmpty() ? null : manifestDataset(csv, val, classes);
        ImageDataset testSet = test.isEmpty() ? null : manifestDataset(csv, test, classes);
        return StratifiedSplits.assemble(
                pool, valSet, testSet, valFraction, seed, minPerClass, c -> "manifest " + csv);
    }

    private static List<Row> readManifest(Path csv) throws DatasetException {
        Objects.requireNonNull(csv, "csv");
        if (!Files.isRegularFile(csv)) {
            throw new DatasetException("CSV manifest not found: " + csv);
        }
        String text;
        try {
            text =
                    StandardCharsets.UTF_8
                            .newDecoder()
                            .decode(ByteBuffer.wrap(Files.readAllBytes(csv)))
                            .toString();
        } catch (CharacterCodingException e) {
            throw new DatasetException(
                    "CSV manifest " + csv + " is not UTF-8 text; save it as UTF-8", e);
        } catch (IOException e) {
            throw new DatasetException("Cannot read CSV manifest " + csv + ": " + e, e);
        }
        if (text.startsWith("\uFEFF")) {
            text = text.substring(1);
        }
        List<CsvRecord> records = parseCsv(text, csv);
        if (records.isEmpty()) {
            throw new DatasetException(
                    "CSV manifest " + csv + " is empty; expected a header row 'path,label'");
        }
        List<String> header = records.get(0).fields;
        int pathCol = -1;
        int labelCol = -1;
        int splitCol = -1;
        for (int i = 0; i < header.size(); i++) {
            String h = header.get(i).trim().toLowerCase(Locale.ROOT);
            if (h.equals("path") && pathCol < 0) {
                pathCol = i;
            } else if (h.equals("label") && labelCol < 0) {
                labelCol = i;
            } else if (h.equals("split") && splitCol < 0) {
                splitCol = i;
            }
        }
        if (pathCol < 0 || labelCol < 0) {
            throw new DatasetException(
                    "CSV manifest "
                            + csv
                            + ": the header (line 1) must name the columns 'path' and 'label', got "
                            + header);
        }
        List<Row> rows = new ArrayList<>();
        Map<String, Integer> firstLine = new HashMap<>();
        for (CsvRecord r : records.subList(1, records.size())) {
            int needed = Math.max(pathCol, labelCol) + 1;
            if (r.fields.size() < needed) {
                throw new DatasetException(
                        "CSV manifest "
                                + csv
                                + ", line "
                                + r.line
                                + ": "
                                + r.fields.size()
                                + " fields, expected at least "
                                + needed
                                + " (columns "
                                + header
                                + ")");
            }
            String path = r.fields.get(pathCol).trim();
            String label = r.fields.get(labelCol).trim();
            String split =
                    splitCol >= 0 && splitCol < r.fields.size()
                            ? r.fields.get(splitCol).trim()
                            : "";
            if (path.isEmpty() || label.isEmpty()) {
                throw new DatasetException(
                        "CSV manifest "
                                + csv
                                + ", line "
                                + r.line
                                + ": empty "
                                + (path.isEmpty() ? "path" : "label")
                                + "; every row needs a path and a label");
            }
            Integer earlier = firstLine.putIfAbsent(path, r.line);
            if (earlier != null) {
                throw new DatasetException(
                        "CSV manifest "
                                + csv
                                + ": "
                                + path
                                + " is listed twice (lines "
                                + earlier
                                + " and "
                                + r.line
                                + ")");
            }
            rows.add(new Row(path, label, split, r.line));
        }
        if (rows.isEmpty()) {
            throw new DatasetException(
                    "CSV manifest "
                            + csv
                            + " has a header but no rows; expected one row per image");
        }
        return rows;
    }

    private static List<String> sortedClasses(List<Row> rows) {
        Set<String> names = new TreeSet<>();
        boolean numeric = true;
        for (Row r : rows) {
            names.add(r.label);
            numeric &= INTEGER.matcher(r.label).matches();
        }
        List<String> classes = new ArrayList<>(names);
        if (numeric) {
            classes.sort(Comparator.comparingLong(Long::parseLong));
        }
        return classes;
    }

    private static ImageDataset manifestDataset(Path csv, List<Row> rows, List<String> classes)
            throws DatasetException {
        Path base = csv.toAbsolutePath().getParent();
        Map<String, Integer> index = new HashMap<>();
        for (int i = 0; i < classes.size(); i++) {
            index.put(classes.get(i), i);
        }
        List<Sample> samples = new ArrayList<>();
        boolean anyExists = false;
        for (Row r : rows) {
            Path file;
            try {
                file = base.resolve(r.path);
            } catch (InvalidPathException e) {
                throw new DatasetException(
                        "CSV manifest " + csv + ", line " + r.line + ": invalid path " + r.path, e);
            }
            anyExists |= Files.exists(file);
            samples.add(Sample.ofFile(file, index.get(r.label), r.path));
        }
        if (!anyExists && !rows.isEmpty()) {
            throw new DatasetException(
                    "None of the "
                            + rows.size()
                            + " files listed in "
                            + csv
                            + " exists (the first is "
                            + base.resolve(rows.get(0).path)
                            + "); paths are relative to the manifest's folder");
        }
        return ImageDataset.of(classes, samples);
    }

    private static final class CsvRecord {
        final List<String> fields = new ArrayList<>();
        final int line;

        CsvRecord(int line) {
            this.line = line;
        }
    }

    /**
     * RFC 4180 records (quoted fields may hold commas, quotes and line breaks); blank lines
     * skipped.
     */
    private static List<CsvRecord> parseCsv(String text, Path csv) throws DatasetException {
        List<CsvRecord> out = new ArrayList<>();
        int line = 1;
        CsvRecord rec = new CsvRecord(line);
        StringBuilder field = new StringBuilder();
        boolean quoted = false;
        boolean fieldStart = true;
        int quoteLine = 0;
        int n = text.length();
        for (int i = 0; i < n; i++) {
            char ch = text.charAt(i);
            if (quoted) {
                if (ch == '"') {
                    if (i + 1 < n && text.charAt(i + 1) == '"') {
                        field.append('"');
                        i++;
                    } else {
                        quoted = false;
                    }
                } else {
                    if (ch == '\n') {
                        line++;
                    }
                    field.append(ch);
                }
                continue;
            }
            if (ch == '"' && fieldStart) {
                quoted = true;
                quoteLine = line;
                fieldStart = false;
            } else if (ch == ',') {
                rec.fields.add(field.toString());
                field.setLength(0);
                fieldStart = true;
            } else if (ch == '\n' || ch == '\r') {
                if (ch == '\r' && i + 1 < n && text.charAt(i + 1) == '\n') {
                    i++;
                }
                rec.fields.add(field.toString());
                field.setLength(0);
                fieldStart = true;
                if (!(rec.fields.size() == 1 && rec.fields.get(0).isBlank())) {
                    out.add(rec);
                }
                line++;
                rec = new CsvRecord(line);
            } else {
                field.append(ch);
                if (!Character.isWhitespace(ch)) {
                    fieldStart = false;
                }
            }
        }
        if (quoted) {
            throw new DatasetException(
                    "CSV manifest "
                            + csv
                            + ", line "
                            + quoteLine
                            + ": a quoted field is not closed; expected a closing '\"'");
        }
        rec.fields.add(field.toString());
        if (!(rec.fields.size() == 1 && rec.fields.get(0).isBlank())) {
            out.add(rec);
        }
        return out;
    }
}
