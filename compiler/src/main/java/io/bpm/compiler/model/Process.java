package io.bpm.compiler.model;

import java.util.List;

/**
 * One entry of {@code processes}. Absent strings are "" (as bpm's Go structs have them),
 * absent sections are null.
 *
 * @param pointer        JSON pointer of this process, {@code /processes/N}
 * @param hooks          null when the key is absent or null
 * @param limits         null when absent
 * @param unsafe         null when absent
 * @param shutdownSignal "" when unspecified (meaning TERM)
 */
public record Process(String pointer, String name, String executable, List<Located<String>> args,
                      List<EnvVar> env, String workdir, Hooks hooks, List<Located<String>> capabilities,
                      Limits limits, boolean ephemeralDisk, boolean persistentDisk,
                      List<Volume> additionalVolumes, Unsafe unsafe, String shutdownSignal) {
    public Process {
        args = List.copyOf(args);
        env = List.copyOf(env);
        capabilities = List.copyOf(capabilities);
        additionalVolumes = List.copyOf(additionalVolumes);
    }

    public boolean privileged() {
        return unsafe != null && unsafe.privileged();
    }

    public boolean hostPidNamespace() {
        return unsafe != null && unsafe.hostPidNamespace();
    }

    public List<Volume> unrestrictedVolumes() {
        return unsafe == null ? List.of() : unsafe.unrestrictedVolumes();
    }

    /** {@code hooks}: present means a pre_start program is run (bpm fails when it is empty). */
    public record Hooks(String pointer, String preStart) {
    }

    /**
     * {@code limits}. Numbers are null when not set; open_files and core_file_size are unsigned
     * 64-bit values held in a long's bits.
     */
    public record Limits(String pointer, String memory, Long openFiles, Long processes, Long coreFileSize) {
    }

    public record Unsafe(String pointer, boolean privileged, List<Volume> unrestrictedVolumes, boolean hostPidNamespace) {
        public Unsafe {
            unrestrictedVolumes = List.copyOf(unrestrictedVolumes);
        }
    }

    public record EnvVar(String pointer, String name, String value) {
    }
}
