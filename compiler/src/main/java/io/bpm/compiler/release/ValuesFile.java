package io.bpm.compiler.release;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * A {@code --properties} file: the values of one job, or {@code JOB: {properties: ..., spec: ...,
 * links: ...}} for several (when every top-level key names a job of the release and every value
 * holds only those three keys).
 *
 * @param byJob  the values of the jobs it names
 * @param forAll the values for every job, when the file is of the one-job form
 */
public record ValuesFile(Map<String, JobValues> byJob, Optional<JobValues> forAll) {

    private static final Set<String> PER_JOB_KEYS = Set.of("properties", "spec", "links");

    public static final ValuesFile EMPTY = new ValuesFile(Map.of(), Optional.empty());

    public JobValues of(String job) {
        return byJob.getOrDefault(job, forAll.orElse(JobValues.NONE));
    }

    public static ValuesFile read(Path file, Set<String> jobs) throws IOException, JobSpec.Invalid {
        Object doc = JobSpec.load(Files.readString(file));
        if (doc == null) return EMPTY;
        if (!(doc instanceof Map<?, ?> root)) throw new JobSpec.Invalid("a properties file is a mapping: property values, or JOB: {...} per job", 1);
        // JOB: {...} only when every key names a job and every value holds only properties:, spec:
        // and links: (a job's properties are often named after the job: nats: {user: ...} is nats.user)
        boolean perJob = !root.isEmpty() && root.entrySet().stream().allMatch(e -> jobs.contains(String.valueOf(e.getKey()))
                && (e.getValue() == null || e.getValue() instanceof Map<?, ?> m && !m.isEmpty()
                        && m.keySet().stream().allMatch(k -> PER_JOB_KEYS.contains(String.valueOf(k)))));
        if (!perJob) return new ValuesFile(Map.of(), Optional.of(JobValues.of(root)));
        Map<String, JobValues> byJob = new LinkedHashMap<>();
        for (var e : root.entrySet()) {
            Object v = e.getValue();
            if (v != null && !(v instanceof Map<?, ?>)) {
                throw new JobSpec.Invalid("the values of job '" + e.getKey() + "' must be a mapping", 0);
            }
            byJob.put(String.valueOf(e.getKey()), v == null ? JobValues.NONE : JobValues.of((Map<?, ?>) v));
        }
        return new ValuesFile(Map.copyOf(byJob), Optional.empty());
    }
}
