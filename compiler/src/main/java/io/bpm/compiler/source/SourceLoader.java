package io.bpm.compiler.source;

import io.bpm.compiler.diag.Diagnostic;
import io.bpm.compiler.diag.Rule;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CharsetDecoder;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Reads a config file safely: a size bound before reading anything, strict UTF-8 (a binary
 * file is refused with the place of its first bad byte, not fed to the YAML parser).
 */
public final class SourceLoader {
    /** Far above any real bpm.yml (the largest in the corpus is a few KB). */
    public static final long MAX_BYTES = 4L * 1024 * 1024;

    private SourceLoader() {
    }

    /** The outcome: the text, or a finding saying why the file was not read. */
    public sealed interface Loaded permits Text, Refused {
    }

    public record Text(SourceFile source) implements Loaded {
    }

    public record Refused(Diagnostic diagnostic) implements Loaded {
    }

    /** @throws IOException when the file cannot be read at all (missing, unreadable, a directory) */
    public static Loaded load(Path path, String displayName) throws IOException {
        return load(path, displayName, "bpm.yml");
    }

    /**
     * The same for another kind of file (the job's "monit file"), named so in the findings.
     *
     * @throws IOException when the file cannot be read at all (missing, unreadable, a directory)
     */
    public static Loaded load(Path path, String displayName, String kind) throws IOException {
        long size = Files.size(path);
        if (size > MAX_BYTES) {
            return refuse(displayName, Span.FILE, String.format(
                    "refusing to read this file: it is %.1f MiB, and a %s is at most %d MiB (is this the right file?)",
                    size / 1048576.0, kind, MAX_BYTES / 1048576), "point bpm lint at the job's " + kind);
        }
        return decode(Files.readAllBytes(path), displayName, kind);
    }

    /** The same for bytes already read (bpm start hashes them first): strict UTF-8 or a finding. */
    public static Loaded decode(byte[] bytes, String displayName) {
        return decode(bytes, displayName, "bpm.yml");
    }

    private static Loaded decode(byte[] bytes, String displayName, String kind) {
        CharsetDecoder utf8 = StandardCharsets.UTF_8.newDecoder()
                .onMalformedInput(CodingErrorAction.REPORT)
                .onUnmappableCharacter(CodingErrorAction.REPORT);
        try {
            return new Text(new SourceFile(displayName, utf8.decode(ByteBuffer.wrap(bytes)).toString(), bytes));
        } catch (CharacterCodingException e) {
            int bad = firstBadByte(bytes);
            return refuse(displayName, position(bytes, bad),
                    "refusing to read this file: it is not UTF-8 text (byte 0x" + String.format("%02x", bytes[bad] & 0xff)
                            + " at offset " + bad + ")",
                    kind + " must be UTF-8 text; is this a binary file, or saved in another encoding?");
        }
    }

    private static Loaded refuse(String file, Span at, String message, String hint) {
        return new Refused(new Diagnostic(Rule.INPUT_REFUSED, Rule.INPUT_REFUSED.severity(), file, at, "", message, hint, null));
    }

    /** Offset of the first byte that does not start or continue a valid UTF-8 sequence. */
    static int firstBadByte(byte[] b) {
        CharsetDecoder d = StandardCharsets.UTF_8.newDecoder()
                .onMalformedInput(CodingErrorAction.REPORT).onUnmappableCharacter(CodingErrorAction.REPORT);
        ByteBuffer in = ByteBuffer.wrap(b);
        java.nio.CharBuffer out = java.nio.CharBuffer.allocate(b.length + 1);
        var result = d.decode(in, out, true);
        return result.isError() ? in.position() : 0;
    }

    /** Line and column (in code points) of a byte offset, counting only complete characters before it. */
    static Span position(byte[] b, int offset) {
        String before = new String(b, 0, offset, StandardCharsets.UTF_8);
        int line = 1;
        int lineStart = 0;
        for (int i = 0; i < before.length(); i++) {
            char c = before.charAt(i);
            if (c == '\n' || c == '\r') { // lines end as SourceFile splits them: LF, CRLF or CR
                if (c == '\r' && i + 1 < before.length() && before.charAt(i + 1) == '\n') i++;
                line++;
                lineStart = i + 1;
            }
        }
        int col = before.codePointCount(lineStart, before.length()) + 1;
        return Span.point(line, col);
    }
}
