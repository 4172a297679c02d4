package ai.graft.converter.quantize;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;

/**
 * A SHA-256 fingerprint of a set of images, recorded in the model card so that a quantized model
 * can be traced to what calibrated it: over the sorted SHA-256 digests of the files' contents, so
 * that the same images give the same fingerprint wherever they lie and in any order.
 */
final class ImageFingerprint {
    private ImageFingerprint() {}

    /**
     * Fingerprints images.
     *
     * @param images the image files
     * @return 64 lowercase hex digits
     * @throws IOException when a file cannot be read
     */
    static String of(List<Path> images) throws IOException {
        List<String> digests = new ArrayList<>();
        byte[] buf = new byte[1 << 16];
        for (Path image : images) {
            MessageDigest md = sha256();
            try (InputStream in = Files.newInputStream(image)) {
                for (int n; (n = in.read(buf)) > 0; ) {
                    md.update(buf, 0, n);
                }
            }
            digests.add(HexFormat.of().formatHex(md.digest()));
        }
        digests.sort(null);
        MessageDigest all = sha256();
        for (String d : digests) {
            all.update(d.getBytes(java.nio.charset.StandardCharsets.US_ASCII));
        }
        return HexFormat.of().formatHex(all.digest());
    }

    private static MessageDigest sha256() {
        try {
            return MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is not available", e);
        }
    }
}
