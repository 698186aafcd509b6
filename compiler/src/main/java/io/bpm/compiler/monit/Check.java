package io.bpm.compiler.monit;

import io.bpm.compiler.source.Span;
import java.util.Optional;

/**
 * One {@code check KIND NAME ...} block.
 *
 * @param index       0-based position among the file's checks (findings name it as {@code /checks/N})
 * @param kind        what is checked
 * @param name        the service name, unquoted
 * @param keywordSpan {@code check KIND}
 * @param nameSpan    the name as written
 * @param target      what follows the name ({@code with pidfile PATH}, {@code matching ...},
 *                    {@code path ...}, {@code address ...}), when present
 * @param start       the start program, when there is one (the last, as monit keeps the last)
 * @param stop        the stop program, likewise
 */
public record Check(int index, Kind kind, String name, Span keywordSpan, Span nameSpan,
                    Optional<Target> target, Optional<Program> start, Optional<Program> stop) {

    /** The kinds of check monit has; BOSH jobs use process, and occasionally host, file or program. */
    public enum Kind { PROCESS, PROGRAM, FILE, FIFO, DIRECTORY, FILESYSTEM, HOST, SYSTEM, NETWORK }

    /**
     * The target of a check: {@code keyword} is pidfile, matching, path, address or interface
     * (lower case); {@code value} is unquoted; {@code span} covers the value without quotes.
     */
    public record Target(String keyword, String value, Span span) {
    }

    /** The JSON-pointer-like address findings about this check carry, e.g. {@code /checks/0/start}. */
    public String pointer(String part) {
        return "/checks/" + index + (part.isEmpty() ? "" : "/" + part);
    }
}
