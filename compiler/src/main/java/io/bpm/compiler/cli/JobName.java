package io.bpm.compiler.cli;

import java.nio.file.Path;

/**
 * Where a file's job name comes from when {@code --job} is not given: a {@code jobs/JOB/...}
 * path (a BOSH VM's /var/vcap/jobs/JOB/config/bpm.yml or a release's jobs/JOB/templates), else
 * a {@code JOB.bpm.yml} file name. A {@code --VARIANT} suffix in that file name is dropped, so
 * renders of one template kept side by side ({@code JOB--VARIANT.bpm.yml}) name their job.
 */
final class JobName {
    private JobName() {
    }

    /** The job name for this file, or null when the path does not tell. */
    static String of(Path file) {
        Path abs = file.toAbsolutePath().normalize();
        for (int i = abs.getNameCount() - 3; i >= 0; i--) {
            if (abs.getName(i).toString().equals("jobs")) return abs.getName(i + 1).toString();
        }
        String name = abs.getFileName() == null ? "" : abs.getFileName().toString();
        if (name.endsWith(".bpm.yml") && name.length() > ".bpm.yml".length()) {
            String job = name.substring(0, name.length() - ".bpm.yml".length());
            int variant = job.indexOf("--");
            return variant > 0 ? job.substring(0, variant) : job;
        }
        return null;
    }
}
