package io.bpm.compiler.cli;

import java.nio.file.Path;

/**
 * Where a file's job name comes from when {@code --job} is not given: a {@code jobs/JOB/...}
 * path (a BOSH VM's /var/vcap/jobs/JOB/config/bpm.yml or a release's jobs/JOB/templates), else
 * a {@code JOB.bpm.yml} (or {@code JOB.monit}) file name. A {@code --VARIANT} suffix in that file name is dropped, so
 * renders of one template kept side by side ({@code JOB--VARIANT.bpm.yml}) name their job.
 */
public final class JobName {
    private JobName() {
    }

    /** The job name for this file, or null when the path does not tell. */
    static String of(Path file) {
        Path abs = file.toAbsolutePath().normalize();
        for (int i = abs.getNameCount() - 3; i >= 0; i--) {
            if (abs.getName(i).toString().equals("jobs")) return abs.getName(i + 1).toString();
        }
        return fromFileName(abs.getFileName() == null ? "" : abs.getFileName().toString());
    }

    /**
     * The job a {@code JOB.bpm.yml} or {@code JOB--VARIANT.bpm.yml} file name names (or the same
     * with {@code .monit}, the job's monit file kept beside it), or null.
     */
    public static String fromFileName(String name) {
        for (String suffix : new String[] {".bpm.yml", ".monit"}) {
            if (name.endsWith(suffix) && name.length() > suffix.length()) {
                String job = name.substring(0, name.length() - suffix.length());
                int variant = job.indexOf("--");
                return variant > 0 ? job.substring(0, variant) : job;
            }
        }
        return null;
    }
}
