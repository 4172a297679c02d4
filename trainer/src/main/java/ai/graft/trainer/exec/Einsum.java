package ai.graft.trainer.exec;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.types.Shape;
import java.util.ArrayList;
import java.util.List;

/**
 * {@code Einsum}: each operand is laid out over every index of the equation (missing ones as size
 * 1), the operands are multiplied with broadcasting, and the indices absent from the output are
 * summed. Ellipses are supported; an index repeated within one operand (a diagonal) is refused.
 * Simple rather than fast: it materialises the full product, which suits the small contractions
 * that classifier exports contain.
 */
final class Einsum {
    private Einsum() {}

    static NDArray run(Node n, List<NDArray> operands) {
        String equation = n.s("equation", "").replace(" ", "");
        String[] sides = equation.split("->", -1);
        if (sides.length > 2) {
            throw new IllegalArgumentException(n.describe() + ": equation '" + equation + "'");
        }
        String[] terms = sides[0].split(",", -1);
        if (terms.length != operands.size()) {
            throw new IllegalArgumentException(
                    n.describe()
                            + ": equation '"
                            + equation
                            + "' names "
                            + terms.length
                            + " operands, the node has "
                            + operands.size());
        }
        // An ellipsis becomes digits (never equation letters), one per dimension it covers.
        int ellipsis = 0;
        for (int k = 0; k < terms.length; k++) {
            if (terms[k].contains("...")) {
                int rank = operands.get(k).getShape().dimension();
                ellipsis = Math.max(ellipsis, rank - (terms[k].length() - 3));
            }
        }
        if (ellipsis > 10) {
            throw new UnsupportedOperatorException(
                    n.describe() + ": an ellipsis over " + ellipsis + " dimensions");
        }
        String broadcastLetters = "0123456789".substring(0, ellipsis);
        for (int k = 0; k < terms.length; k++) {
            if (terms[k].contains("...")) {
                int rank = operands.get(k).getShape().dimension();
                int covered = rank - (terms[k].length() - 3);
                terms[k] =
                        terms[k].replace(
                                "...", broadcastLetters.substring(ellipsis - covered, ellipsis));
            }
            if (terms[k].length() != operands.get(k).getShape().dimension()) {
                throw new IllegalArgumentException(
                        n.describe()
                                + ": term '"
                                + terms[k]
                                + "' does not match an operand of rank "
                                + operands.get(k).getShape().dimension());
            }
            if (terms[k].chars().distinct().count() != terms[k].length()) {
                throw new UnsupportedOperatorException(
                        n.describe()
                                + ": an index repeated within one operand ('"
                                + terms[k]
                                + "')");
            }
        }
        String output;
        if (sides.length == 2) {
            output = sides[1].replace("...", broadcastLetters);
        } else {
            // Implicit output: the ellipsis, then the indices seen once, alphabetically.
            StringBuilder b = new StringBuilder(broadcastLetters);
            String all = String.join("", terms);
            all.chars()
                    .filter(Character::isLetter)
                    .distinct()
                    .sorted()
                    .filter(c -> all.indexOf(c) == all.lastIndexOf(c))
                    .forEach(c -> b.append((char) c));
            output = b.toString();
        }
        List<Character> letters = new ArrayList<>();
        for (char c : (output + String.join("", terms)).toCharArray()) {
            if (!letters.contains(c) && c != ',') {
                letters.add(c);
            }
        }
        NDArray product = null;
        for (int k = 0; k < terms.length; k++) {
            NDArray a = operands.get(k);
            String term = terms[k];
            // Order the operand's axes as the letters, then add size-1 axes for the rest.
            int[] perm =
                    letters.stream()
                            .filter(c -> term.indexOf(c) >= 0)
                            .mapToInt(c -> term.indexOf(c))
                            .toArray();
            NDArray t = a.transpose(perm);
            long[] shape = new long[letters.size()];
            long[] ts = t.getShape().getShape();
            int j = 0;
            for (int l = 0; l < letters.size(); l++) {
                shape[l] = term.indexOf(letters.get(l)) >= 0 ? ts[j++] : 1;
            }
            t = t.reshape(new Shape(shape));
            product = product == null ? t : product.mul(t);
        }
        int[] summed = java.util.stream.IntStream.range(output.length(), letters.size()).toArray();
        NDArray y = summed.length == 0 ? product : product.sum(summed);
        if (y.getShape().dimension() != output.length()) {
            throw new IllegalStateException(
                    "Einsum produced rank " + y.getShape().dimension() + " for '" + output + "'");
        }
        return y;
    }
}
