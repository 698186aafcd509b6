package io.bpm.compiler.rules;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.Arrays;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

class DidYouMeanTest {

    private static final List<String> PROCESS_KEYS = List.of(
            "name", "executable", "args", "env", "workdir", "hooks", "capabilities", "limits",
            "ephemeral_disk", "persistent_disk", "additional_volumes", "unsafe", "shutdown_signal");
    private static final List<String> VOLUME_KEYS = List.of(
            "path", "writable", "allow_executions", "mount_only", "shared");
    private static final List<String> LIMIT_KEYS = List.of(
            "memory", "open_files", "processes", "core_file_size");
    private static final List<String> UNSAFE_KEYS = List.of(
            "privileged", "unrestricted_volumes", "host_pid_namespace");

    @ParameterizedTest(name = "{0} -> {1}")
    @CsvSource({
        "executeable, executable",
        "excutable, executable",
        "EXECUTABLE, executable",
        "shutdown_sigal, shutdown_signal",
        "shutdwon_signal, shutdown_signal",
        "shutdown-signal, shutdown_signal",
        "ephemeral_disc, ephemeral_disk",
        "Ephemeral_Disk, ephemeral_disk",
        "ephemeral-disk, ephemeral_disk",
        "persistant_disk, persistent_disk",
        "additional_volume, additional_volumes",
        "additonal_volumes, additional_volumes",
        "arg, args",
        "argss, args",
        "envs, env",
        "ENV, env",
        "Name, name",
        "capabilites, capabilities",
        "capability, capabilities",
        "hook, hooks",
        "work_dir, workdir",
        "limit, limits",
        // too far by edits, known by what other tools call them (issue 14)
        "environment, env",
        "enviroment, env",
        "Environment, env",
        "command, executable",
        "cmd, executable",
        "arguments, args",
        "cwd, workdir",
        "working_dir, workdir",
        "volumes, additional_volumes",
        "stop_signal, shutdown_signal",
        "caps, capabilities",
    })
    void processKeys(String typo, String suggestion) {
        assertEquals(Optional.of(suggestion), DidYouMean.suggest(typo, PROCESS_KEYS));
    }

    @ParameterizedTest(name = "{0} -> {1}")
    @CsvSource({
        "writeable, writable",
        "Writable, writable",
        "allow-executions, allow_executions",
        "allow_execution, allow_executions",
        "mountonly, mount_only",
        "share, shared",
        "pth, path",
    })
    void volumeKeys(String typo, String suggestion) {
        assertEquals(Optional.of(suggestion), DidYouMean.suggest(typo, VOLUME_KEYS));
    }

    @ParameterizedTest(name = "{0} -> {1}")
    @CsvSource({
        "open-files, open_files",
        "openfiles, open_files",
        "memroy, memory",
        "process, processes",
        "core_file_sise, core_file_size",
        "privileged_, privileged",
        "priviledged, privileged",
        "unrestricted-volumes, unrestricted_volumes",
        "host_pid_namspace, host_pid_namespace",
    })
    void limitAndUnsafeKeys(String typo, String suggestion) {
        List<String> keys = new java.util.ArrayList<>(LIMIT_KEYS);
        keys.addAll(UNSAFE_KEYS);
        assertEquals(Optional.of(suggestion), DidYouMean.suggest(typo, keys));
    }

    @ParameterizedTest(name = "{0} -> nothing")
    @ValueSource(strings = {
        "foo", "", "x", "ag", "user", "stdout", "privileged", "memory_limit", "shutdown_timeout",
    })
    void tooFarSuggestsNothing(String typo) {
        assertEquals(Optional.empty(), DidYouMean.suggest(typo, PROCESS_KEYS));
    }

