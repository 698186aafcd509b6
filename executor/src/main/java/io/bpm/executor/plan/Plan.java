package io.bpm.executor.plan;

import java.util.List;

/**
 * An execution plan: everything the executor does to start one process of one job, in order.
 * The only contract between compiler and executor. Host-independent: external paths start with
 * {@link Step#ROOT} and are bound to the BOSH root (BPM_BOSH_ROOT, default /var/vcap) by the
 * executor; the user's uid/gid, optional mounts, glob expansion and the cgroup version are
 * likewise bound on the host.
 */
public record Plan(Header header, List<Step> steps) {
    public Plan {
        steps = List.copyOf(steps);
    }

    /** The steps of one kind, in plan order. */
    public <T extends Step> List<T> steps(Class<T> kind) {
        List<T> out = new java.util.ArrayList<>();   // no stream: this is on every start's path
        for (Step s : steps) {
            if (kind.isInstance(s)) out.add(kind.cast(s));
        }
        return List.copyOf(out);
    }

    /** The single step of a kind every plan has exactly one of (verified). */
    public <T extends Step> T one(Class<T> kind) {
        List<T> all = steps(kind);
        if (all.size() != 1) throw new IllegalStateException("plan has " + all.size() + " " + kind.getSimpleName() + " steps");
        return all.getFirst();
    }
}
