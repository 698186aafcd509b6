package io.bpm.fuzz;

import java.util.List;

/**
 * Catalogues of hostile values shared by the compiler's and the executor's fuzz properties.
 * The first entry of each list is the plainest: jqwik shrinks a failing pick towards it.
 */
public final class Hostile {
    private Hostile() {
    }

    /** Numbers as written: beyond 64 bits, beyond double, other radixes, signs, separators, units. */
    public static final List<String> NUMBERS = List.of(
            "0", "1", "-1", "-0", "+1", "007", "2147483647", "2147483648", "-2147483649", "4294967295", "4294967296",
            "4294967297", "9223372036854775807", "9223372036854775808", "-9223372036854775808", "-9223372036854775809",
            "18446744073709551615", "18446744073709551616", "340282366920938463463374607431768211456",
            "99999999999999999999999999999999999999999999999999", "1e400", "-1e400", "1e-400", "1.7976931348623157e308",
            "4.9e-324", "1e1000000", "1e999999999", "-1e999999999", "1e-999999999", "1e2147483648", "1e-2147483649",
            "0e99999999999999999999", "1.5e30", "1.25e1", "-0.5", ".inf", "-.inf", ".nan", "NaN", "Infinity", "0x7FFFFFFFFFFFFFFF", "0xFFFFFFFFFFFFFFFF",
            "0x10000000000000000", "0x", "0o777", "0777", "0o", "08", "0b101", "1_000_000", "1__0", "_1", "1_",
            "1e3", "1E3", "1.5", "0.5", "1.", ".5", "1:30", "1:30:00", "9G", "1G", "1.5G", "-1G", "0G", "1e3G",
            "9223372036854775807G", "17179869184G", "1T", "1P", "1E", "1k", "1K", "1KB", "1 G", "G", "0x1G",
            "\u0661\u0662\u0663" /* Arabic-Indic digits */, "\uff11" /* fullwidth 1 */, "\u00b9" /* superscript 1 */);

    /** Unicode that bends text: RTL overrides, combining marks, astral, noncharacters, lone surrogates, line separators. */
    public static final List<String> UNICODE = List.of(
            "\u00e9", "e\u0301", "\u202e", "\u202d", "\u200f", "\u200b", "\u200d", "\u2066", "\ufeff", "\u0085",
            "\u2028", "\u2029", "\ud83d\ude00", "\udbff\udfff" /* U+10FFFF */, "\ufffe", "\uffff", "\ufffd",
            "\ud800", "\udc00", "\udc00\ud800", "\u0000", "\u00a0", "\u3000", "\u65e5\u672c", "\u0391\u0392",
            "\u0627\u0644\u0639\u0631\u0628\u064a\u0629", "\u1f600" /* looks astral, is not */, "\u0130", "\u0131", "\u017f");

    /** Control characters, each alone. */
    public static final List<String> CONTROL = List.of(
            "\t", "\n", "\r", "\r\n", "\u0000", "\u0001", "\u0007", "\u0008", "\u000b", "\u000c", "\u001b", "\u001f", "\u007f",
            "\u0080", "\u009b");

    /** Attempts to start a plan line, a comment or a quoted field from inside a value. */
    public static final List<String> PLAN_INJECTION = List.of(
            "#", " # x", "\n# x", "\nuser root", "\nmount bind / /host rbind,rw,exec,suid,dev",
            "\"\nhook /bin/sh\n\"", "x\" # y", "\\", "\\n", "\\x00", "\\u{0}", "\"", "''", "a b", "=", ",", "$ROOT",
            "$ROOT/..", "/../../..", "\r\nenv LD_PRELOAD /tmp/x.so", "\u0085user root", "\u2028user root",
            "\u2029exec /bin/sh");

    /** Paths that try to leave where they belong. */
    public static final List<String> PATHS = List.of(
            "/var/vcap/data/job/x", "..", ".", "/", "//", "/var/vcap/../../etc/shadow", "/var/vcap/data/job/../../../etc",
            "/var/vcap/data/job/./x", "/var/vcap/data/job/x/", "/var/vcap/data/job//x", "$ROOT", "$ROOT/", "$ROOT/..",
            "$ROOT/../etc", "$ROOTX/etc", "relative/path", "~/x", "/etc", "/proc/self/root", "/proc/1/root", "/sys/fs/cgroup",
            "/dev/sda", "/var/vcap/sys/run/bpm", "/var/vcap/data/bpm/locks", "/var/vcap/jobs/*/config", "/var/vcap/**",
            "/var/vcap/data/job/[", "/var/vcap/data/job/\\", "/var/vcap/data/job/x\u0000y", "/var/vcap/data/job/\u202etxt.exe",
            "/var/vcap/data/job/" + "a".repeat(300), "/" + "a/".repeat(300) + "b");

    /** Every hostile string above, for picks that do not care which kind. */
    public static final List<String> ALL = concat(UNICODE, CONTROL, PLAN_INJECTION, PATHS, NUMBERS);

    @SafeVarargs
    static List<String> concat(List<String>... lists) {
        List<String> out = new java.util.ArrayList<>();
        for (List<String> l : lists) out.addAll(l);
        return List.copyOf(out);
    }
}