    @ParameterizedTest(name = "{0} -> {1}")
    @CsvSource({
        "NET_BIND_SERVIC, NET_BIND_SERVICE",
        "NET_BIND_SEVRICE, NET_BIND_SERVICE",
        "SYS_ADMN, SYS_ADMIN",
        "SYSADMIN, SYS_ADMIN",
        "NET_RAWW, NET_RAW",
        "SYS_PTRACE_, SYS_PTRACE",
        "net-admin, NET_ADMIN",
        "CHWON, CHOWN",
    })
    void capabilityNames(String typo, String suggestion) {
        List<String> caps = Arrays.asList("CHOWN", "DAC_OVERRIDE", "KILL", "NET_BIND_SERVICE", "NET_ADMIN",
                "NET_RAW", "SYS_ADMIN", "SYS_PTRACE", "SYS_TIME", "AUDIT_READ");
        assertEquals(Optional.of(suggestion), DidYouMean.suggest(typo, caps));
    }

    @Test
    void tiesGoToTheFirstCandidate() {
        assertEquals(Optional.of("ac"), DidYouMean.suggest("ab", List.of("ac", "ad")));
        assertEquals(Optional.of("ad"), DidYouMean.suggest("ab", List.of("ad", "ac")));
    }

    @Test
    void aCloserLaterCandidateWins() {
        assertEquals(Optional.of("abcdefx"), DidYouMean.suggest("abcdefg", List.of("abcdxyz", "abcdefx")));
        assertEquals(Optional.of("env"), DidYouMean.suggest("env", List.of("envs", "env")));
    }

    @Test
    void noCandidatesNoSuggestion() {
        assertEquals(Optional.empty(), DidYouMean.suggest("anything", List.of()));
    }

    @Test
    void thresholdIsAThirdOfTheTypoLength() {
        // 9 code points: up to 3 edits
        assertEquals(Optional.of("abcdefghi"), DidYouMean.suggest("abcxxxghi", List.of("abcdefghi")));
        assertEquals(Optional.empty(), DidYouMean.suggest("abxxxxghi", List.of("abcdefghi")));
        // short words still get one edit
        assertEquals(Optional.of("ab"), DidYouMean.suggest("a", List.of("ab")));
        assertEquals(Optional.empty(), DidYouMean.suggest("a", List.of("abc")));
        // lengths count code points, not UTF-16 units
        assertEquals(Optional.empty(), DidYouMean.suggest("\uD83D\uDE00\uD83D\uDE00", List.of("ab")));
    }

    @ParameterizedTest(name = "d({0}, {1}) = {2}")
    @CsvSource(quoteCharacter = '\'', value = {
        "'', '', 0",
        "abc, '', 3",
        "'', abc, 3",
        "abc, abc, 0",
        "abc, abd, 1",
        "abc, ab, 1",
        "ab, abc, 1",
        "abcd, acbd, 1",
        "ab, ba, 1",
        "kitten, sitting, 3",
        // optimal string alignment, not unrestricted Damerau-Levenshtein (which gives 2)
        "ca, abc, 3",
    })
    void distance(String a, String b, int expected) {
        assertEquals(expected, DidYouMean.distance(a.codePoints().toArray(), b.codePoints().toArray()));
    }

    @ParameterizedTest(name = "{0} -> {1}")
    @CsvSource({
        "exec, allow_executions",
        "executable, allow_executions",
        "nofile, open_files",
        "mem, memory",
        "core, core_file_size",
        "host_pid, host_pid_namespace",
    })
    void synonymsInTheirPlace(String word, String key) {
        List<String> all = new java.util.ArrayList<>(VOLUME_KEYS);
        all.addAll(LIMIT_KEYS);
        all.addAll(UNSAFE_KEYS);
        assertEquals(Optional.of(key), DidYouMean.suggest(word, all));
    }

    /** Every synonym names a real key of bpm.yml, so no suggestion points at nothing. */
    @Test
    void everySynonymIsAKey() {
        List<String> keys = new java.util.ArrayList<>(PROCESS_KEYS);
        keys.addAll(VOLUME_KEYS);
        keys.addAll(LIMIT_KEYS);
        keys.addAll(UNSAFE_KEYS);
        keys.addAll(List.of("processes", "pre_start"));
        DidYouMean.SYNONYMS.values().forEach(ks -> ks.forEach(k -> assertEquals(true, keys.contains(k), k)));
    }
}
